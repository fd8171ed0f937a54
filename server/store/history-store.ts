import type {
  HistoryCursor,
  HistoryRecord,
  RollupBucket,
  RollupResolution,
  RollupTail,
  StatusChangeRecord,
  Stored,
} from "../domain/history-types.js";
import type { Millis } from "../domain/types.js";

/** Which rows ListCheckResults wants. */
export interface HistoryRecordQuery {
  readonly serviceId: string;
  /** Rows with at ≥ startMs. */
  readonly startMs: Millis;
  /** Rows with at < endMs. */
  readonly endMs: Millis;
  /** Only these; undefined for all. "pause" selects pause markers. */
  readonly statuses?: ReadonlySet<"up" | "down" | "pause">;
  /** Rows strictly older than this in (at, id) order: the previous page's last row. */
  readonly before?: HistoryCursor;
  readonly limit: number;
}

export interface StatusChangeQuery {
  readonly serviceId: string;
  readonly startMs: Millis;
  readonly endMs: Millis;
  readonly before?: HistoryCursor;
  readonly limit: number;
}

/** A time range of one resolution's buckets: those with startMs in [startMs, endMs). */
export interface RollupRange {
  readonly resolution: RollupResolution;
  readonly startMs: Millis;
  readonly endMs: Millis;
}

/** What GetServiceStats reads, all from one consistent snapshot of the store. */
export interface StatsSnapshotQuery {
  readonly serviceId: string;
  readonly ranges: readonly RollupRange[];
  /** Status changes with at in [startMs, endMs) are returned (ascending). */
  readonly changesStartMs: Millis;
  readonly endMs: Millis;
}

export interface StatsSnapshot {
  /** Every bucket of the service in the ranges, ascending by (resolution, startMs). */
  readonly buckets: readonly RollupBucket[];
  /** Rows with id ≤ watermark are in the rollups; the rest are not yet. */
  readonly watermark: number;
  /** The service's rollup tail as of the watermark; undefined before its first rolled-up row. */
  readonly tail: RollupTail | undefined;
  /** The service's rows with id > watermark, ascending by id (the part not rolled up yet). */
  readonly unrolled: readonly Stored<HistoryRecord>[];
  /** Status changes in [changesStartMs, endMs), ascending. */
  readonly changes: readonly Stored<StatusChangeRecord>[];
  /** The newest change to "down" before endMs, and the change right after it (its end), if any. */
  readonly lastFailure: { readonly start: StatusChangeRecord; readonly end: StatusChangeRecord | undefined } | undefined;
}

/**
 * How far before a service's rollup tail its rows not rolled up yet can
 * start. A service's rows are written in start order (its checks never
 * overlap; one dropped by a pause or update is not recorded), so none starts
 * before the tail; this margin (a check runs at most 60 s) only guards that
 * assumption. It lets a stats read find those rows through the service's
 * (service, at) index instead of scanning every service's rows after the
 * watermark — up to a minute of the whole fleet's checks.
 */
export const UNROLLED_LOOKBACK_MS = 5 * 60_000;

/** Where retention cuts: rows older than each time go (in bounded batches). */
export interface RetentionCut {
  readonly recordsBefore: Millis;
  readonly statusChangesBefore: Millis;
  readonly minuteBefore: Millis;
  readonly hourBefore: Millis;
  readonly dayBefore: Millis;
}

/**
 * The check history, status changes and rollups (issue 11), kept by the same
 * database as the registry (SQLite or PostgreSQL) in tables of their own.
 * Written only by the server's history writer and rollup job, one call at a
 * time each; never on the check path. Errors are StoreErrors.
 *
 * History durability is weaker than the event log's: a batch is committed
 * without waiting for fsync (SQLite: a connection of its own with
 * synchronous=NORMAL), so a power loss may lose the last second of history,
 * never the registry or an event.
 */
export interface HistoryStore {
  /** Appends rows (ids assigned ascending, in order) and status changes in one transaction. */
  append(records: readonly HistoryRecord[], changes: readonly StatusChangeRecord[]): Promise<void>;
  /** Newest first: ordered by at descending, then id descending. */
  listRecords(query: HistoryRecordQuery): Promise<Stored<HistoryRecord>[]>;
  /** Newest first, like listRecords. */
  listStatusChanges(query: StatusChangeQuery): Promise<Stored<StatusChangeRecord>[]>;
  /** The oldest status change of the service after `cursor` in (at, id) order: the one that ended it. */
  nextStatusChange(serviceId: string, cursor: HistoryCursor): Promise<Stored<StatusChangeRecord> | undefined>;

  /** The rollup job's position: every row with id ≤ watermark is in the rollups; 0 at first. */
  rollupWatermark(): Promise<number>;
  /** Rows of every service with id > afterId, ascending by id, at most limit: the rollup job's input. */
  recordsAfter(afterId: number, limit: number): Promise<Stored<HistoryRecord>[]>;
  /** The tails of these services (those without one are left out). */
  readTails(serviceIds: readonly string[]): Promise<RollupTail[]>;
  /** The existing buckets among these keys, for a read-merge-write. */
  readBuckets(keys: readonly { readonly serviceId: string; readonly resolution: RollupResolution; readonly startMs: Millis }[]): Promise<RollupBucket[]>;
  /**
   * One rollup pass in one transaction: replaces the given buckets and tails
   * and sets the watermark (never lowers it).
   */
  writeRollups(pass: { readonly buckets: readonly RollupBucket[]; readonly tails: readonly RollupTail[]; readonly watermark: number }): Promise<void>;

  /** Everything GetServiceStats needs about one service, consistently (one read transaction). */
  readStatsSnapshot(query: StatsSnapshotQuery): Promise<StatsSnapshot>;

  /**
   * Deletes rows older than the cut, at most `limit` per table, so a large
   * backlog goes in many short transactions. Resolves with how many went.
   */
  prune(cut: RetentionCut, limit: number): Promise<number>;
  /** Deletes an unregistered service's rows, buckets, changes and tail, at most `limit` rows per table; resolves with how many went. */
  forgetService(serviceId: string, limit: number): Promise<number>;
  /** Service ids that have history rows, buckets or a tail (retention finds unregistered services' leftovers with it). */
  serviceIdsWithHistory(): Promise<string[]>;
}
