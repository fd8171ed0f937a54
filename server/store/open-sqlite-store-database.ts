import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { sqliteStoreError } from "./sqlite-store-error.js";
import { SQLITE_HISTORY_TABLES } from "./sqlite-history-schema.js";
import { migrateSqliteStore } from "./sqlite-store-schema.js";
import { StoreError } from "./store.js";

/** What an operator can do about a file that cannot be trusted, and what it costs. */
const START_EMPTY_COSTS =
  "callers' sequences would restart at 1, so a caller resuming from its last sequence would miss events";

/**
 * Opens monitor.db (or ":memory:"), refusing a file that cannot be trusted,
 * sets the connection up (WAL, synchronous=FULL, foreign keys) and brings the
 * schema to the current version. `name` is "sqlite <absolute path>".
 *
 * The checks run before anything is written, so a refused file is left as it
 * was found: the operator restores or moves it, the server never "repairs" a
 * store by starting a new one whose sequences restart at 1.
 *
 * Throws StoreError: "corrupt" (with what to do) for a truncated, missing-
 * with-its-log, foreign, damaged or newer file; "unavailable" when the file
 * cannot be opened or created (permissions, a full disk).
 */
export function openSqliteStoreDatabase(path: string, name: string): Database.Database {
  const inMemory = path === ":memory:";
  const existed = !inMemory && checkFileBeforeOpen(path, name);
  let db: Database.Database | undefined;
  try {
    if (!inMemory) mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    // Wait for a lock instead of failing at once if another connection (a
    // backup tool, the sqlite3 shell) holds it briefly.
    db.pragma("busy_timeout = 5000");
    // The first statement that reads the file: a file that is not a SQLite
    // database fails here with SQLITE_NOTADB.
    const mode = db.pragma("journal_mode = WAL", { simple: true });
    if (!inMemory && mode !== "wal") {
      throw new StoreError("unavailable", `${name}: cannot use WAL mode on this file system (journal_mode is ${String(mode)})`);
    }
    // WAL + FULL: `write` resolves once its commit is fsynced to the -wal
    // file, so an acknowledged mutation and an event that was sent survive
    // power loss, not only the process dying. The commit queue writes a whole
    // check tick in one transaction, so this is one fsync per tick.
    db.pragma("synchronous = FULL");
    // Keep the -wal file from staying huge after a burst of large writes.
    db.pragma("journal_size_limit = 67108864");
    // Off by default in SQLite, per connection; the ops rely on it (store.ts).
    db.pragma("foreign_keys = ON");
    if (existed) quickCheck(db, name);
    migrateSqliteStore(db, name);
    if (existed) foreignKeyCheck(db, name);
    return db;
  } catch (err) {
    db?.close();
    throw openError(err, name);
  }
}

/**
 * Refuses a main file that is 0 bytes, or missing while its -wal is there:
 * both are what is left of a store whose data existed, and opening them
 * would silently start a new one. Returns whether the file exists.
 */
function checkFileBeforeOpen(path: string, name: string): boolean {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new StoreError("unavailable", `${name}: cannot read the file: ${String(err)}`, { cause: err });
    }
    if (existsSync(`${path}-wal`)) {
      throw new StoreError(
        "corrupt",
        `${name}: the file is missing but its write-ahead log ${path}-wal is there, so the store was moved or ` +
          `deleted without it; put the file back (or restore it from a backup) next to the -wal, or delete ` +
          `${path}-wal and ${path}-shm to start an empty store (${START_EMPTY_COSTS})`,
      );
    }
    return false;
  }
  if (size === 0) {
    throw new StoreError(
      "corrupt",
      `${name}: the file is empty (0 bytes): it was truncated; restore it from a backup, or delete it to ` +
        `start an empty store (${START_EMPTY_COSTS})`,
    );
  }
  return true;
}

/**
 * PRAGMA quick_check: every page and index entry is well formed (it skips
 * only the cross-check of index content against tables). It reads every
 * page of the registry's tables, which is the point: a damaged page is found
 * at start, not by the first Watch that reads it. The history's tables are
 * left out (one table at a time, by name): they can be thousands of times
 * larger, and checking them would make a start take minutes.
 */
function quickCheck(db: Database.Database, name: string): void {
  const history = new Set(SQLITE_HISTORY_TABLES);
  const tables = db
    .prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
    .pluck()
    .all()
    .filter((table) => !history.has(table));
  const problems: string[] = [];
  for (const table of ["sqlite_schema", ...tables]) {
    // A table name cannot be a bound parameter; these come from sqlite_schema, quoted as identifiers.
    const found = db.prepare<[], string>(`PRAGMA quick_check("${table.replaceAll('"', '""')}")`).pluck().all();
    if (!(found.length === 1 && found[0] === "ok")) problems.push(...found);
    if (problems.length >= 5) break;
  }
  if (problems.length === 0) return;
  throw new StoreError("corrupt", `${name}: the integrity check failed: ${problems.slice(0, 5).join("; ")}; ${RESTORE}`);
}

/**
 * PRAGMA foreign_key_check: no row refers to a missing parent. SQLite only
 * enforces foreign keys on connections that turn them on, so a file edited
 * by hand (or by an older tool) can hold a subscription of a deleted service,
 * which quick_check does not see and the registry would take as real.
 */
function foreignKeyCheck(db: Database.Database, name: string): void {
  const rows = db.prepare<[], { table: string; parent: string }>("PRAGMA foreign_key_check").all();
  if (rows.length === 0) return;
  const counts = new Map<string, number>();
  for (const { table, parent } of rows) counts.set(`${table} → ${parent}`, (counts.get(`${table} → ${parent}`) ?? 0) + 1);
  const found = [...counts].map(([pair, n]) => `${n} row(s) of ${pair.replace(" → ", " refer to a missing row of ")}`);
  throw new StoreError("corrupt", `${name}: the integrity check failed: ${found.join("; ")}; ${RESTORE}`);
}

const RESTORE = `restore the file from a backup, or move it away to start an empty store (${START_EMPTY_COSTS})`;

function openError(err: unknown, name: string): unknown {
  if (err instanceof Database.SqliteError) {
    const mapped = sqliteStoreError(name, "open", err);
    if (mapped instanceof StoreError && mapped.kind === "corrupt") {
      const what = err.code === "SQLITE_NOTADB" ? "the file is not a SQLite database" : "the file is damaged";
      return new StoreError("corrupt", `${name}: ${what} (${err.message}, ${err.code}); ${RESTORE}`, { cause: err });
    }
    return mapped;
  }
  if (err instanceof StoreError) return err;
  return new StoreError("unavailable", `${name}: cannot open: ${String(err)}`, { cause: err });
}
