import { resolve } from "node:path";
import Database from "better-sqlite3";
import type { HistoryRecord, RollupBucket, RollupResolution, StatusChangeRecord, Stored } from "../domain/history-types.js";
import { UNROLLED_LOOKBACK_MS, type HistoryStore, type RetentionCut, type StatsSnapshot } from "./history-store.js";
import { sqliteStoreError } from "./sqlite-store-error.js";
import { migrateSqliteHistory } from "./sqlite-history-schema.js";
import {
  bucketValues,
  changeValues,
  checkValues,
  decodeBucketRow,
  decodeChangeRow,
  decodeCheckRow,
  decodeTailRow,
  RESOLUTION_CODE,
  stateMask,
  tailValues,
} from "./sqlite-history-rows.js";
import { prepareSqliteHistoryStatements } from "./sqlite-history-statements.js";
import { RowError } from "./store-rows.js";
import { StoreError } from "./store.js";

export interface SqliteHistoryStoreOptions {
  /** monitor.db, already opened (and its schema migrated) by the main store; ":memory:" for a test of its own. */
  readonly path: string;
}

/** A HistoryStore the server owns: it names its file and must be closed (before the main store). */
export interface SqliteHistoryStore extends HistoryStore {
  /** "sqlite <absolute path>", as the main store says it. */
  readonly description: string;
  /** The history connection's settings as SQLite reports them now (start-up logs and tests). */
  connectionSettings(): { readonly journalMode: string; readonly synchronous: "off" | "normal" | "full" | "extra" };
  close(): Promise<void>;
}

/**
 * The history in monitor.db, on a connection of its own: synchronous=NORMAL
 * there, so a history commit only writes to the WAL and never waits for an
 * fsync (WAL is already on for the file; the main store's connection keeps
 * FULL for the registry and events). A power loss may lose the last history
 * batches; a crash of the process loses nothing committed.
 *
 * better-sqlite3 is synchronous: each method has finished when its promise
 * is created, and each runs in one transaction, so a read sees one snapshot.
 * Rejects with StoreError ("unavailable" for the environment, "corrupt" for
 * a row or table that is not what it should be).
 */
export async function openSqliteHistoryStore(options: SqliteHistoryStoreOptions): Promise<SqliteHistoryStore> {
  const inMemory = options.path === ":memory:";
  const name = inMemory ? "sqlite :memory:" : `sqlite ${resolve(options.path)}`;
  let db: Database.Database | undefined;
  try {
    db = new Database(options.path, { fileMustExist: !inMemory });
    db.pragma("busy_timeout = 5000");
    const mode = db.pragma("journal_mode = WAL", { simple: true });
    if (!inMemory && mode !== "wal") throw new StoreError("unavailable", `${name}: history: cannot use WAL mode (journal_mode is ${String(mode)})`);
    db.pragma("synchronous = NORMAL");
    db.pragma("journal_size_limit = 67108864");
    // Every batch adds a row to each service's end of the (service, at_ms)
    // index: one leaf page per service. 32 MB holds those pages for ~8,000
    // services, so a batch does not read them back from the file each time.
    db.pragma("cache_size = -32768");
    migrateSqliteHistory(db, name);
  } catch (err) {
    db?.close();
    if (err instanceof StoreError) throw err;
    throw sqliteStoreError(name, "history: open", err);
  }
  try {
    return createSqliteHistoryStore(db, name);
  } catch (err) {
    db.close();
    const mapped = sqliteStoreError(name, "history: prepare", err);
    if (mapped instanceof StoreError) throw mapped;
    throw new StoreError(
      "corrupt",
      `${name}: the history tables do not match their version (${err instanceof Error ? err.message : String(err)}); restore the file from a backup`,
      { cause: err },
    );
  }
}

