import { POSTGRES_SCHEMA_V1, SQLITE_SCHEMA_V1 } from "./schema-v1.js";

/**
 * The version-2 schemas exactly as the release before issue 11 created them
 * (server/store/sqlite-store-schema.ts and postgres-store-schema.ts at
 * c0e88bc): version 1 (schema-v1.ts) and then migration 2, kept here so the
 * migration tests build a real version-2 store however the code's own
 * copies change later.
 */

/** Migration 2 of monitor.db as that release ran it. */
export const SQLITE_MIGRATION_V2 = `
ALTER TABLE services ADD COLUMN paused_at_ms REAL;
ALTER TABLE observations ADD COLUMN http TEXT;
ALTER TABLE observations ADD COLUMN note TEXT;
`;

/** monitor.db version 2; the release also set application_id 0x534d4f4e and user_version 2. */
export const SQLITE_SCHEMA_V2 = SQLITE_SCHEMA_V1 + SQLITE_MIGRATION_V2;

/** PostgreSQL migration 2 as that release ran it (recorded in schema_migrations after migration 1). */
export const POSTGRES_MIGRATION_V2 = `
ALTER TABLE services ADD COLUMN paused_at_ms double precision;
ALTER TABLE observations ADD COLUMN http jsonb, ADD COLUMN note text;
`;

/** The migrations a version-2 PostgreSQL store had applied, for applyMigrations. */
export const POSTGRES_MIGRATIONS_V2 = [
  { version: 1, name: "initial schema", sql: POSTGRES_SCHEMA_V1 },
  { version: 2, name: "paused services, HTTP check details and target-change notes", sql: POSTGRES_MIGRATION_V2 },
] as const;
