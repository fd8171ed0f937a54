import type { ClientBase } from "pg";
import { StoreError } from "./store.js";

/**
 * The schema of a PostgreSQL store and its migrations. Each migration is
 * applied once, in order, and recorded in `schema_migrations`, all in one
 * transaction at open: a migration that fails leaves the database as it was,
 * and a database migrated by a newer release is refused instead of misread.
 */

/** One step of the schema; `version`s are 1, 2, 3, … */
export interface Migration {
  readonly version: number;
  /** What it does, recorded beside the version for whoever inspects the database. */
  readonly name: string;
  readonly sql: string;
}

/**
 * Version 1: the same tables and meaning as the SQLite store.
 * - Times and spans are double precision, not bigint: the API carries
 *   fractional milliseconds (latencies from performance.now(), outage times
 *   from Timestamps with nanos), and a double holds every integer millisecond
 *   up to 2^53 exactly; the driver returns it as a number. Sequences are
 *   bigint (returned as strings by the driver; the store parses them).
 * - Foreign keys without cascades (the ops list every delete, see store.ts);
 *   child columns that are not a primary key's first column are indexed, or
 *   every delete of a service would scan subscriptions and outages.
 * - probe is the ProbeConfig as JSON (NULL: the server's default TCP check),
 *   managed_by is 'config' or NULL (created through the API).
 * - caller_counters is never deleted from: it keeps a removed and
 *   re-registered caller from reusing sequences.
 * - events has no foreign key to callers, and announced none to subscriptions:
 *   both follow the log (delete_caller removes them, a subscription_ended
 *   forgets the announced row), in whichever order a write lists the ops.
 *   payload is the CallerEvent (caller-event-codec.ts), as jsonb so it can be
 *   queried.
 * Plain CREATE TABLE (no IF NOT EXISTS): a database that already has a table
 * of that name but no record of this schema belongs to someone else, and the
 * migration fails rather than adopting it.
 */
const V1 = `
CREATE TABLE services (
  id                text             NOT NULL PRIMARY KEY,
  host              text             NOT NULL,
  port              integer          NOT NULL,
  display_name      text             NOT NULL,
  check_interval_ms double precision NOT NULL,
  check_timeout_ms  double precision NOT NULL,
  created_at_ms     double precision NOT NULL,
  probe             jsonb,
  managed_by        text             CHECK (managed_by IN ('config'))
);

CREATE TABLE callers (
  id            text             NOT NULL PRIMARY KEY,
  display_name  text             NOT NULL,
  created_at_ms double precision NOT NULL,
  managed_by    text             CHECK (managed_by IN ('config'))
);

CREATE TABLE subscriptions (
  caller_id           text             NOT NULL REFERENCES callers (id),
  service_id          text             NOT NULL REFERENCES services (id),
  polling_interval_ms double precision NOT NULL,
  grace_period_ms     double precision NOT NULL,
  managed_by          text             CHECK (managed_by IN ('config')),
  PRIMARY KEY (caller_id, service_id)
);
CREATE INDEX subscriptions_by_service ON subscriptions (service_id);

CREATE TABLE outages (
  id         text             NOT NULL PRIMARY KEY,
  service_id text             NOT NULL REFERENCES services (id),
  start_ms   double precision NOT NULL,
  end_ms     double precision NOT NULL,
  reason     text             NOT NULL,
  managed_by text             CHECK (managed_by IN ('config'))
);
CREATE INDEX outages_by_service ON outages (service_id);

CREATE TABLE observations (
  service_id       text             NOT NULL PRIMARY KEY REFERENCES services (id),
  status           text             NOT NULL CHECK (status IN ('unknown', 'up', 'down')),
  since_ms         double precision NOT NULL,
  last_check_at_ms double precision,
  last_latency_ms  double precision NOT NULL,
  detail           text             NOT NULL
);

CREATE TABLE caller_counters (
  caller_id     text   NOT NULL PRIMARY KEY,
  last_sequence bigint NOT NULL CHECK (last_sequence >= 0)
);

CREATE TABLE events (
  caller_id text             NOT NULL,
  sequence  bigint           NOT NULL CHECK (sequence >= 1),
  time_ms   double precision NOT NULL,
  payload   jsonb            NOT NULL,
  PRIMARY KEY (caller_id, sequence)
);

CREATE TABLE announced (
  caller_id  text             NOT NULL,
  service_id text             NOT NULL,
  status     text             NOT NULL CHECK (status IN ('unknown', 'up', 'down')),
  since_ms   double precision NOT NULL,
  PRIMARY KEY (caller_id, service_id)
);
`;

/**
 * Version 2 (issue 10), the same columns as SQLite's version 2: nullable
 * additions only, so the migration rewrites no row.
 * - services.paused_at_ms: when PauseService paused it; NULL while running.
 *   An HTTP check is another kind in the probe jsonb.
 * - observations.http: the last HTTP check's details (http-details-codec.ts);
 *   NULL after a TCP check.
 * - observations.note: why the target changed (UpdateService); NULL for none.
 */
const V2 = `
ALTER TABLE services ADD COLUMN paused_at_ms double precision;
ALTER TABLE observations ADD COLUMN http jsonb, ADD COLUMN note text;
`;

