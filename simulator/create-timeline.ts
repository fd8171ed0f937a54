import type { ScenarioEnd } from "./scenario-event.js";
import type { CancelTimer, Clock, Scheduler } from "./scheduler.js";

// setTimeout fires at once for delays above 2^31-1 ms; longer waits re-arm.
const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** What the timeline drives; the runner supplies the socket side. */
export interface TimelineOptions<T extends { readonly atMs: number }> {
  /** Sorted by `atMs`, possibly infinite; consumed lazily. */
  readonly changes: Iterable<T>;
  readonly startedAtMs: number;
  /** Without it the timeline ends only on `stop()`. */
  readonly durationMs?: number;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  /** Must not reject; failures are reported as events by the caller. */
  readonly apply: (change: T) => Promise<void>;
  /** Runs once, after every applied change has settled. */
  readonly finish: (reason: ScenarioEnd["reason"]) => Promise<ScenarioEnd>;
}

/** The timer loop of a running scenario. */
export interface Timeline {
  stop(): Promise<ScenarioEnd>;
  readonly done: Promise<ScenarioEnd>;
}

/**
 * Keeps one timer armed for the next due change. Delays are computed from
 * the start time and the clock on every tick, rather than chained, so lag in
 * one phase does not push every later phase back.
 */
export function createTimeline<T extends { readonly atMs: number }>(options: TimelineOptions<T>): Timeline {
  const { clock, startedAtMs, durationMs } = options;
  const iterator = options.changes[Symbol.iterator]();
  let next = iterator.next();
  let cancel: CancelTimer | undefined;
  let ending: Promise<ScenarioEnd> | undefined;
  const inFlight = new Set<Promise<void>>();
  let settleDone: (end: Promise<ScenarioEnd>) => void = () => {};
  const done = new Promise<ScenarioEnd>((resolve) => {
    settleDone = resolve;
  });

  const end = (reason: ScenarioEnd["reason"]): Promise<ScenarioEnd> => {
    if (ending === undefined) {
      cancel?.();
      cancel = undefined;
      ending = Promise.allSettled([...inFlight]).then(() => options.finish(reason));
      settleDone(ending);
    }
    return ending;
  };

  const arm = (): void => {
    const dueMs = next.done ? durationMs : next.value.atMs;
    if (dueMs === undefined) return;
    const delay = Math.min(Math.max(0, startedAtMs + dueMs - clock()), MAX_TIMER_DELAY_MS);
    cancel = options.scheduler(tick, delay);
  };

  function tick(): void {
    cancel = undefined;
    if (ending !== undefined) return;
    const elapsed = clock() - startedAtMs;
    while (!next.done && next.value.atMs <= elapsed) {
      const applying = options.apply(next.value);
      inFlight.add(applying);
      const forget = (): void => void inFlight.delete(applying);
      applying.then(forget, forget);
      next = iterator.next();
    }
    if (next.done && durationMs !== undefined && elapsed >= durationMs) {
      void end("duration");
      return;
    }
    arm();
  }

  arm();
  return { stop: () => end("stopped"), done };
}
