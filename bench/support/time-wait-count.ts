import { readFileSync } from "node:fs";

/** TCP state 06 in /proc/net/tcp{,6}: TIME_WAIT. */
const TIME_WAIT = "06";

/**
 * Sockets in TIME_WAIT whose local or remote port is one of `ports`, from
 * /proc/net/tcp and /proc/net/tcp6 (what `ss -tan state time-wait` shows,
 * without spawning it once a second). Counting only the bench's listener
 * ports keeps other programs on a shared machine out of the figure; on
 * loopback both ends are on this host, so this counts either side's.
 * Returns undefined where /proc/net is not there (not Linux).
 */
export function timeWaitCount(ports: ReadonlySet<number>): number | undefined {
  let count = 0;
  let found = false;
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(file, "latin1");
    } catch {
      continue;
    }
    found = true;
    // "  sl  local_address rem_address   st ...": addresses are HEX_IP:HEX_PORT.
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] !== TIME_WAIT) continue;
      const local = Number.parseInt(fields[1]!.slice(fields[1]!.lastIndexOf(":") + 1), 16);
      const remote = Number.parseInt(fields[2]!.slice(fields[2]!.lastIndexOf(":") + 1), 16);
      if (ports.has(local) || ports.has(remote)) count++;
    }
  }
  return found ? count : undefined;
}

/** The kernel's cap on TIME_WAIT sockets (beyond it, closing sockets skip TIME_WAIT), if readable. */
export function maxTimeWaitBuckets(): number | undefined {
  try {
    return Number(readFileSync("/proc/sys/net/ipv4/tcp_max_tw_buckets", "utf8").trim());
  } catch {
    return undefined;
  }
}
