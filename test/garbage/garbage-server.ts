import type { ClientHttp2Session } from "node:http2";
import { expect } from "vitest";
import { MiB, readProcessStats, type ProcessStats } from "../support/process-stats.js";
import { envelope, GRPC_HEADERS, grpcStatus, rawRequest } from "../support/raw-http2.js";
import { openRawSession } from "../support/raw-watch.js";
import { spawnServer, type SpawnedServer } from "../support/spawn-server.js";
import { waitUntil } from "../support/wait-until.js";

/**
 * The garbage suite's server under attack: a real process on loopback with a
 * fresh data dir, and what each group checks after its bursts — the process
 * still answers Health, never exited, and gave back its file descriptors;
 * a second identical burst does not grow its RSS by more than a margin (RSS
 * rarely falls after a burst, so growth between two equal bursts is what
 * would show a leak).
 */

const HEALTH_CHECK = "/grpc.health.v1.Health/Check";
const SERVING = Buffer.from([0x08, 0x01]); // HealthCheckResponse{status: SERVING}

export interface GarbageServer {
  readonly server: SpawnedServer;
  readonly pid: number;
  readonly stats: () => ProcessStats;
  /** An h2c session closed by `close()`. */
  session(initialWindowSize?: number): Promise<ClientHttp2Session>;
  /** Health/Check on a fresh session: true when it says SERVING. */
  serving(): Promise<boolean>;
  /** Asserts the process is alive, serving, and its FDs back within `slack` of `baseline`. */
  expectRecovered(baseline: ProcessStats, slack?: number): Promise<ProcessStats>;
  /** Destroys the sessions opened so far. */
  dropSessions(): void;
  close(): Promise<void>;
}

export async function startGarbageServer(args: string[] = []): Promise<GarbageServer> {
  // Garbage must reach the decoders and handlers: thousands of calls to
  // mutating paths would otherwise meet the mutation rate limit first.
  const server = await spawnServer({ args: ["--max-mutation-rate", "0", ...args] });
  const pid = server.process.pid!;
  let exited: number | NodeJS.Signals | undefined;
  server.process.once("exit", (code, signal) => (exited = code ?? signal ?? -1));
  const sessions: ClientHttp2Session[] = [];
  const session = async (initialWindowSize?: number) => {
    const opened = await openRawSession(server.port, initialWindowSize);
    sessions.push(opened);
    return opened;
  };
  const dropSessions = () => {
    for (const s of sessions.splice(0)) s.destroy();
  };
  const serving = async () => {
    const s = await openRawSession(server.port);
    try {
      const response = await rawRequest(s, HEALTH_CHECK, GRPC_HEADERS, envelope(new Uint8Array(0)));
      return grpcStatus(response) === 0 && response.body.subarray(5).equals(SERVING);
    } finally {
      s.destroy();
    }
  };
  const stats = () => readProcessStats(pid);
  return {
    server,
    pid,
    stats,
    session,
    serving,
    dropSessions,
    async expectRecovered(baseline, slack = 8) {
      dropSessions();
      expect(exited, `the server exited:\n${server.output().slice(-4000)}`).toBeUndefined();
      expect(await serving()).toBe(true);
      let last = stats();
      await waitUntil(
        () => {
          last = stats();
          return last.fds <= baseline.fds + slack;
        },
        20_000,
        `the server's FDs back near ${baseline.fds}`,
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}; last: ${last.fds} fds`);
      });
      return last;
    },
    async close() {
      dropSessions();
      await server.stop("SIGKILL");
    },
  };
}

/** One group's figures, printed for docs/reliability.md. */
export interface GroupFigures {
  readonly group: string;
  readonly requests: number;
  readonly outcomes: Record<string, number>;
  readonly baseline: ProcessStats;
  readonly afterFirst: ProcessStats;
  readonly afterSecond: ProcessStats;
  readonly seconds: number;
}

export function report(figures: GroupFigures): void {
  const mib = (s: ProcessStats) => `${(s.rssBytes / MiB).toFixed(1)} MiB/${s.fds} fds`;
  console.log(
    `[garbage] ${figures.group}: ${figures.requests} requests in ${figures.seconds.toFixed(1)} s; ` +
      `outcomes ${JSON.stringify(sorted(figures.outcomes))}; ` +
      `baseline ${mib(figures.baseline)}, after burst 1 ${mib(figures.afterFirst)}, after burst 2 ${mib(figures.afterSecond)}`,
  );
}

function sorted(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** Adds `other`'s counts into `into`. */
export function addCounts(into: Record<string, number>, other: Record<string, number>): void {
  for (const [key, n] of Object.entries(other)) into[key] = (into[key] ?? 0) + n;
}

/**
 * Runs `burst` twice (identical: same seed) and checks recovery after each;
 * the second must not grow RSS past the first by more than `rssMarginMiB`.
 */
export async function burstTwice(
  target: GarbageServer,
  group: string,
  burst: (round: number) => Promise<{ requests: number; outcomes: Record<string, number> }>,
  rssMarginMiB: number,
): Promise<GroupFigures> {
  expect(await target.serving()).toBe(true);
  const baseline = target.stats();
  const started = performance.now();
  const first = await burst(0);
  const afterFirst = await target.expectRecovered(baseline);
  const second = await burst(1);
  const afterSecond = await target.expectRecovered(baseline);
  const outcomes: Record<string, number> = {};
  addCounts(outcomes, first.outcomes);
  addCounts(outcomes, second.outcomes);
  const figures = {
    group,
    requests: first.requests + second.requests,
    outcomes,
    baseline,
    afterFirst,
    afterSecond,
    seconds: (performance.now() - started) / 1000,
  };
  report(figures);
  // A client that sends garbage or leaves mid-call is not a server bug: nothing logged as one.
  expect(target.server.output().split("\n").filter((line) => line.includes("internal error in handler")).slice(0, 3), `internal errors logged (${group})`).toEqual([]);
  expect(afterSecond.rssBytes, `RSS after the second burst against the first (${group})`).toBeLessThan(
    afterFirst.rssBytes + rssMarginMiB * MiB,
  );
  return figures;
}
