import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { expect } from "vitest";
import { applyMigrations, type Migration } from "../../server/store/postgres-store-schema.js";
import { SQLITE_STORE_APPLICATION_ID } from "../../server/store/sqlite-store-schema.js";
import type { Store } from "../../server/store/store.js";
import { asAdmin } from "../support/postgres.js";

/**
 * Stores as an earlier release left them, for the schema migration tests
 * (store-schema-v*-migration.test.ts), and what those tests read back of
 * them, on both backends. The rows are given per table in column order, as
 * that release wrote them; an object is stored as its JSON.
 */

type Rows = readonly (readonly unknown[])[];

/** An earlier release's rows, table by table. */
export interface OldRows {
  readonly services: Rows;
  readonly callers: Rows;
  readonly subscriptions: Rows;
  readonly outages: Rows;
  readonly observations: Rows;
  readonly counters: Rows;
  readonly events: Rows;
  readonly announced: Rows;
}

/** Tables in an order their foreign keys accept. */
const TABLES: ReadonlyArray<readonly [table: string, key: keyof OldRows]> = [
  ["services", "services"],
  ["callers", "callers"],
  ["subscriptions", "subscriptions"],
  ["outages", "outages"],
  ["observations", "observations"],
  ["caller_counters", "counters"],
  ["events", "events"],
  ["announced", "announced"],
];

const column = (v: unknown): unknown => (v !== null && typeof v === "object" ? JSON.stringify(v) : v);

/**
 * A monitor.db in a new directory under `dirs` (the caller removes them) as
 * the release of schema `version` left it: its DDL, its marks, its rows,
 * closed; then `extraDdl`, a hand edit.
 */
export function writeOldSqliteFile(dirs: string[], schema: string, version: number, rows: OldRows, extraDdl = ""): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sqlite-v${version}-`));
  dirs.push(dir);
  const file = path.join(dir, "monitor.db");
  const db = new Database(file);
  try {
    db.pragma("journal_mode = WAL");
    db.exec(schema);
    db.pragma(`application_id = ${SQLITE_STORE_APPLICATION_ID}`);
    db.pragma(`user_version = ${version}`);
    for (const [table, key] of TABLES) {
      for (const row of rows[key]) db.prepare(`INSERT INTO ${table} VALUES (${row.map(() => "?").join(", ")})`).run(...row.map(column));
    }
    db.exec(extraDdl);
  } finally {
    db.close();
  }
  return file;
}

/** `fn` on the file opened read-only, closed after. */
export function inspectSqlite<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

export const sqliteColumns = (file: string, table: string): string[] =>
  inspectSqlite(file, (db) => db.prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`).all().map((c) => c.name));

export const sqliteUserVersion = (file: string): number => inspectSqlite(file, (db) => Number(db.pragma("user_version", { simple: true })));

/**
 * The database at `url` as the release whose migrations were `migrations`
 * left it: those applied and recorded (`extraDdl`, a hand edit, run with the
 * last of them), then its rows.
 */
export async function writeOldPostgresDatabase(url: string, migrations: readonly Migration[], rows: OldRows, extraDdl = ""): Promise<void> {
  const last = migrations.at(-1)!;
  const applied = [...migrations.slice(0, -1), { ...last, sql: last.sql + extraDdl }];
  await asAdmin(url, async (client) => {
    expect(await applyMigrations(client, `v${last.version}`, applied)).toEqual(migrations.map((m) => m.version));
    for (const [table, key] of TABLES) {
      for (const row of rows[key]) {
        await client.query(`INSERT INTO ${table} VALUES (${row.map((_, i) => `$${i + 1}`).join(", ")})`, row.map(column));
      }
    }
  });
}

/** The migration versions the database records, in order. */
export const postgresVersions = (url: string): Promise<number[]> =>
  asAdmin(url, async (client) => (await client.query<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version")).rows.map((r) => r.version));

export const postgresColumns = (url: string, table: string): Promise<string[]> =>
  asAdmin(url, async (client) =>
    (
      await client.query<{ column_name: string }>(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1",
        [table],
      )
    ).rows.map((r) => r.column_name),
  );

/** What opening a store that must not open failed with (a store that did open is closed, and undefined returned). */
export function openingFailure(open: () => Promise<Store>): Promise<unknown> {
  return open().then(
    async (store) => {
      await store.close();
      return undefined;
    },
    (e: unknown) => e,
  );
}
