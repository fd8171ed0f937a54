import Database from "better-sqlite3";
import { StoreError } from "./store.js";

/**
 * Result codes (the primary code, before any `_EXTENDED` suffix) that mean
 * the file cannot be written or read just now: a full disk, a read-only file
 * or mount, an I/O error, a lock held too long by another connection (a
 * backup, the sqlite3 shell), a file that cannot be opened. Retrying after the
 * operator fixes it may succeed, so clients see UNAVAILABLE.
 */
const UNAVAILABLE = new Set([
  "SQLITE_FULL",
  "SQLITE_READONLY",
  "SQLITE_IOERR",
  "SQLITE_BUSY",
  "SQLITE_LOCKED",
  "SQLITE_CANTOPEN",
  "SQLITE_NOMEM",
  "SQLITE_PROTOCOL",
]);

/** Codes that mean the file's content cannot be trusted. */
const CORRUPT = new Set(["SQLITE_CORRUPT", "SQLITE_NOTADB"]);

/** "SQLITE_IOERR_FSYNC" → "SQLITE_IOERR". */
function primaryCode(code: string): string {
  const parts = code.split("_");
  return parts.length > 2 ? `${parts[0]}_${parts[1]}` : code;
}

/**
 * Turns what a better-sqlite3 call threw into what the Store contract
 * promises. `name` is "sqlite <absolute path>", `what` the operation.
 * - an environment failure → StoreError("unavailable", "sqlite <path>: <what>: <message> (<code>)");
 * - a damaged file → StoreError("corrupt", same shape);
 * - anything else from SQLite (a constraint the ops broke, a statement this
 *   code got wrong) is a bug of the code, not of the store: a plain Error
 *   with SQLite's message, so it is not taken for something an operator
 *   can fix by freeing disk space;
 * - a StoreError or a non-SQLite error passes through unchanged.
 * The SQLite error is kept as `cause`.
 */
export function sqliteStoreError(name: string, what: string, err: unknown): unknown {
  if (!(err instanceof Database.SqliteError)) return err;
  const message = `${name}: ${what}: ${err.message} (${err.code})`;
  const code = primaryCode(err.code);
  if (UNAVAILABLE.has(code)) return new StoreError("unavailable", message, { cause: err });
  if (CORRUPT.has(code)) return new StoreError("corrupt", message, { cause: err });
  return new Error(message, { cause: err });
}
