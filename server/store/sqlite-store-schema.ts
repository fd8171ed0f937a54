import type Database from "better-sqlite3";
import { StoreError } from "./store.js";

/**
 * The schema of monitor.db, versioned with `PRAGMA user_version` so a later
 * release can migrate the file in place and an older release refuses a file
 * it does not understand instead of misreading it. `PRAGMA application_id`
 * marks the file as ours, so a foreign SQLite file (or the old events.db,
 * which also says user_version 1) put in its place is refused, not merged into.
 */

/** The schema version this code writes and reads. */
export const SQLITE_STORE_SCHEMA_VERSION = 4;

/** "SMON" as a big-endian 32-bit integer: the application_id of monitor.db. */
export const SQLITE_STORE_APPLICATION_ID = 0x534d4f4e;

/**
 * Version 1 (kept as it was: it is what a new file starts from, and what a
 * file of an earlier release holds).
 * - STRICT tables: a value of the wrong type is refused when written, so a
 *   row read back has the column types the decoder expects. Times and spans
 *   are REAL: the API carries fractional milliseconds (latencies from
 *   performance.now(), outage times from Timestamps with nanos), and a REAL
 *   holds every integer millisecond up to 2^53 exactly.
 * - Foreign keys without cascades (the ops list every delete, see store.ts);
 *   the child columns that are not a primary key's first column are indexed,
 *   or every delete of a service would scan subscriptions and outages.
 * - probe is the ProbeConfig as JSON (NULL: the server's default TCP check),
 *   managed_by is 'config' or NULL (created through the API).
 * - caller_counters is never deleted from: it is what keeps a removed and
 *   re-registered caller from reusing sequences, even when none of its events
 *   is retained any more.
 * - events is keyed (caller_id, sequence) and keeps its rowid on purpose:
 *   with many callers a tick's rows land all over a WITHOUT ROWID tree
 *   (payloads are a few hundred bytes), while a rowid table appends them at
 *   its end and only the small key goes into the index (measured 1.3x faster
 *   at 100 callers, 2x at 1,000 for events.db). payload is the CallerEvent as
 *   JSON (caller-event-codec.ts).
 * - announced is derived from events in the transaction that appends them,
 *   so it never disagrees with the log after a crash. It has no foreign key:
 *   a subscription's delete and its subscription_ended event (which forgets
 *   the row) may come in either order within one write.
 */
const SCHEMA_V1 = `
CREATE TABLE services (
  id                TEXT    NOT NULL PRIMARY KEY,
  host              TEXT    NOT NULL,
  port              INTEGER NOT NULL,
  display_name      TEXT    NOT NULL,
  check_interval_ms REAL    NOT NULL,
  check_timeout_ms  REAL    NOT NULL,
  created_at_ms     REAL    NOT NULL,
  probe             TEXT,
  managed_by        TEXT    CHECK (managed_by IN ('config'))
) STRICT, WITHOUT ROWID;

CREATE TABLE callers (
  id            TEXT NOT NULL PRIMARY KEY,
  display_name  TEXT NOT NULL,
  created_at_ms REAL NOT NULL,
  managed_by    TEXT CHECK (managed_by IN ('config'))
) STRICT, WITHOUT ROWID;

CREATE TABLE subscriptions (
  caller_id           TEXT NOT NULL REFERENCES callers (id),
  service_id          TEXT NOT NULL REFERENCES services (id),
  polling_interval_ms REAL NOT NULL,
  grace_period_ms     REAL NOT NULL,
  managed_by          TEXT CHECK (managed_by IN ('config')),
  PRIMARY KEY (caller_id, service_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX subscriptions_by_service ON subscriptions (service_id);

CREATE TABLE outages (
  id         TEXT NOT NULL PRIMARY KEY,
  service_id TEXT NOT NULL REFERENCES services (id),
  start_ms   REAL NOT NULL,
  end_ms     REAL NOT NULL,
  reason     TEXT NOT NULL,
  managed_by TEXT CHECK (managed_by IN ('config'))
) STRICT, WITHOUT ROWID;
CREATE INDEX outages_by_service ON outages (service_id);

CREATE TABLE observations (
  service_id       TEXT NOT NULL PRIMARY KEY REFERENCES services (id),
  status           TEXT NOT NULL CHECK (status IN ('unknown', 'up', 'down')),
  since_ms         REAL NOT NULL,
  last_check_at_ms REAL,
  last_latency_ms  REAL NOT NULL,
  detail           TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE caller_counters (
  caller_id     TEXT    NOT NULL PRIMARY KEY,
  last_sequence INTEGER NOT NULL CHECK (last_sequence >= 0)
) STRICT, WITHOUT ROWID;

CREATE TABLE events (
  caller_id TEXT    NOT NULL,
  sequence  INTEGER NOT NULL CHECK (sequence >= 1),
  time_ms   REAL    NOT NULL,
  payload   TEXT    NOT NULL,
  PRIMARY KEY (caller_id, sequence)
) STRICT;

CREATE TABLE announced (
  caller_id  TEXT NOT NULL,
  service_id TEXT NOT NULL,
  status     TEXT NOT NULL CHECK (status IN ('unknown', 'up', 'down')),
  since_ms   REAL NOT NULL,
  PRIMARY KEY (caller_id, service_id)
) STRICT, WITHOUT ROWID;
`;