function createSqliteHistoryStore(db: Database.Database, name: string): SqliteHistoryStore {
  const s = prepareSqliteHistoryStatements(db);
  let closed = false;

  /**
   * Service id → key, filled as keys are read or made. Cleared when a
   * transaction that may have made one fails (its row rolled back) and for a
   * forgotten service.
   */
  const keys = new Map<string, number>();

  function existingKey(serviceId: string): number | undefined {
    const cached = keys.get(serviceId);
    if (cached !== undefined) return cached;
    const key = s.serviceKey.get(serviceId);
    if (key !== undefined) keys.set(serviceId, key);
    return key;
  }

  function keyOf(serviceId: string): number {
    const key = existingKey(serviceId);
    if (key !== undefined) return key;
    const made = Number(s.insertService.run(serviceId).lastInsertRowid);
    keys.set(serviceId, made);
    return made;
  }

  const appendTx = db.transaction((records: readonly HistoryRecord[], changes: readonly StatusChangeRecord[]) => {
    const reserved = raiseNextIdAboveWatermark();
    records.forEach((record, i) => s.insertCheck.run(keyOf(record.serviceId), ...named("record", i, records.length, () => checkValues(record))));
    changes.forEach((change, i) => s.insertChange.run(keyOf(change.serviceId), ...named("status change", i, changes.length, () => changeValues(change))));
    if (reserved !== undefined) s.releaseCheckId.run(reserved);
  });

  /**
   * SQLite gives a new row the largest id kept plus one, so once the newest
   * rows are deleted (a service forgotten, everything pruned after a long
   * pause) it would hand out ids at or below the rollup watermark, and those
   * rows would never be rolled up or seen by stats. Inserting the first new
   * row's id would do; a row taken at the watermark and removed again within
   * the transaction keeps the insert statement single. (AUTOINCREMENT would
   * too, but needs a table rebuild of existing stores.)
   */
  function raiseNextIdAboveWatermark(): number | undefined {
    const mark = watermark();
    if (mark === 0 || (s.maxCheckId.get() ?? 0) >= mark) return undefined;
    s.reserveCheckId.run(mark);
    return mark;
  }

  const writeRollupsTx = db.transaction((pass: Parameters<HistoryStore["writeRollups"]>[0]) => {
    for (const bucket of pass.buckets) s.putBucket.run(keyOf(bucket.serviceId), ...bucketValues(bucket));
    for (const tail of pass.tails) s.putTail.run(keyOf(tail.serviceId), ...tailValues(tail));
    s.raiseWatermark.run(pass.watermark);
  });

  function watermark(): number {
    const value = s.watermark.get();
    if (value === undefined) return 0;
    if (!Number.isSafeInteger(value)) throw new RowError(`table rollup_state: watermark is ${String(value)}, not an id`);
    return value as number;
  }

  const snapshotTx = db.transaction((query: Parameters<HistoryStore["readStatsSnapshot"]>[0]): StatsSnapshot => {
    const mark = watermark();
    const key = existingKey(query.serviceId);
    if (key === undefined) return { buckets: [], watermark: mark, tail: undefined, unrolled: [], changes: [], lastFailure: undefined };
    const id = query.serviceId;
    const buckets = query.ranges.flatMap((range) =>
      s.bucketsInRange.all(key, RESOLUTION_CODE[range.resolution], range.startMs, range.endMs).map((row) => decodeBucketRow(id, row)),
    );
    const tailRow = s.tail.get(key);
    const tail = tailRow === undefined ? undefined : decodeTailRow(id, tailRow);
    const down = s.lastDown.get(key, query.endMs);
    let lastFailure: StatsSnapshot["lastFailure"];
    if (down !== undefined) {
      const start = decodeChangeRow(id, down);
      const end = s.nextChange.get(key, start.at, start.id);
      lastFailure = { start, end: end === undefined ? undefined : decodeChangeRow(id, end) };
    }
    return {
      buckets,
      watermark: mark,
      tail,
      unrolled: (tail === undefined
        ? s.serviceChecksAfter.all(mark, key)
        : s.serviceChecksAfterFrom.all(key, tail.at - UNROLLED_LOOKBACK_MS, mark)
      ).map((row) => decodeCheckRow(id, row)),
      changes: s.changesInRange.all(key, query.changesStartMs, query.endMs).map((row) => decodeChangeRow(id, row)),
      lastFailure,
    };
  });

  const RESOLUTIONS = Object.keys(RESOLUTION_CODE) as RollupResolution[];
  const pruneTx = db.transaction((cut: RetentionCut, limit: number): number => {
    const window = limit * 2;
    let deleted = s.pruneChecks.run(window, cut.recordsBefore, limit).changes;
    deleted += s.pruneChanges.run(window, cut.statusChangesBefore, limit).changes;
    const before: Record<RollupResolution, number> = { minute: cut.minuteBefore, hour: cut.hourBefore, day: cut.dayBefore };
    // One budget for the rollups table, spent resolution by resolution.
    let budget = limit;
    for (const resolution of RESOLUTIONS) {
      if (budget === 0) break;
      const code = RESOLUTION_CODE[resolution];
      const next = s.bucketAfterLimit.get(code, before[resolution], budget);
      budget -= (next === undefined ? s.pruneBucketsBefore.run(code, before[resolution]) : s.pruneBucketsBeforeKey.run(code, next[0], next[1])).changes;
    }
    return deleted + (limit - budget);
  });

  const forgetTx = db.transaction((serviceId: string, limit: number): number => {
    const service = existingKey(serviceId);
    if (service === undefined) return 0;
    const deleted =
      s.forgetChecks.run(service, limit).changes +
      s.forgetChanges.run(service, limit).changes +
      s.serviceBucketKeys.all(service, limit).reduce((n, [resolution, startMs]) => n + s.deleteBucket.run(resolution, startMs, service).changes, 0) +
      s.forgetTail.run(service).changes;
    if (s.hasAnything.get({ service }) === 0) {
      s.deleteService.run(service);
      keys.delete(serviceId);
    }
    return deleted;
  });

  /** Runs `fn` on an open store, turning what it throws into what the HistoryStore contract promises. */
  function guard<T>(what: string, fn: () => T): T {
    if (closed) throw new StoreError("unavailable", `${name}: history: ${what}: the store is closed`);
    try {
      return fn();
    } catch (err) {
      if (err instanceof RowError) throw new StoreError("corrupt", `${name}: history: ${what}: ${err.message}`, { cause: err });
      throw sqliteStoreError(name, `history: ${what}`, err);
    }
  }

  /** A write that may have made service keys: a failure rolls them back, so the cache forgets them too. */
  function guardWrite<T>(what: string, fn: () => T): T {
    try {
      return guard(what, fn);
    } catch (err) {
      keys.clear();
      throw err;
    }
  }

  const bounded = (limit: number): number => Math.max(0, Math.min(Math.floor(limit), Number.MAX_SAFE_INTEGER));

  return {
    description: name,

    async append(records, changes) {
      if (records.length === 0 && changes.length === 0) return guard("append", () => undefined);
      // IMMEDIATE takes the write lock up front (see sqlite-store.ts).
      guardWrite("append", () => appendTx.immediate(records, changes));
    },

    async listRecords(query) {
      return guard("listRecords", () => {
        const key = existingKey(query.serviceId);
        const limit = bounded(query.limit);
        if (key === undefined || limit === 0) return [];
        const before = query.before ?? { at: query.endMs, id: 0 };
        // Both bounds: a cursor from another range must not reach past endMs.
        const [at, id] = before.at < query.endMs ? [before.at, before.id] : [query.endMs, 0];
        return s.listChecks.all(key, query.startMs, at, id, stateMask(query.statuses), limit).map((row) => decodeCheckRow(query.serviceId, row));
      });
    },

    async listStatusChanges(query) {
      return guard("listStatusChanges", () => {
        const key = existingKey(query.serviceId);
        const limit = bounded(query.limit);
        if (key === undefined || limit === 0) return [];
        const before = query.before ?? { at: query.endMs, id: 0 };
        const [at, id] = before.at < query.endMs ? [before.at, before.id] : [query.endMs, 0];
        return s.listChanges.all(key, query.startMs, at, id, limit).map((row) => decodeChangeRow(query.serviceId, row));
      });
    },

    async nextStatusChange(serviceId, cursor) {
      return guard("nextStatusChange", () => {
        const key = existingKey(serviceId);
        const row = key === undefined ? undefined : s.nextChange.get(key, cursor.at, cursor.id);
        return row === undefined ? undefined : decodeChangeRow(serviceId, row);
      });
    },

    async rollupWatermark() {
      return guard("rollupWatermark", watermark);
    },

    async recordsAfter(afterId, limit) {
      return guard("recordsAfter", () => {
        const max = bounded(limit);
        if (max === 0) return [];
        return s.checksAfter.all(afterId, max).map(([serviceId, ...row]): Stored<HistoryRecord> => {
          if (serviceId === null) throw new RowError(`table check_results, id ${row[0]}: its service key is not in history_services`);
          return decodeCheckRow(serviceId, row);
        });
      });
    },

    async readTails(serviceIds) {
      return guard("readTails", () =>
        serviceIds.flatMap((serviceId) => {
          const key = existingKey(serviceId);
          const row = key === undefined ? undefined : s.tail.get(key);
          return row === undefined ? [] : [decodeTailRow(serviceId, row)];
        }),
      );
    },

    async readBuckets(bucketKeys) {
      return guard("readBuckets", () =>
        db.transaction(() =>
          bucketKeys.flatMap((k): RollupBucket[] => {
            const key = existingKey(k.serviceId);
            const row = key === undefined ? undefined : s.bucket.get(RESOLUTION_CODE[k.resolution], k.startMs, key);
            return row === undefined ? [] : [decodeBucketRow(k.serviceId, row)];
          }),
        )(),
      );
    },

    async writeRollups(pass) {
      guardWrite("writeRollups", () => writeRollupsTx.immediate(pass));
    },

    async readStatsSnapshot(query) {
      return guard("readStatsSnapshot", () => snapshotTx(query));
    },

    async prune(cut, limit) {
      const max = bounded(limit);
      if (max === 0) return guard("prune", () => 0);
      return guard("prune", () => pruneTx.immediate(cut, max));
    },

    async forgetService(serviceId, limit) {
      const max = bounded(limit);
      if (max === 0) return guard("forgetService", () => 0);
      return guardWrite("forgetService", () => forgetTx.immediate(serviceId, max));
    },

    async serviceIdsWithHistory() {
      return guard("serviceIdsWithHistory", () => s.servicesWithHistory.all());
    },

    connectionSettings() {
      return guard("connectionSettings", () => ({
        journalMode: String(db.pragma("journal_mode", { simple: true })),
        synchronous: (["off", "normal", "full", "extra"] as const)[Number(db.pragma("synchronous", { simple: true }))] ?? "off",
      }));
    },

    async close() {
      if (closed) return;
      closed = true;
      try {
        db.pragma("optimize");
      } catch {
        // Only planner statistics: nothing is lost.
      } finally {
        db.close();
      }
    },
  };
}

/** Runs `values` for item i of n, naming it when it throws: "record 3 of 120: latencyMs must be …". */
function named<T>(what: string, i: number, n: number, values: () => T): T {
  try {
    return values();
  } catch (err) {
    throw new Error(`${what} ${i + 1} of ${n}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
