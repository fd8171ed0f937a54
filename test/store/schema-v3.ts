import { POSTGRES_MIGRATIONS_V2, SQLITE_SCHEMA_V2 } from "./schema-v2.js";

/**
 * The version-3 schemas exactly as the release before issue 12 created them
 * (server/store/sqlite-store-schema.ts and postgres-store-schema.ts at
 * 53baaee): version 2 (schema-v2.ts) and then migration 3, kept here so the
 * migration tests build a real version-3 store however the code's own
 * copies change later.
 */

/** Migration 3 of monitor.db as that release ran it. */
export const SQLITE_MIGRATION_V3 = `
ALTER TABLE subscriptions ADD COLUMN alert_window_ms REAL;
ALTER TABLE subscriptions ADD COLUMN alert_threshold REAL CHECK ((alert_threshold IS NULL) = (alert_window_ms IS NULL));
ALTER TABLE announced ADD COLUMN alerting INTEGER NOT NULL DEFAULT 0 CHECK (alerting IN (0, 1));
`;

/** monitor.db version 3; the release also set application_id 0x534d4f4e and user_version 3. */
export const SQLITE_SCHEMA_V3 = SQLITE_SCHEMA_V2 + SQLITE_MIGRATION_V3;

/** PostgreSQL migration 3 as that release ran it (recorded in schema_migrations after migration 2). */
export const POSTGRES_MIGRATION_V3 = `
ALTER TABLE subscriptions ADD COLUMN alert_window_ms double precision, ADD COLUMN alert_threshold double precision,
  ADD CONSTRAINT subscriptions_alert_rule_whole CHECK ((alert_window_ms IS NULL) = (alert_threshold IS NULL));
ALTER TABLE announced ADD COLUMN alerting boolean NOT NULL DEFAULT false;
`;

/** The migrations a version-3 PostgreSQL store had applied, for applyMigrations. */
export const POSTGRES_MIGRATIONS_V3 = [
  ...POSTGRES_MIGRATIONS_V2,
  { version: 3, name: "availability alert rules and alerting subscriptions", sql: POSTGRES_MIGRATION_V3 },
] as const;