/**
 * Version 2 (issue 10: HTTP checks, PauseService, UpdateService). Added
 * columns only, all nullable, so a version-1 file migrates by ALTER TABLE in
 * place without rewriting a row, and its rows mean what they meant:
 * - services.paused_at_ms: when PauseService paused it; NULL while running.
 *   (An HTTP check needs no column: it is another kind in the probe JSON.)
 * - observations.http: the last HTTP check's details as JSON
 *   (http-details-codec.ts); NULL after a TCP check.
 * - observations.note: why the target changed (UpdateService), kept through
 *   the first status period after the change; NULL for none.
 * A new file gets version 1 and then this (and versions 3 and 4), so new and
 * migrated files have the very same schema.
 */
const MIGRATION_V2 = `
ALTER TABLE services ADD COLUMN paused_at_ms REAL;
ALTER TABLE observations ADD COLUMN http TEXT;
ALTER TABLE observations ADD COLUMN note TEXT;
`;

/**
 * Version 3 (issue 11: availability alerts). Added columns only, so a
 * version-2 file migrates in place and its rows mean what they meant:
 * - subscriptions.alert_window_ms, alert_threshold: the subscription's
 *   availability alert rule (stored fully defaulted); both NULL for none,
 *   which is what every version-2 subscription had. The CHECK keeps half a
 *   rule from being written.
 * - announced.alerting: 1 while the caller's last availability event was an
 *   alert, derived from the log like the status; 0 (no alert) for the rows
 *   of version 2, which knew none.
 */
const MIGRATION_V3 = `
ALTER TABLE subscriptions ADD COLUMN alert_window_ms REAL;
ALTER TABLE subscriptions ADD COLUMN alert_threshold REAL CHECK ((alert_threshold IS NULL) = (alert_window_ms IS NULL));
ALTER TABLE announced ADD COLUMN alerting INTEGER NOT NULL DEFAULT 0 CHECK (alerting IN (0, 1));
`;

/**
 * Version 4 (issue 12: caller tokens). One nullable column, so a version-3
 * file migrates in place without rewriting a row:
 * - callers.token_hash: the SHA-256 of the caller's token as 64 lowercase
 *   hex digits, never the token itself; NULL for no token, which is what
 *   every version-3 caller had (an admin issues one with RotateCallerToken).
 *   The CHECK keeps anything but such a digest out of the column.
 */
const MIGRATION_V4 = `
ALTER TABLE callers ADD COLUMN token_hash TEXT CHECK (token_hash IS NULL OR (length(token_hash) = 64 AND token_hash NOT GLOB '*[^0-9a-f]*'));
`;

/**
 * Brings the schema of an open database to the current version, in one
 * IMMEDIATE transaction (a failed migration leaves the file as it was).
 * Idempotent: a file at the current version is only read.
 *
 * Throws StoreError("corrupt") naming `name` when the file's schema is newer
 * than this code, the file is not ours (another application's id, or
 * tables in a file that has no version), or a migration does not fit it.
 */
export function migrateSqliteStore(db: Database.Database, name: string): void {
  db.transaction(() => {
    const version = Number(db.pragma("user_version", { simple: true }));
    const applicationId = Number(db.pragma("application_id", { simple: true }));
    if (version > SQLITE_STORE_SCHEMA_VERSION) {
      throw new StoreError(
        "corrupt",
        `${name}: schema version ${version} is newer than this server (${SQLITE_STORE_SCHEMA_VERSION}); ` +
          "run a newer release or restore an older file",
      );
    }
    if (version > 0 && applicationId !== SQLITE_STORE_APPLICATION_ID) {
      throw notOurs(name, `its application_id is ${applicationId}, not ${SQLITE_STORE_APPLICATION_ID}`);
    }
    if (version === 0) {
      const tables = Number(db.prepare("SELECT count(*) FROM sqlite_schema").pluck().get());
      if (tables > 0) throw notOurs(name, `it has no schema version but holds ${tables} schema object(s)`);
      db.exec(SCHEMA_V1);
      db.pragma(`application_id = ${SQLITE_STORE_APPLICATION_ID}`);
    }
    if (version < 2) migrate(db, name, version, 2, MIGRATION_V2);
    if (version < 3) migrate(db, name, Math.max(version, 2), 3, MIGRATION_V3);
    if (version < 4) migrate(db, name, Math.max(version, 3), 4, MIGRATION_V4);
    // Later versions: `if (version < 5) migrate(db, name, Math.max(version, 4), 5, MIGRATION_V5);` and so on.
    if (version !== SQLITE_STORE_SCHEMA_VERSION) db.pragma(`user_version = ${SQLITE_STORE_SCHEMA_VERSION}`);
  }).immediate();
}

/**
 * Runs one migration of a file at `from`. Its statements fail only when the
 * file's schema is not what its version says (a hand edit): that is the
 * file's fault, not the code's, so the operator is told what to do; the
 * transaction rolls back and the file stays at `from`.
 */
function migrate(db: Database.Database, name: string, from: number, to: number, sql: string): void {
  try {
    db.exec(sql);
  } catch (err) {
    throw new StoreError(
      "corrupt",
      `${name}: migrating the schema from version ${from} to ${to} failed (${err instanceof Error ? err.message : String(err)}), ` +
        `so the file does not hold the version-${from} schema it claims; it was left as it was — restore it from a backup`,
      { cause: err },
    );
  }
}

function notOurs(name: string, why: string): StoreError {
  return new StoreError(
    "corrupt",
    `${name}: not a service monitor store (${why}); point the server at another data directory or move the file away`,
  );
}
