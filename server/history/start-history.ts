import type { Logger } from "pino";
import type { CurrentObservation } from "../domain/compose-stats.js";
import type { Millis } from "../domain/types.js";
import type { HistoryStore } from "../store/history-store.js";
import { createStoreFailureLog } from "../store/store-failure-log.js";
import { createHistoryQueries } from "./create-history-queries.js";
import type { HistoryQueries } from "./history-queries.js";
import { createHistoryWriter, type HistoryWriter, type HistoryWriterObserver } from "./history-writer.js";
import { createRetentionJob, type HistoryRetention } from "./retention-job.js";
import { createRollupJob, type RollupPass } from "./rollup-job.js";

/** What the metrics count of the history (create-metrics.ts implements it). */
export interface HistoryMetrics {
  readonly writer: HistoryWriterObserver;
  rollupPassed(pass: RollupPass): void;
  retentionDeleted(rows: number): void;
  /** The gauge of rows buffered reads this at scrape time. */
  readBufferedFrom(buffered: () => number): void;
}

export interface HistoryRuntimeOptions {
  readonly store: HistoryStore;
  readonly retention: HistoryRetention;
  /** Between rollup passes; default 1 minute. */
  readonly rollupEveryMs?: number;
  readonly isRegistered: (serviceId: string) => boolean;
  /** The engine's view of a service now, for stats' current streak. */
  readonly current: (serviceId: string) => CurrentObservation | undefined;
  readonly now: () => Millis;
  readonly logger: Logger;
  readonly metrics?: HistoryMetrics | undefined;
}

export interface HistoryRuntime {
  /** The engine's HistorySink. */
  readonly writer: HistoryWriter;
  /** What the history RPCs read. */
  readonly queries: HistoryQueries;
  /** Starts the rollup and retention jobs (after the engine has started). */
  start(): void;
  /** Stops the jobs and writes what is buffered; the store is closed by its owner after this. */
  close(): Promise<void>;
}

/**
 * The history's moving parts on one HistoryStore: the writer the engine
 * hands rows to, the rollup job folding them about once a minute, the
 * retention job deleting what is past the retention flags every five
 * minutes, and the queries the RPCs read through. Failures are logged and
 * retried by each part; none of them stops the server.
 */
export function createHistoryRuntime(options: HistoryRuntimeOptions): HistoryRuntime {
  const { store, logger, metrics, now } = options;
  const onError = createStoreFailureLog(logger, now)("history");
  const writer = createHistoryWriter({
    store,
    now,
    onError,
    onDropped: (since, total) =>
      logger.warn({ dropped: since, droppedTotal: total }, `history: buffer full (the store is not keeping up): ${since} row(s) dropped, ${total} since start`),
    ...(metrics === undefined ? {} : { observer: metrics.writer }),
  });
  metrics?.readBufferedFrom(() => writer.buffered());
  const rollups = createRollupJob({
    store,
    ...(options.rollupEveryMs === undefined ? {} : { everyMs: options.rollupEveryMs }),
    onError,
    onPass: (pass) => {
      metrics?.rollupPassed(pass);
      logger.debug({ rows: pass.rows, buckets: pass.buckets, watermark: pass.watermark, durationMs: Math.round(pass.durationMs) }, `history: rolled up ${pass.rows} row(s)`);
    },
  });
  const retention = createRetentionJob({
    store,
    retention: options.retention,
    isRegistered: options.isRegistered,
    now,
    onError,
    ...(metrics === undefined ? {} : { onDeleted: (rows: number) => metrics.retentionDeleted(rows) }),
  });
  const queries = createHistoryQueries({
    store,
    current: options.current,
    now,
    retention: { minuteMs: options.retention.minuteMs, hourMs: options.retention.hourMs, dayMs: options.retention.dayMs },
  });

  return {
    writer,
    queries,
    start() {
      rollups.start();
      retention.start();
    },
    async close() {
      // The writer's last batch does not wait for a long rollup pass to end.
      await Promise.all([rollups.stop(), retention.stop(), writer.close()]);
    },
  };
}
