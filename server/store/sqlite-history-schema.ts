import type Database from "better-sqlite3";
import { StoreError } from "./store.js";

/**
 * The history's tables in monitor.db (issue 11), versioned on their own in a
 * one-row history_meta table rather than by the main schema's user_version:
 * the registry's migrations and the history's then never have to be
 * released in step, and a history change never rewrites the registry.
 *
 * The tables are written 10,000 rows a second in the bench, so rows are kept
 * small (bytes per row are measured in the bench notes):
 * - Not STRICT: a column declared INTEGER has integer affinity, so a whole
 *   number is stored in 0–6 bytes by size while a fractional one (the API
 *   allows fractional ms) stays an exact 8-byte REAL. Decoders check every
 *   value's type, as STRICT would on write.
 * - A service is a small integer (history_services.key), not its 20-byte id
 *   in every row and index entry: about half of a check's row.
 * - Enumerations are integers (0 and 1 take no bytes at all in a record):
 *   check_results.state 0 pause, 1 up, 2 down; status_changes previous/status
 *   0 unknown, 1 up, 2 down; rollups.resolution 0 minute, 1 hour, 2 day;
 *   rollup_tails.state 0 excluded, 1 up, 2 down.
 * - Latencies are integer microseconds; an HTTP check's details are one
 *   compact JSON array (sqlite-history-rows.ts), NULL for TCP checks.
 * - check_results and status_changes are rowid tables (ids ascending, the
 *   order the rollup job reads) with one index each on (service, at_ms),
 *   which SQLite ends with the rowid: exactly the (service, at, id) order of
 *   newest-first keyset pages. No other index: retention walks rowid order.
 * - rollups is WITHOUT ROWID keyed by (resolution, start_ms, service): a
 *   pass's buckets land together at the end, the read-merge-write is a seek,
 *   and retention deletes a range from the start of each resolution, O(limit)
 *   however many services (a service-first key made it a seek per service:
 *   30,000 statements, ~0.35 s, per call at 10,000 services). The index by
 *   service serves one service's stats ranges and forgetService.
 */

/** The history schema version this code writes and reads. */
export const SQLITE_HISTORY_SCHEMA_VERSION = 1;

/**
 * Every table the history keeps in monitor.db. The main store's integrity
 * check at start leaves them out: they may hold gigabytes, and damage there
 * costs history reads (a corrupt StoreError), never the registry.
 */
export const SQLITE_HISTORY_TABLES: readonly string[] = [
  "history_meta",
  "history_services",
  "check_results",
  "status_changes",
  "rollups",
  "rollup_tails",
  "rollup_state",
];

const HISTORY_V1 = `
CREATE TABLE IF NOT EXISTS history_services (
  key INTEGER PRIMARY KEY,
  id  TEXT NOT NULL UNIQUE
);

CREATE TABLE IF NOT EXISTS check_results (
  id          INTEGER PRIMARY KEY,
  service     INTEGER NOT NULL,
  at_ms       INTEGER NOT NULL,
  state       INTEGER NOT NULL,
  in_outage   INTEGER,
  latency_us  INTEGER,
  max_span_ms INTEGER,
  detail      TEXT,
  http        TEXT
);
CREATE INDEX IF NOT EXISTS check_results_by_service ON check_results (service, at_ms);

CREATE TABLE IF NOT EXISTS status_changes (
  id       INTEGER PRIMARY KEY,
  service  INTEGER NOT NULL,
  at_ms    INTEGER NOT NULL,
  previous INTEGER NOT NULL,
  status   INTEGER NOT NULL,
  detail   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS status_changes_by_service ON status_changes (service, at_ms);

CREATE TABLE IF NOT EXISTS rollups (
  service       INTEGER NOT NULL,
  resolution    INTEGER NOT NULL,
  start_ms      INTEGER NOT NULL,
  checks        INTEGER NOT NULL,
  up_checks     INTEGER NOT NULL,
  down_checks   INTEGER NOT NULL,
  outage_checks INTEGER NOT NULL,
  up_ms         INTEGER NOT NULL,
  down_ms       INTEGER NOT NULL,
  excluded_ms   INTEGER NOT NULL,
  latency       TEXT NOT NULL,
  status_codes  TEXT NOT NULL,
  PRIMARY KEY (resolution, start_ms, service)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rollups_by_service ON rollups (service, resolution, start_ms);

CREATE TABLE IF NOT EXISTS rollup_tails (
  service     INTEGER PRIMARY KEY,
  at_ms       INTEGER NOT NULL,
  state       INTEGER NOT NULL,
  max_span_ms INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS rollup_state (
  id        INTEGER PRIMARY KEY CHECK (id = 0),
  watermark INTEGER NOT NULL
);
`;

/**
 * Creates the history tables in an open monitor.db (or checks they are of
 * this version), in one IMMEDIATE transaction. Throws StoreError("corrupt")
 * naming `name` when the history is of a newer version than this code, or
 * history_meta does not hold exactly one version.
 */
export function migrateSqliteHistory(db: Database.Database, name: string): void {
  db.transaction(() => {
    db.exec("CREATE TABLE IF NOT EXISTS history_meta (version INTEGER NOT NULL)");
    const versions = db.prepare<[], unknown>("SELECT version FROM history_meta").pluck().all();
    if (versions.length > 1 || (versions.length === 1 && !Number.isInteger(versions[0]))) {
      throw new StoreError(
        "corrupt",
        `${name}: table history_meta holds ${JSON.stringify(versions)}, not one history version; restore the file from a backup`,
      );
    }
    const version = versions.length === 0 ? 0 : (versions[0] as number);
    if (version > SQLITE_HISTORY_SCHEMA_VERSION) {
      throw new StoreError(
        "corrupt",
        `${name}: history schema version ${version} is newer than this server (${SQLITE_HISTORY_SCHEMA_VERSION}); ` +
          "run a newer release or restore an older file",
      );
    }
    if (version < 1) db.exec(HISTORY_V1);
    // Later versions: `if (version < 2) db.exec(HISTORY_V2);` and so on.
    if (versions.length === 0) db.prepare("INSERT INTO history_meta (version) VALUES (?)").run(SQLITE_HISTORY_SCHEMA_VERSION);
    else if (version !== SQLITE_HISTORY_SCHEMA_VERSION) db.prepare("UPDATE history_meta SET version = ?").run(SQLITE_HISTORY_SCHEMA_VERSION);
  }).immediate();
}
