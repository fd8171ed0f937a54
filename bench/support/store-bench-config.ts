import type { BenchMode } from "./bench-config.js";

/** Scenario 8's sizes (kept apart from bench-config.ts so the scenario owns them). */
export interface StoreBenchConfig {
  /** Registered services (one subscription each) for the sequential Subscribe windows: the small size, then the large. */
  readonly services: readonly [small: number, large: number];
  /** Callers the subscriptions are spread over, round-robin. */
  readonly callers: number;
  /** Calls in flight while setting up, and in the mixed-mutation windows (one lane per in-flight call). */
  readonly concurrency: number;
  /** Restarts with the large registry. */
  readonly restarts: number;
}

const FULL: StoreBenchConfig = { services: [100, 10_000], callers: 100, concurrency: 64, restarts: 3 };
// The sizes in the quick run too: with the new store the setup of 10,000 takes seconds.
const QUICK: StoreBenchConfig = { services: [100, 10_000], callers: 100, concurrency: 64, restarts: 1 };
/** Tiny: proves the scenario runs end to end, figures mean nothing. */
const SMOKE: StoreBenchConfig = { services: [10, 50], callers: 5, concurrency: 8, restarts: 1 };

export const STORE_CONFIGS: Readonly<Record<BenchMode, StoreBenchConfig>> = { full: FULL, quick: QUICK, smoke: SMOKE };
