import { existsSync, rmSync, statSync } from "node:fs";
import Database from "better-sqlite3";
import type { LoggedEvent } from "../domain/types.js";
import { decodeCallerEvent } from "./caller-event-codec.js";
import { StoreError, type AnnouncedEntry } from "./store.js";

/** What the previous release's events.db held (schema: sqlite-event-log-schema.ts, version 1). */
export interface LegacyEventLog {
  /** Every caller's last sequence ever assigned, including callers since removed. */
  readonly sequences: readonly { readonly callerId: string; readonly lastSequence: number }[];
  /** Every retained event, by caller and then by ascending sequence. */
  readonly events: readonly LoggedEvent[];
  readonly announced: readonly AnnouncedEntry[];
}

/** The only events.db schema version there was. */
const LEGACY_SCHEMA_VERSION = 1;

const REPAIR = "restore it from a backup, or move it away (with its -wal and -shm files) to import the registry alone";

/**
 * Reads the previous release's events.db for an import, read-only (SQLite
 * still reads the commits in a -wal file an old server killed left). Checks the file before trusting it: not empty, a SQLite database,
 * schema version 1 with its three tables, `PRAGMA quick_check` clean, every
 * payload an event, no event above its caller's counter.
 *
 * Throws StoreError("corrupt") naming the file and what to do.
 */
export function readLegacyEventLog(path: string): LegacyEventLog {
  const corrupt = (why: string, cause?: unknown) =>
    new StoreError("corrupt", `${path}: ${why}; it was left as it is — ${REPAIR}`, cause === undefined ? {} : { cause });
  // SQLite takes a 0-byte file for an empty database; the old server never
  // left one (it creates its tables at once), so it is a truncated file.
  if (statSync(path).size === 0) throw corrupt("the file is empty (0 bytes), not an event log");
  // A read-only connection to a WAL file still creates an empty -wal and a
  // -shm (its index of the -wal) beside it; those it made are removed after,
  // so a refused file is left exactly as it was found.
  const made = ["-wal", "-shm"].map((suffix) => `${path}${suffix}`).filter((file) => !existsSync(file));
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const version = Number(db.pragma("user_version", { simple: true }));
    if (version !== LEGACY_SCHEMA_VERSION) {
      throw corrupt(`schema version ${version}, not the ${LEGACY_SCHEMA_VERSION} of the previous release's event log`);
    }
    const check = db.pragma("quick_check", { simple: true });
    if (check !== "ok") throw corrupt(`integrity check failed (${String(check)})`);
    return readTables(db, corrupt);
  } catch (error) {
    if (error instanceof StoreError) throw error;
    const why = error instanceof Error ? error.message : String(error);
    throw corrupt(`not a readable event log (${why})`, error);
  } finally {
    db?.close();
    for (const file of made) {
      if (existsSync(file) && (file.endsWith("-shm") || statSync(file).size === 0)) rmSync(file);
    }
  }
}

interface CounterRow {
  caller_id: string;
  last_sequence: number;
}
interface AnnouncedRow {
  caller_id: string;
  service_id: string;
  status: string;
  since_ms: number;
}

function readTables(db: Database.Database, corrupt: (why: string, cause?: unknown) => StoreError): LegacyEventLog {
  const counters = db.prepare<[], CounterRow>("SELECT caller_id, last_sequence FROM caller_counters ORDER BY caller_id").all();
  const lastOf = new Map(counters.map((row) => [row.caller_id, row.last_sequence]));
  const events: LoggedEvent[] = [];
  // Raw rows (arrays): a full log is up to 10,000 events per caller, and
  // building an object per row took about half the time of reading it.
  const rows = db
    .prepare<[], [string, number, number, string]>(
      "SELECT caller_id, sequence, time_ms, payload FROM events ORDER BY caller_id, sequence",
    )
    .raw()
    .iterate();
  for (const [callerId, sequence, timeMs, payload] of rows) {
    const where = `table events, caller ${JSON.stringify(callerId)} sequence ${sequence}`;
    if (!Number.isSafeInteger(sequence) || sequence < 1) throw corrupt(`${where}: the sequence is not a positive integer`);
    if (typeof timeMs !== "number" || !Number.isFinite(timeMs)) throw corrupt(`${where}: time_ms is not a number`);
    const last = lastOf.get(callerId);
    if (last === undefined || sequence > last) {
      throw corrupt(`${where}: above the caller's last sequence in caller_counters (${last ?? "none"})`);
    }
    let event;
    try {
      event = decodeCallerEvent(payload);
    } catch (error) {
      throw corrupt(`${where}: payload is not an event (${error instanceof Error ? error.message : String(error)})`, error);
    }
    events.push({ callerId, sequence, timeMs, event });
  }
  const announced = db
    .prepare<[], AnnouncedRow>("SELECT caller_id, service_id, status, since_ms FROM announced ORDER BY caller_id, service_id")
    .all()
    // Statuses are checked with the rest by validateStoreContents.
    .map((row): AnnouncedEntry => ({
      callerId: row.caller_id,
      serviceId: row.service_id,
      announced: { status: row.status as AnnouncedEntry["announced"]["status"], sinceMs: row.since_ms },
    }));
  return {
    sequences: counters.map((row) => ({ callerId: row.caller_id, lastSequence: row.last_sequence })),
    events,
    announced,
  };
}
