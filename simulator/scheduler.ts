/** Cancels a callback registered with a {@link Scheduler}; harmless after it ran. */
export type CancelTimer = () => void;

/**
 * Runs `callback` after `delayMs`. Injected into the runner so tests can
 * drive time by hand instead of sleeping.
 */
export type Scheduler = (callback: () => void, delayMs: number) => CancelTimer;

/** Node's own timers; deliberately not unref'd, since the CLI lives on them. */
export const realScheduler: Scheduler = (callback, delayMs) => {
  const handle = setTimeout(callback, delayMs);
  return () => clearTimeout(handle);
};

/** Where "now" comes from (epoch ms); injectable for deterministic timestamps. */
export type Clock = () => number;
