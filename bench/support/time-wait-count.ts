import { readFileSync } from "node:fs";
import { procTcpSockets } from "./proc-net-tcp.js";

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
  return procTcpSockets()?.filter((s) => s.state === TIME_WAIT && (ports.has(s.localPort) || ports.has(s.remotePort))).length;
}

/** The kernel's cap on TIME_WAIT sockets (beyond it, closing sockets skip TIME_WAIT), if readable. */
export function maxTimeWaitBuckets(): number | undefined {
  try {
    return Number(readFileSync("/proc/sys/net/ipv4/tcp_max_tw_buckets", "utf8").trim());
  } catch {
    return undefined;
  }
}
