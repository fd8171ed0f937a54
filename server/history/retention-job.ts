import type { Millis } from "../domain/types.js";
import { REAL_TIMERS, type Timers } from "../engine/check-scheduler.js";
import { yieldToEventLoop } from "./yield-to-event-loop.js";
import type { HistoryStore, RetentionCut } from "../store/history-store.js";

/** How long each part of the history is kept (the server's retention flags), in ms. */
export interface HistoryRetention {
  readonly recordsMs: number;
  readonly minuteMs: number;
  readonly hourMs: number;
  readonly dayMs: number;
}

/** The defaults of --history-retention and the rollup retention flags. */
export const DEFAULT_HISTORY_RETENTION: HistoryRetention = {
  recordsMs: 7 * 86_400_000,
  minuteMs: 48 * 3_600_000,
  hourMs: 90 * 86_400_000,
  dayMs: 730 * 86_400_000,
};

/** What one run deleted. */
export interface RetentionRun {
  readonly pruned: number;
  /** Rows of unregistered services. */
  readonly forgotten: number;
  readonly services: number;
}

export interface RetentionJobOptions {
  readonly store: Pick<HistoryStore, "prune" | "forgetService" | "serviceIdsWithHistory">;
  readonly retention: HistoryRetention;
  /** Whether the registry still has the service (its history is kept while it does). */
  readonly isRegistered: (serviceId: string) => boolean;
  readonly now: () => Millis;
  readonly timers?: Timers;
  /** Between runs; default 5 minutes. */
  readonly everyMs?: number;
  /** Rows per table per delete; default 5,000. */
  readonly batch?: number;
  readonly onError?: (error: unknown, context: string) => void;
  /** Every batch deleted (a counter). */
  readonly onDeleted?: (rows: number) => void;
}

export interface RetentionJob {
  start(): void;
  /** One run now (the running one if under way). */
  runOnce(): Promise<RetentionRun>;
  /** No more runs; resolves once a running one has stopped (it stops between batches). */
  stop(): Promise<void>;
}

/**
 * Where retention cuts at `now`. Status changes are kept as long as day
 * rollups: they are few, and stats count a window's incidents from them.
 */
export function retentionCut(retention: HistoryRetention, now: Millis): RetentionCut {
  return {
    recordsBefore: now - retention.recordsMs,
    statusChangesBefore: now - retention.dayMs,
    minuteBefore: now - retention.minuteMs,
    hourBefore: now - retention.hourMs,
    dayBefore: now - retention.dayMs,
  };
}

/**
 * Deletes history past its retention, and the history of services no longer
 * registered, in the background every few minutes: bounded batches (each a
 * short transaction) with a turn of the event loop between them, so a large
 * backlog — the first run after a week away — never holds the database or
 * the process for long.
 */
export function createRetentionJob(options: RetentionJobOptions): RetentionJob {
  const { store } = options;
  const timers = options.timers ?? REAL_TIMERS;
  const everyMs = options.everyMs ?? 5 * 60_000;
  const batch = Math.max(1, options.batch ?? 5000);
  let running: Promise<RetentionRun> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let started = false;
  /** Set by stop(): a run under way ends after its current batch. */
  let halted = false;

  async function repeat(step: () => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await step();
      total += n;
      if (n > 0) options.onDeleted?.(n);
      if (n < batch || halted) return total;
      await yieldToEventLoop();
    }
  }

  async function run(): Promise<RetentionRun> {
    const cut = retentionCut(options.retention, options.now());
    const pruned = await repeat(() => store.prune(cut, batch));
    // Registry membership is read after the ids: a service registered in between is known by then.
    const gone = (await store.serviceIdsWithHistory()).filter((id) => !options.isRegistered(id));
    let forgotten = 0;
    for (const id of gone) {
      if (halted) break;
      forgotten += await repeat(() => store.forgetService(id, batch));
    }
    return { pruned, forgotten, services: gone.length };
  }

  function runOnce(): Promise<RetentionRun> {
    running ??= run().finally(() => {
      running = undefined;
    });
    return running;
  }

  function schedule(): void {
    if (halted) return;
    timer = timers.setTimeout(() => {
      timer = undefined;
      runOnce().then(schedule, (error: unknown) => {
        options.onError?.(error, "history retention failed; retried at the next run");
        schedule();
      });
    }, everyMs);
    timer.unref?.();
  }

  return {
    start() {
      if (started || halted) return;
      started = true;
      schedule();
    },
    runOnce,
    async stop() {
      halted = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}
