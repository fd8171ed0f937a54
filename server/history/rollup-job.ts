import { performance } from "node:perf_hooks";
import { bucketStart, RESOLUTION_MS, type RollupResolution, type RollupTail } from "../domain/history-types.js";
import { bucketKey, emptyBucket, foldRecord, mergeBucket, type BucketMap } from "../domain/rollup-fold.js";
import { REAL_TIMERS, type Timers } from "../engine/check-scheduler.js";
import { yieldToEventLoop } from "./yield-to-event-loop.js";
import type { HistoryStore } from "../store/history-store.js";

/** What one pass did (metrics, logs, tests). */
export interface RollupPass {
  /** Rows folded. */
  readonly rows: number;
  /** Buckets written. */
  readonly buckets: number;
  /** The watermark after the pass. */
  readonly watermark: number;
  /** False when the pass stopped at its bound with rows left: the next one starts at once. */
  readonly caughtUp: boolean;
  readonly durationMs: number;
}

export interface RollupJobOptions {
  readonly store: Pick<HistoryStore, "rollupWatermark" | "recordsAfter" | "readTails" | "readBuckets" | "writeRollups">;
  readonly timers?: Timers;
  /** Between passes; default 60,000 ms. */
  readonly everyMs?: number;
  /** Rows read per recordsAfter; default 5,000. */
  readonly chunk?: number;
  /**
   * Rows folded per pass at most (one transaction's worth); default
   * 1,000,000, more than a minute of 10,000 services at 1 s. A pass's cost is
   * mostly per bucket it writes, and every pass rewrites each service's hour
   * and day: with a bound below a minute's rows, a minute took several passes
   * and each service's hour and day were rewritten by each (measured with
   * bench/profile-rollup-pass.ts: 21.6 µs of CPU per row at 100,000, 11.2 at
   * 1,000,000; its one write of ~30,000 buckets holds SQLite's thread ~0.7 s).
   */
  readonly maxRowsPerPass?: number;
  readonly resolutions?: readonly RollupResolution[];
  /** A pass failed (nothing of it was kept; the next one starts from the same watermark). */
  readonly onError?: (error: unknown, context: string) => void;
  /** Every pass that folded something. */
  readonly onPass?: (pass: RollupPass) => void;
}

export interface RollupJob {
  /** Runs passes every `everyMs` from now on. */
  start(): void;
  /** One pass now (the running one if a pass is under way); rejects with the store's error. */
  runOnce(): Promise<RollupPass>;
  /** No more passes; resolves once a running one has ended. */
  stop(): Promise<void>;
}

const ALL_RESOLUTIONS: readonly RollupResolution[] = ["minute", "hour", "day"];
/** Bucket keys per readBuckets call (SQL parameter limits). */
const READ_KEYS_PER_CALL = 500;

/**
 * Folds the history into its minute/hour/day rollups, about once a minute,
 * off the check path. A pass reads the rows after the watermark in id order
 * (ids order writes, so a row appended while a pass runs has a higher id
 * and is taken by the next), folds them onto the services' tails, merges
 * the touched buckets with what is stored, and writes buckets, tails and
 * the new watermark in one writeRollups call: one transaction, so a crash
 * leaves the pass wholly done or not at all, and nothing is counted twice.
 * Nothing is cached between passes: each reads its tails from the store,
 * which is what makes a failed pass harmless.
 */
export function createRollupJob(options: RollupJobOptions): RollupJob {
  const { store } = options;
  const timers = options.timers ?? REAL_TIMERS;
  const everyMs = options.everyMs ?? 60_000;
  const chunk = Math.max(1, options.chunk ?? 5000);
  const maxRowsPerPass = Math.max(chunk, options.maxRowsPerPass ?? 1_000_000);
  const resolutions = options.resolutions ?? ALL_RESOLUTIONS;
  // Rows are folded into the finest buckets only and the coarser ones summed
  // from them (exact: mergeBucket adds): a third of the per-row work.
  const [finest, ...coarser] = [...resolutions].sort((a, b) => RESOLUTION_MS[a] - RESOLUTION_MS[b]);
  const foldInto: readonly RollupResolution[] = finest === undefined ? [] : [finest];

  let running: Promise<RollupPass> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;

  async function pass(): Promise<RollupPass> {
    const started = performance.now();
    let watermark = await store.rollupWatermark();
    const tails = new Map<string, RollupTail | undefined>();
    const changedTails = new Set<string>();
    const delta: BucketMap = new Map();
    let rows = 0;
    let caughtUp = false;
    while (rows < maxRowsPerPass) {
      const limit = Math.min(chunk, maxRowsPerPass - rows);
      const batch = await store.recordsAfter(watermark, limit);
      const unseen = [...new Set(batch.map((r) => r.serviceId))].filter((id) => !tails.has(id));
      if (unseen.length > 0) {
        for (const id of unseen) tails.set(id, undefined);
        for (const tail of await store.readTails(unseen)) tails.set(tail.serviceId, tail);
      }
      for (const record of batch) {
        const before = tails.get(record.serviceId);
        const after = foldRecord(delta, foldInto, before, record);
        if (after !== before) {
          tails.set(record.serviceId, after);
          changedTails.add(record.serviceId);
        }
        watermark = Math.max(watermark, record.id);
      }
      rows += batch.length;
      if (batch.length < limit) {
        caughtUp = true;
        break;
      }
      await yieldToEventLoop();
    }
    if (rows === 0) return { rows, buckets: 0, watermark, caughtUp, durationMs: performance.now() - started };
    for (const fine of [...delta.values()]) {
      for (const resolution of coarser) {
        const startMs = bucketStart(resolution, fine.startMs);
        const key = bucketKey(fine.serviceId, resolution, startMs);
        let coarse = delta.get(key);
        if (coarse === undefined) delta.set(key, (coarse = emptyBucket(fine.serviceId, resolution, startMs)));
        mergeBucket(coarse, fine);
      }
    }

    // Read-merge-write: the stored bucket plus what this pass adds to it.
    const keys = [...delta.values()].map(({ serviceId, resolution, startMs }) => ({ serviceId, resolution, startMs }));
    for (let i = 0; i < keys.length; i += READ_KEYS_PER_CALL) {
      await yieldToEventLoop();
      for (const stored of await store.readBuckets(keys.slice(i, i + READ_KEYS_PER_CALL))) {
        const key = bucketKey(stored.serviceId, stored.resolution, stored.startMs);
        const added = delta.get(key);
        if (added === undefined) continue;
        mergeBucket(stored, added);
        delta.set(key, stored);
      }
    }
    await store.writeRollups({
      buckets: [...delta.values()],
      tails: [...changedTails].map((id) => tails.get(id)!),
      watermark,
    });
    const done = { rows, buckets: delta.size, watermark, caughtUp, durationMs: performance.now() - started };
    options.onPass?.(done);
    return done;
  }

  function runOnce(): Promise<RollupPass> {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    timer = timers.setTimeout(() => {
      timer = undefined;
      runOnce().then(
        // A backlog (the bound was hit) is taken in consecutive passes.
        (done) => schedule(done.caughtUp ? everyMs : 0),
        (error: unknown) => {
          options.onError?.(error, "rollup pass failed; the next one retries from the same watermark");
          schedule(everyMs);
        },
      );
    }, delayMs);
    timer.unref?.();
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      schedule(everyMs);
    },
    runOnce,
    async stop() {
      stopped = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}