/**
 * Version 3 (issue 11), the same columns as SQLite's version 3: nullable
 * additions and a defaulted one, so the migration rewrites no row.
 * - subscriptions.alert_window_ms, alert_threshold: the availability alert
 *   rule (fully defaulted); both NULL for none, as every version-2
 *   subscription had. The table CHECK keeps half a rule from being written.
 * - announced.alerting: true while the caller's last availability event was
 *   an alert, derived from the log like the status; false for the rows of
 *   version 2.
 */
const V3 = `
ALTER TABLE subscriptions ADD COLUMN alert_window_ms double precision, ADD COLUMN alert_threshold double precision,
  ADD CONSTRAINT subscriptions_alert_rule_whole CHECK ((alert_window_ms IS NULL) = (alert_threshold IS NULL));
ALTER TABLE announced ADD COLUMN alerting boolean NOT NULL DEFAULT false;
`;

/**
 * Version 4 (issue 12), the same column as SQLite's version 4: a nullable
 * addition, so the migration rewrites no row.
 * - callers.token_hash: the SHA-256 of the caller's token, 64 lowercase hex
 *   digits (never the token); NULL for none, as every version-3 caller had.
 */
const V4 = `
ALTER TABLE callers ADD COLUMN token_hash text CONSTRAINT callers_token_hash_is_sha256_hex CHECK (token_hash ~ '^[0-9a-f]{64}$');
`;

/** Every migration this code knows, oldest first. */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "initial schema", sql: V1 },
  { version: 2, name: "paused services, HTTP check details and target-change notes", sql: V2 },
  { version: 3, name: "availability alert rules and alerting subscriptions", sql: V3 },
  { version: 4, name: "caller token hashes", sql: V4 },
];

/** The schema version this code writes and reads. */
export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS.at(-1)!.version;

/**
 * The key (two int4 halves) of the transaction-scoped advisory lock that
 * serialises migrations: two servers opening one new database at once would
 * otherwise both try to create the tables. ("SMON", 2); the session lock
 * that keeps one server per database is ("SMON", 1).
 */
export const MIGRATION_LOCK_KEY = [0x534d4f4e, 2] as const;

const MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    integer     NOT NULL PRIMARY KEY,
  name       text        NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/**
 * Brings the schema to the newest of `migrations`, in one transaction on
 * `client` holding the migration advisory lock. Returns the versions it
 * applied: none when the database is current (a second open only reads).
 *
 * Throws StoreError("corrupt") naming `description` when the database's
 * newest version is above the code's, when `schema_migrations` is some other
 * tool's table, or when a table this schema creates already exists without
 * a record of it. Other failures (the connection) propagate for the caller to
 * classify; the transaction is rolled back either way.
 */
export async function applyMigrations(
  client: ClientBase,
  description: string,
  migrations: readonly Migration[] = POSTGRES_MIGRATIONS,
): Promise<number[]> {
  const newest = migrations.at(-1)?.version ?? 0;
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1, $2)", [...MIGRATION_LOCK_KEY]);
    await client.query(MIGRATIONS_TABLE);
    await checkMigrationsTableIsOurs(client, description);
    const result = await client.query<{ version: number | null }>("SELECT max(version) AS version FROM schema_migrations");
    const current = result.rows[0]?.version ?? 0;
    if (current > newest) {
      throw new StoreError(
        "corrupt",
        `${description}: schema version ${current} is newer than this server (${newest}); run a newer release`,
      );
    }
    const applied: number[] = [];
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      try {
        await client.query(migration.sql);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        const why = err instanceof Error ? err.message : String(err);
        if (code === "42P07" && migration.version === 1) {
          throw new StoreError(
            "corrupt",
            `${description}: not a service monitor store (migration ${migration.version} found its tables already there: ` +
              `${why}); point the server at another database or drop those tables`,
            { cause: err },
          );
        }
        // Class 42 (a column already there, a table missing): the schema is
        // not the one its recorded version says, by a hand edit.
        if (migration.version > 1 && typeof code === "string" && code.startsWith("42")) {
          throw new StoreError(
            "corrupt",
            `${description}: migration ${migration.version} (${migration.name}) does not fit the schema (${why}), so it does ` +
              `not hold the version-${migration.version - 1} schema it records; it was left as it was — restore a backup`,
            { cause: err },
          );
        }
        throw err;
      }
      await client.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [migration.version, migration.name]);
      applied.push(migration.version);
    }
    await client.query("COMMIT");
    return applied;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
}

/**
 * `schema_migrations` is a common name (Rails, golang-migrate use it too);
 * one without our columns is not ours, and its versions mean nothing here.
 */
async function checkMigrationsTableIsOurs(client: ClientBase, description: string): Promise<void> {
  const result = await client.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = 'schema_migrations'`,
  );
  const columns = new Set(result.rows.map((row) => row.column_name));
  const missing = ["version", "name", "applied_at"].filter((column) => !columns.has(column));
  if (missing.length > 0) {
    throw new StoreError(
      "corrupt",
      `${description}: its schema_migrations table is not this server's (no ${missing.join(", ")} column); ` +
        "point the server at a database of its own",
    );
  }
}
