import type { Clock } from "../domain/clock.js";
import type { Millis } from "../domain/types.js";
import { createDueQueue } from "./due-queue.js";

/** The timer functions the scheduler needs; injectable for tests. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): NodeJS.Timeout;
  clearTimeout(handle: NodeJS.Timeout): void;
}

/** The process's own timers: the default wherever Timers are injectable. */
export const REAL_TIMERS: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle),
};

export interface CheckScheduler<K> {
  /** Plans `key` for `atMs` (replacing any earlier plan for it). */
  schedule(key: K, atMs: Millis): void;
  cancel(key: K): void;
  dueAt(key: K): Millis | undefined;
  readonly size: number;
  stop(): void;
}

export interface CheckSchedulerOptions<K> {
  readonly clock: Clock;
  /** Called once per key whose time has come; `now` is read once per wake. */
  readonly onDue: (key: K, now: Millis) => void;
  readonly onError?: (error: unknown, key: K) => void;
  readonly timers?: Timers;
  /** Keys handled per wake before yielding to I/O (so results keep flowing). */
  readonly batchLimit?: number;
}

/** setTimeout's longest delay; longer ones fire at once. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * One timer for everything (checking rule 2): a priority queue of due times
 * and a single timeout armed for the earliest. On waking it reads the clock
 * again (timers fire early and late) and hands every due key to `onDue`.
 * A throwing `onDue` is reported and does not stop the loop.
 */
export function createCheckScheduler<K>(options: CheckSchedulerOptions<K>): CheckScheduler<K> {
  const { clock, onDue } = options;
  const timers = options.timers ?? REAL_TIMERS;
  const batchLimit = options.batchLimit ?? 2000;
  const queue = createDueQueue<K>();
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  let stopped = false;

  function arm(): void {
    if (stopped) return;
    const next = queue.peek();
    if (next === undefined) return;
    // An armed timer that fires no later than the earliest entry is fine; a
    // too-early wake just re-arms.
    if (timer !== undefined && timerAt <= next.dueMs) return;
    if (timer !== undefined) timers.clearTimeout(timer);
    const delay = Math.min(Math.max(0, next.dueMs - clock.now()), MAX_DELAY_MS);
    timerAt = next.dueMs;
    timer = timers.setTimeout(wake, delay);
    timer.unref?.();
  }

  function wake(): void {
    timer = undefined;
    timerAt = Infinity;
    const now = clock.now();
    for (let handled = 0; handled < batchLimit; handled++) {
      const next = queue.peek();
      if (next === undefined || next.dueMs > now) break;
      queue.pop();
      try {
        onDue(next.key, now);
      } catch (error) {
        options.onError?.(error, next.key);
      }
    }
    arm();
  }

  return {
    schedule(key, atMs) {
      queue.set(key, atMs);
      arm();
    },
    cancel(key) {
      queue.delete(key);
    },
    dueAt: (key) => queue.dueAt(key),
    get size() {
      return queue.size;
    },
    stop() {
      stopped = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      queue.clear();
    },
  };
}
