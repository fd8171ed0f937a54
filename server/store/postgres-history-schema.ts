import type { ClientBase } from "pg";
import { StoreError } from "./store.js";

/**
 * The history's tables on PostgreSQL (issue 11), beside the main schema
 * (postgres-store-schema.ts) in the same database but versioned on their
 * own, in the one-row `history_meta(version)`: the history can gain a table
 * without a main-schema migration, and the main store never reads these.
 *
 * - Times are double precision like the main schema's (the domain's Millis
 *   may be fractional; a double holds every integer millisecond up to 2^53
 *   exactly, so a cursor's `at` comes back equal to what was stored).
 * - check_results.id is an identity: ids grow with every insert, across
 *   services, so the rollup job reads "everything after the watermark" in
 *   write order. status is 'up', 'down' or 'pause' (a pause marker, whose
 *   check columns are NULL): ListCheckResults' status filter is one column.
 * - (service_id, at_ms, id) serves paging (newest first, keyset), a
 *   service's unrolled rows and forgetService; a BRIN index on at_ms serves
 *   retention's "older than" (rows arrive roughly in time order, so a few
 *   dozen bytes cover millions of rows, where a B-tree would add ~30 bytes
 *   to every row).
 * - rollups' latency is the sketch's JSON form (latency-sketch.ts),
 *   status_codes [[code, count], …]; the (resolution, start_ms) index serves
 *   retention, which cuts each resolution at its own age.
 * - rollup_state holds the rollup job's watermark (one row).
 * IF NOT EXISTS throughout: the tables are created at the first open of a
 * database whose main schema the main store has just created or migrated.
 */
const V1 = `
CREATE TABLE IF NOT EXISTS check_results (
  id          bigint           GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  service_id  text             NOT NULL,
  at_ms       double precision NOT NULL,
  status      text             NOT NULL CHECK (status IN ('up', 'down', 'pause')),
  latency_ms  double precision,
  detail      text,
  in_outage   boolean,
  max_span_ms double precision,
  http        jsonb,
  CHECK (CASE WHEN status = 'pause' THEN num_nulls(latency_ms, detail, in_outage, max_span_ms, http) = 5
              ELSE num_nulls(latency_ms, detail, in_outage, max_span_ms) = 0 END)
);
CREATE INDEX IF NOT EXISTS check_results_by_service ON check_results (service_id, at_ms, id);
CREATE INDEX IF NOT EXISTS check_results_by_time ON check_results USING brin (at_ms);

CREATE TABLE IF NOT EXISTS status_changes (
  id         bigint           GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  service_id text             NOT NULL,
  at_ms      double precision NOT NULL,
  previous   text             NOT NULL CHECK (previous IN ('unknown', 'up', 'down')),
  status     text             NOT NULL CHECK (status IN ('up', 'down')),
  detail     text             NOT NULL
);
CREATE INDEX IF NOT EXISTS status_changes_by_service ON status_changes (service_id, at_ms, id);
CREATE INDEX IF NOT EXISTS status_changes_by_time ON status_changes (at_ms);

CREATE TABLE IF NOT EXISTS rollups (
  service_id    text             NOT NULL,
  resolution    text             NOT NULL CHECK (resolution IN ('minute', 'hour', 'day')),
  start_ms      double precision NOT NULL,
  checks        integer          NOT NULL,
  up_checks     integer          NOT NULL,
  down_checks   integer          NOT NULL,
  outage_checks integer          NOT NULL,
  up_ms         double precision NOT NULL,
  down_ms       double precision NOT NULL,
  excluded_ms   double precision NOT NULL,
  latency       jsonb            NOT NULL,
  status_codes  jsonb            NOT NULL,
  PRIMARY KEY (service_id, resolution, start_ms)
);
CREATE INDEX IF NOT EXISTS rollups_by_age ON rollups (resolution, start_ms);

CREATE TABLE IF NOT EXISTS rollup_tails (
  service_id  text             NOT NULL PRIMARY KEY,
  at_ms       double precision NOT NULL,
  state       text             NOT NULL CHECK (state IN ('up', 'down', 'excluded')),
  max_span_ms double precision NOT NULL
);

CREATE TABLE IF NOT EXISTS rollup_state (
  only_row  boolean NOT NULL PRIMARY KEY DEFAULT true CHECK (only_row),
  watermark bigint  NOT NULL CHECK (watermark >= 0)
);
INSERT INTO rollup_state (only_row, watermark) VALUES (true, 0) ON CONFLICT DO NOTHING;
`;

/** Each version's SQL, oldest first; version n is the n-th. */
const HISTORY_VERSIONS: readonly string[] = [V1];

/** The history schema version this code writes and reads. */
export const POSTGRES_HISTORY_SCHEMA_VERSION = HISTORY_VERSIONS.length;

/**
 * The transaction-scoped advisory lock that serialises history migrations:
 * ("SMON", 3), beside the main schema's ("SMON", 2).
 */
const HISTORY_MIGRATION_LOCK_KEY = [0x534d4f4e, 3] as const;

/**
 * Brings the history tables to POSTGRES_HISTORY_SCHEMA_VERSION in one
 * transaction holding the advisory lock. Returns the versions it applied
 * (none when current). A database whose history_meta says a newer version is
 * refused StoreError("corrupt"), as is a history_meta that is not one row;
 * other failures propagate for the caller to classify, rolled back.
 */
export async function applyHistoryMigrations(client: ClientBase, description: string): Promise<number[]> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1, $2)", [...HISTORY_MIGRATION_LOCK_KEY]);
    await client.query("CREATE TABLE IF NOT EXISTS history_meta (version integer NOT NULL)");
    const rows = (await client.query<{ version: number }>("SELECT version FROM history_meta")).rows;
    if (rows.length > 1) {
      throw new StoreError("corrupt", `${description}: history_meta holds ${rows.length} rows, not one; restore a backup`);
    }
    const current = rows[0]?.version ?? 0;
    if (current > POSTGRES_HISTORY_SCHEMA_VERSION) {
      throw new StoreError(
        "corrupt",
        `${description}: history schema version ${current} is newer than this server (${POSTGRES_HISTORY_SCHEMA_VERSION}); run a newer release`,
      );
    }
    const applied: number[] = [];
    for (let version = current + 1; version <= POSTGRES_HISTORY_SCHEMA_VERSION; version++) {
      await client.query(HISTORY_VERSIONS[version - 1]!);
      applied.push(version);
    }
    if (applied.length > 0) {
      if (rows.length === 0) await client.query("INSERT INTO history_meta (version) VALUES ($1)", [POSTGRES_HISTORY_SCHEMA_VERSION]);
      else await client.query("UPDATE history_meta SET version = $1", [POSTGRES_HISTORY_SCHEMA_VERSION]);
    }
    await client.query("COMMIT");
    return applied;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
}
