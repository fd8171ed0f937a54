/** How big and how long each scenario runs. */
export type BenchMode = "full" | "quick" | "smoke";

export interface BenchConfig {
  readonly mode: BenchMode;
  /** Measurement windows per figure; each window gives one-second samples. */
  readonly repetitions: number;
  /** Length of one measurement window, seconds. */
  readonly windowSeconds: number;
  /** Pause for things to settle (warm-up before a window, between transitions), ms. */
  readonly settleMs: number;
  /** Registry calls in flight while setting a scenario up (and in the registry scenario). */
  readonly concurrency: number;
  readonly throughput: { readonly services: readonly number[] };
  readonly manySubscribers: { readonly subscribers: number };
  /** `spreadMs`: services go down (and up) at random moments within this span. */
  readonly latency: { readonly services: number; readonly gracePeriodMs: number; readonly spreadMs: number };
  readonly fanOut: { readonly streams: readonly number[]; readonly transitions: number; readonly streamsPerConnection: number };
  readonly registry: { readonly services: number; readonly callers: number; readonly restarts: number };
  readonly watchAttacks: WatchAttacksConfig;
  readonly httpChecks: HttpChecksConfig;
}

/** Scenario 9: what an HTTP(S) check costs next to a TCP one, and 2,000 HTTP services on one core. */
export interface HttpChecksConfig {
  /** Checks in flight in each client loop (the probe-level half). */
  readonly concurrency: number;
  /** HTTP (and TCP) listeners that a loop's checks go round; HTTPS has one (http-check-cost.ts says why). */
  readonly listeners: number;
  /** End to end: services at 1 s (HTTP, then TCP), with the server pinned to one core. */
  readonly services: number;
  /** Listeners the HTTP services share, each service a path of its own. */
  readonly serviceListeners: number;
}

/** Scenario 7: ListServices latency while Watch streams of one caller flood in, then while slow streams are cut. */
export interface WatchAttacksConfig {
  /** Services registered, so each ListServices answer lists this many. */
  readonly services: number;
  /** The measuring client calls ListServices this often, ms. */
  readonly probePeriodMs: number;
  /**
   * Streams of one caller opened in one burst, round-robin over connections:
   * one burst per entry of `floodConnections` (and per repetition).
   */
  readonly floodStreams: number;
  readonly floodConnections: readonly number[];
  /** Paused streams: `slowCallers` × `slowStreamsPerCaller`, `slowStreamsPerConnection` to a connection. */
  readonly slowCallers: number;
  readonly slowStreamsPerCaller: number;
  readonly slowStreamsPerConnection: number;
  /**
   * Services every slow caller subscribes to (grace 0), taken down and up
   * each second during phase B: each flip is one event per caller, so this
   * many events per second fill the slow streams' buffers. Fewer than
   * `bufferEvents`: a flip reaches a stream as one burst of this many events,
   * and a burst larger than the buffer cuts even a client that reads.
   */
  readonly flappingServices: number;
  /** The server's --watch-buffer-events: small, so a paused stream is cut after a few dozen events. */
  readonly bufferEvents: number;
}

/**
 * The sizes (5,000 streams of one caller; 1,000 slow streams) in the
 * full and quick runs alike: each phase takes seconds. The flood comes over 25
 * connections (200 streams each, above the server's 100, so the per-connection
 * limit refuses the tail of each connection's burst and the per-caller one the
 * rest), then over 50 (100 each: every stream reaches the per-caller limit).
 * The slow streams stay within the default limits (10 per caller, 100 per
 * connection).
 */
const WATCH_ATTACKS: WatchAttacksConfig = {
  services: 100,
  probePeriodMs: 20,
  floodStreams: 5000,
  floodConnections: [25, 50],
  slowCallers: 100,
  slowStreamsPerCaller: 10,
  slowStreamsPerConnection: 100,
  flappingServices: 20,
  bufferEvents: 50,
};

/**
 * 32 in flight: enough to keep one client thread busy on loopback (a check
 * takes about a millisecond there), few enough that the listeners are not
 * the limit. 2,000 services over 8 listeners: 250 paths each.
 */
const HTTP_CHECKS: HttpChecksConfig = { concurrency: 32, listeners: 4, services: 2000, serviceListeners: 8 };

const FULL: BenchConfig = {
  mode: "full",
  repetitions: 3,
  windowSeconds: 15,
  settleMs: 3000,
  concurrency: 64,
  throughput: { services: [1000, 5000, 10_000] },
  manySubscribers: { subscribers: 1000 },
  latency: { services: 200, gracePeriodMs: 2000, spreadMs: 5000 },
  fanOut: { streams: [1000, 10_000], transitions: 6, streamsPerConnection: 1000 },
  registry: { services: 10_000, callers: 100, restarts: 3 },
  watchAttacks: WATCH_ATTACKS,
  httpChecks: HTTP_CHECKS,
};

const QUICK: BenchConfig = {
  mode: "quick",
  repetitions: 1,
  windowSeconds: 8,
  settleMs: 2000,
  concurrency: 64,
  throughput: { services: [1000, 5000] },
  manySubscribers: { subscribers: 1000 },
  latency: { services: 100, gracePeriodMs: 2000, spreadMs: 4000 },
  fanOut: { streams: [1000], transitions: 4, streamsPerConnection: 1000 },
  registry: { services: 2000, callers: 20, restarts: 1 },
  watchAttacks: WATCH_ATTACKS,
  httpChecks: HTTP_CHECKS,
};

/** Tiny sizes: proves every scenario runs end to end, figures mean nothing. */
const SMOKE: BenchConfig = {
  mode: "smoke",
  repetitions: 1,
  // Two one-second samples, not one: on a loaded machine a child process's
  // first second can pass before it has counted anything, leaving a figure
  // with no sample at all.
  windowSeconds: 2,
  settleMs: 300,
  concurrency: 16,
  throughput: { services: [20] },
  manySubscribers: { subscribers: 10 },
  latency: { services: 5, gracePeriodMs: 0, spreadMs: 300 },
  fanOut: { streams: [10], transitions: 2, streamsPerConnection: 5 },
  registry: { services: 50, callers: 5, restarts: 1 },
  watchAttacks: {
    services: 10,
    probePeriodMs: 20,
    // Over 100 per connection, so both limits refuse some.
    floodStreams: 300,
    floodConnections: [2],
    slowCallers: 2,
    slowStreamsPerCaller: 5,
    slowStreamsPerConnection: 10,
    flappingServices: 4,
    bufferEvents: 8,
  },
  httpChecks: { concurrency: 4, listeners: 1, services: 20, serviceListeners: 2 },
};

export const CONFIGS: Readonly<Record<BenchMode, BenchConfig>> = { full: FULL, quick: QUICK, smoke: SMOKE };
