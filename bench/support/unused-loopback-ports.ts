import { procTcpSockets } from "./proc-net-tcp.js";

/** TCP state 0A in /proc/net/tcp{,6}: LISTEN. */
const LISTEN = "0A";

/** Local ports something listens on now (empty where /proc/net is not readable). */
function listeningPorts(): Set<number> {
  return new Set((procTcpSockets() ?? []).filter((s) => s.state === LISTEN).map((s) => s.localPort));
}

/**
 * Hands out 127.0.0.1 ports nobody listens on, one at a time, for services
 * registered only to be written (each must have an address of its own, and
 * its one check at registration should be a cheap refusal, not a connect to
 * some other program). Taken from outside Linux's default ephemeral range
 * (32768–60999) first, so an outgoing socket is unlikely to be bound there
 * later; `exclude` are ports the bench itself uses (its listeners).
 */
export function createUnusedPortSource(exclude: Iterable<number>): () => number {
  const skip = listeningPorts();
  for (const port of exclude) skip.add(port);
  const ranges: ReadonlyArray<readonly [number, number]> = [
    [10_000, 32_767],
    [61_000, 65_535],
    [32_768, 60_999],
  ];
  let range = 0;
  let next = ranges[0]![0];
  return () => {
    for (;;) {
      if (range === ranges.length) throw new Error("no unused loopback port left");
      const port = next++;
      if (next > ranges[range]![1]) {
        range++;
        if (range < ranges.length) next = ranges[range]![0];
      }
      if (!skip.has(port)) return port;
    }
  };
}
