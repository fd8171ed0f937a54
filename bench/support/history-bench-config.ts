import type { BenchMode } from "./bench-config.js";

/** Scenario 10's sizes (kept apart from bench-config.ts so the scenario owns them). */
export interface HistoryBenchConfig {
  /** Services checked every second: the write-cost fleet (10,000 checks/s at 10,000). */
  readonly services: number;
  /** Seconds of checks fed in real time through the writer, the rollup job running as in the server. */
  readonly feedSeconds: number;
  /** The rollup job's period (the server's is 60 s). */
  readonly rollupEveryMs: number;
  /** Days of 1 s history seeded for the stats service (86,400 rows a day). */
  readonly statsDays: number;
  /** GetServiceStats calls timed per window (after 3 not timed). */
  readonly statsCalls: number;
  /** Rows walked newest first by ListCheckResults, at each page size. */
  readonly walkRows: number;
  readonly pageSizes: readonly number[];
}

const FULL: HistoryBenchConfig = {
  services: 10_000,
  feedSeconds: 120,
  rollupEveryMs: 60_000,
  statsDays: 30,
  statsCalls: 30,
  walkRows: 100_000,
  pageSizes: [100, 1000],
};

/** The sizes but half the feed and 7 days of stats history. */
const QUICK: HistoryBenchConfig = { ...FULL, feedSeconds: 60, statsDays: 7, statsCalls: 20 };

/** Tiny: proves the scenario runs end to end, figures mean nothing. */
const SMOKE: HistoryBenchConfig = {
  services: 200,
  feedSeconds: 3,
  rollupEveryMs: 1000,
  statsDays: 1,
  statsCalls: 3,
  walkRows: 3000,
  pageSizes: [100, 1000],
};

export const HISTORY_CONFIGS: Readonly<Record<BenchMode, HistoryBenchConfig>> = { full: FULL, quick: QUICK, smoke: SMOKE };
