import { readFileSync } from "node:fs";

/** One socket as /proc/net/tcp{,6} lists it. */
export interface ProcTcpSocket {
  readonly localPort: number;
  readonly remotePort: number;
  /** The kernel's state, two hex digits: "0A" LISTEN, "06" TIME_WAIT, … */
  readonly state: string;
}

const portOf = (address: string): number => Number.parseInt(address.slice(address.lastIndexOf(":") + 1), 16);

/**
 * Every TCP socket of this host (IPv4 and IPv6) from /proc/net/tcp and tcp6,
 * what `ss -tan` shows without spawning it; undefined where neither file is
 * readable (not Linux).
 */
export function procTcpSockets(): ProcTcpSocket[] | undefined {
  let found = false;
  const sockets: ProcTcpSocket[] = [];
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
      if (fields.length < 4) continue;
      sockets.push({ localPort: portOf(fields[1]!), remotePort: portOf(fields[2]!), state: fields[3]! });
    }
  }
  return found ? sockets : undefined;
}
