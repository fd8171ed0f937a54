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
}

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
};

/** Tiny sizes: proves every scenario runs end to end, figures mean nothing. */
const SMOKE: BenchConfig = {
  mode: "smoke",
  repetitions: 1,
  windowSeconds: 1,
  settleMs: 300,
  concurrency: 16,
  throughput: { services: [20] },
  manySubscribers: { subscribers: 10 },
  latency: { services: 5, gracePeriodMs: 0, spreadMs: 300 },
  fanOut: { streams: [10], transitions: 2, streamsPerConnection: 5 },
  registry: { services: 50, callers: 5, restarts: 1 },
};

export const CONFIGS: Readonly<Record<BenchMode, BenchConfig>> = { full: FULL, quick: QUICK, smoke: SMOKE };
