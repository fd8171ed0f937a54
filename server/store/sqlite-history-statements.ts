import type Database from "better-sqlite3";
import type { BucketRow, ChangeRow, CheckRow, TailRow } from "./sqlite-history-rows.js";

const CHECK_COLUMNS = "id, at_ms, state, in_outage, latency_us, max_span_ms, detail, http";
const CHANGE_COLUMNS = "id, at_ms, previous, status, detail";
const BUCKET_COLUMNS = "resolution, start_ms, checks, up_checks, down_checks, outage_checks, up_ms, down_ms, excluded_ms, latency, status_codes";

type Key = number;

/**
 * Every statement of the SQLite history store, prepared once. Reads are in
 * raw (array) mode in the column orders of sqlite-history-rows.ts. A
 * statement that does not prepare means the tables are not what
 * history_meta says (the store reports that as corrupt).
 */
export function prepareSqliteHistoryStatements(db: Database.Database) {
  const raw = <P extends unknown[], R>(sql: string) => db.prepare<P, R>(sql).raw(true);
  return {
    serviceKey: db.prepare<[string], Key>("SELECT key FROM history_services WHERE id = ?").pluck(),
    insertService: db.prepare<[string]>("INSERT INTO history_services (id) VALUES (?)"),
    deleteService: db.prepare<[Key]>("DELETE FROM history_services WHERE key = ?"),
    /** Exact, by index seeks: retention asks this about every service it does not know. */
    servicesWithHistory: db
      .prepare<[], string>(
        `SELECT id FROM history_services s
          WHERE EXISTS (SELECT 1 FROM check_results WHERE service = s.key)
             OR EXISTS (SELECT 1 FROM status_changes WHERE service = s.key)
             OR EXISTS (SELECT 1 FROM rollups WHERE service = s.key)
             OR EXISTS (SELECT 1 FROM rollup_tails WHERE service = s.key)`,
      )
      .pluck(),

    insertCheck: db.prepare<[Key, ...unknown[]]>(
      "INSERT INTO check_results (service, at_ms, state, in_outage, latency_us, max_span_ms, detail, http) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    /** The largest id kept (a seek to the rowid B-tree's end); null when the table is empty. */
    maxCheckId: db.prepare<[], number | null>("SELECT max(id) FROM check_results").pluck(),
    /** Raises the next id SQLite hands out: one row at the id, deleted in the same transaction. */
    reserveCheckId: db.prepare<[number]>("INSERT INTO check_results (id, service, at_ms, state) VALUES (?, 0, 0, 0)"),
    releaseCheckId: db.prepare<[number]>("DELETE FROM check_results WHERE id = ?"),
    /**
     * Newest first from a cursor: the row value comparison is a range on the
     * (service, at_ms, rowid) index, walked backwards. (endMs, 0) as the
     * cursor is "before the end", since ids start at 1. The state filter is
     * a bit mask, checked on each row the walk meets.
     */
    listChecks: raw<[Key, number, number, number, number, number], CheckRow>(
      `SELECT ${CHECK_COLUMNS} FROM check_results
        WHERE service = ? AND at_ms >= ? AND (at_ms, id) < (?, ?) AND ((1 << state) & ?) != 0
        ORDER BY at_ms DESC, id DESC LIMIT ?`,
    ),
    /** The rollup job's input; a missing service row shows as a NULL id (a corrupt row). */
    checksAfter: raw<[number, number], [string | null, ...CheckRow]>(
      `SELECT s.id, c.id, c.at_ms, c.state, c.in_outage, c.latency_us, c.max_span_ms, c.detail, c.http
         FROM check_results c LEFT JOIN history_services s ON s.key = c.service
        WHERE c.id > ? ORDER BY c.id LIMIT ?`,
    ),
    /**
     * One service's rows not rolled up yet: a walk of the rowid range after
     * the watermark (a minute or so of every service's rows), `+service`
     * keeping the planner off the service index, whose walk would cover the
     * service's whole history.
     */
    serviceChecksAfter: raw<[number, Key], CheckRow>(
      `SELECT ${CHECK_COLUMNS} FROM check_results WHERE id > ? AND +service = ? ORDER BY id`,
    ),
    /** The same, for a service with a tail: by its index from near the tail (UNROLLED_LOOKBACK_MS). */
    serviceChecksAfterFrom: raw<[Key, number, number], CheckRow>(
      `SELECT ${CHECK_COLUMNS} FROM check_results INDEXED BY check_results_by_service
        WHERE service = ? AND at_ms >= ? AND id > ? ORDER BY id`,
    ),

    insertChange: db.prepare<[Key, ...unknown[]]>("INSERT INTO status_changes (service, at_ms, previous, status, detail) VALUES (?, ?, ?, ?, ?)"),
    listChanges: raw<[Key, number, number, number, number], ChangeRow>(
      `SELECT ${CHANGE_COLUMNS} FROM status_changes
        WHERE service = ? AND at_ms >= ? AND (at_ms, id) < (?, ?)
        ORDER BY at_ms DESC, id DESC LIMIT ?`,
    ),
    changesInRange: raw<[Key, number, number], ChangeRow>(
      `SELECT ${CHANGE_COLUMNS} FROM status_changes WHERE service = ? AND at_ms >= ? AND at_ms < ? ORDER BY at_ms, id`,
    ),
    nextChange: raw<[Key, number, number], ChangeRow>(
      `SELECT ${CHANGE_COLUMNS} FROM status_changes WHERE service = ? AND (at_ms, id) > (?, ?) ORDER BY at_ms, id LIMIT 1`,
    ),
    /** Changes alternate up and down, so the backwards walk meets a down within a row or two. */
    lastDown: raw<[Key, number], ChangeRow>(
      `SELECT ${CHANGE_COLUMNS} FROM status_changes WHERE service = ? AND at_ms < ? AND status = 2 ORDER BY at_ms DESC, id DESC LIMIT 1`,
    ),

    bucket: raw<[number, number, Key], BucketRow>(`SELECT ${BUCKET_COLUMNS} FROM rollups WHERE resolution = ? AND start_ms = ? AND service = ?`),
    /**
     * One service's range: by its index, named because without statistics
     * the planner takes the primary key's (resolution, start_ms) range, which
     * holds every service's buckets of the range.
     */
    bucketsInRange: raw<[Key, number, number, number], BucketRow>(
      `SELECT ${BUCKET_COLUMNS} FROM rollups INDEXED BY rollups_by_service
        WHERE service = ? AND resolution = ? AND start_ms >= ? AND start_ms < ? ORDER BY start_ms`,
    ),
    putBucket: db.prepare<[Key, ...unknown[]]>(`INSERT OR REPLACE INTO rollups (service, ${BUCKET_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    tail: raw<[Key], TailRow>("SELECT at_ms, state, max_span_ms FROM rollup_tails WHERE service = ?"),
    putTail: db.prepare<[Key, ...unknown[]]>("INSERT OR REPLACE INTO rollup_tails (service, at_ms, state, max_span_ms) VALUES (?, ?, ?, ?)"),
    watermark: db.prepare<[], unknown>("SELECT watermark FROM rollup_state WHERE id = 0").pluck(),
    raiseWatermark: db.prepare<[number]>(
      "INSERT INTO rollup_state (id, watermark) VALUES (0, ?) ON CONFLICT (id) DO UPDATE SET watermark = max(watermark, excluded.watermark)",
    ),

    /**
     * Retention walks the oldest `window` rows in id order (ids follow
     * write order, so also roughly time order) and deletes up to `limit` of
     * those older than the cut: each call costs O(window), however large
     * the table and however little is due. A row written late behind a
     * newer one goes once that one is due too.
     */
    pruneChecks: db.prepare<[number, number, number]>(
      `DELETE FROM check_results WHERE id IN (
         SELECT id FROM (SELECT id, at_ms FROM check_results ORDER BY id LIMIT ?) WHERE at_ms < ? LIMIT ?)`,
    ),
    pruneChanges: db.prepare<[number, number, number]>(
      `DELETE FROM status_changes WHERE id IN (
         SELECT id FROM (SELECT id, at_ms FROM status_changes ORDER BY id LIMIT ?) WHERE at_ms < ? LIMIT ?)`,
    ),
    /**
     * The (limit + 1)-th oldest bucket of a resolution before a time, in key
     * order: the ones before it are exactly `limit` (none: all of them are
     * fewer). Ties on start_ms (every service's bucket of one minute) are
     * broken by the service, so a limit below the service count still moves.
     */
    bucketAfterLimit: raw<[number, number, number], [number, number]>(
      "SELECT start_ms, service FROM rollups WHERE resolution = ? AND start_ms < ? ORDER BY start_ms, service LIMIT 1 OFFSET ?",
    ),
    pruneBucketsBefore: db.prepare<[number, number]>("DELETE FROM rollups WHERE resolution = ? AND start_ms < ?"),
    pruneBucketsBeforeKey: db.prepare<[number, number, number]>("DELETE FROM rollups WHERE resolution = ? AND (start_ms, service) < (?, ?)"),

    forgetChecks: db.prepare<[Key, number]>("DELETE FROM check_results WHERE id IN (SELECT id FROM check_results WHERE service = ? LIMIT ?)"),
    forgetChanges: db.prepare<[Key, number]>("DELETE FROM status_changes WHERE id IN (SELECT id FROM status_changes WHERE service = ? LIMIT ?)"),
    serviceBucketKeys: raw<[Key, number], [number, number]>("SELECT resolution, start_ms FROM rollups WHERE service = ? LIMIT ?"),
    deleteBucket: db.prepare<[number, number, Key]>("DELETE FROM rollups WHERE resolution = ? AND start_ms = ? AND service = ?"),
    forgetTail: db.prepare<[Key]>("DELETE FROM rollup_tails WHERE service = ?"),
    hasAnything: db
      .prepare<[{ service: Key }], number>(
        `SELECT EXISTS (SELECT 1 FROM check_results WHERE service = @service) OR EXISTS (SELECT 1 FROM status_changes WHERE service = @service)
             OR EXISTS (SELECT 1 FROM rollups WHERE service = @service) OR EXISTS (SELECT 1 FROM rollup_tails WHERE service = @service)`,
      )
      .pluck(),
  };
}

export type SqliteHistoryStatements = ReturnType<typeof prepareSqliteHistoryStatements>;
