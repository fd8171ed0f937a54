import Database from "better-sqlite3";
import type { CallerEvent, LoggedEvent, Millis } from "../domain/types.js";
import type { AnnouncedEntry, EventLog, EventToAppend, LogPosition } from "./event-log.js";
import { decodeCallerEvent, InvalidCallerEventError, isStatus, toCallerEvent } from "./sqlite-event-codec.js";
import { EventLogFileError, openEventLogDatabase } from "./sqlite-event-log-schema.js";

export { EventLogFileError } from "./sqlite-event-log-schema.js";
export { InvalidCallerEventError } from "./sqlite-event-codec.js";

/** Events kept per caller unless told otherwise (docs/architecture.md, watch stream rule 3). */
export const DEFAULT_RETENTION_PER_CALLER = 10_000;

export interface SqliteEventLogOptions {
  /** The database file (normally `<data-dir>/events.db`), or ":memory:" for tests. */
  readonly path: string;
  /** How many of each caller's most recent events to keep; older ones are deleted on append. */
  readonly retentionPerCaller?: number;
}

interface EventRow {
  sequence: number;
  time_ms: number;
  payload: string;
}

interface AnnouncedRow {
  caller_id: string;
  service_id: string;
  status: string;
  since_ms: number;
}

/**
 * The event log on SQLite (better-sqlite3, synchronous, so `append` has
 * committed when it returns, as the EventLog contract requires).
 *
 * Throws EventLogFileError naming the file when it cannot be opened, is not
 * a SQLite database, is corrupt, or has a schema newer than this code.
 * One process should own the file; SQLite's locking keeps a second one
 * (a backup, the sqlite3 shell) from corrupting it, but sequences are only
 * guaranteed gap-free for writes through this module.
 */
export function openSqliteEventLog(options: SqliteEventLogOptions): EventLog {
  const { path } = options;
  const retention = options.retentionPerCaller ?? DEFAULT_RETENTION_PER_CALLER;
  if (!Number.isSafeInteger(retention) || retention < 1) {
    throw new RangeError(`retentionPerCaller must be a positive integer, got ${retention}`);
  }

  const db = openEventLogDatabase(path);
  let closed = false;
  /**
   * Each caller's last sequence as committed, filled on first use. Saves one
   * SELECT per caller per append, a quarter of the statements a fan-out to
   * thousands of callers runs (docs/benchmarks.md). Only updated after a
   * commit, so a rolled-back batch leaves it as the file is. This process is
   * the file's only writer of events; were another to append, the primary key
   * would refuse the duplicate sequence rather than corrupt the log.
   */
  const lastSequences = new Map<string, number>();
  const lastSequence = (callerId: string): number => {
    let sequence = lastSequences.get(callerId);
    if (sequence === undefined) lastSequences.set(callerId, (sequence = s.counter.get(callerId) ?? 0));
    return sequence;
  };

  /**
   * Runs `fn`, turning a SQLite failure (corruption found mid-file, disk
   * full, I/O error) into an error that names the file. Other errors
   * (invalid input) pass through unchanged.
   */
  function guard<T>(op: string, fn: () => T): T {
    if (closed) throw new EventLogFileError(path, `${op}: the event log is closed`);
    try {
      return fn();
    } catch (err) {
      if (err instanceof Database.SqliteError) {
        throw new EventLogFileError(path, `${op}: ${err.message} (${err.code})`, { cause: err });
      }
      throw err;
    }
  }

  // Every statement is prepared once, here: `append` runs at thousands of
  // events per second and preparing is far costlier than running.
  const s = guard("prepare", () => ({
    counter: db.prepare<[string], number>("SELECT last_sequence FROM caller_counters WHERE caller_id = ?").pluck(),
    setCounter: db.prepare<[string, number]>(
      `INSERT INTO caller_counters (caller_id, last_sequence) VALUES (?, ?)
       ON CONFLICT (caller_id) DO UPDATE SET last_sequence = excluded.last_sequence`,
    ),
    insert: db.prepare<[string, number, number, string]>(
      "INSERT INTO events (caller_id, sequence, time_ms, payload) VALUES (?, ?, ?, ?)",
    ),
    prune: db.prepare<[string, number]>("DELETE FROM events WHERE caller_id = ? AND sequence <= ?"),
    read: db.prepare<[string, number, number], EventRow>(
      `SELECT sequence, time_ms, payload FROM events
       WHERE caller_id = ? AND sequence > ? ORDER BY sequence LIMIT ?`,
    ),
    firstRetained: db.prepare<[string], number | null>("SELECT min(sequence) FROM events WHERE caller_id = ?").pluck(),
    announce: db.prepare<[string, string, string, number]>(
      `INSERT INTO announced (caller_id, service_id, status, since_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT (caller_id, service_id) DO UPDATE SET status = excluded.status, since_ms = excluded.since_ms`,
    ),
    unannounce: db.prepare<[string, string]>("DELETE FROM announced WHERE caller_id = ? AND service_id = ?"),
    announcedFor: db.prepare<[string], AnnouncedRow>(
      "SELECT caller_id, service_id, status, since_ms FROM announced WHERE caller_id = ? ORDER BY service_id",
    ),
    announcedAll: db.prepare<[], AnnouncedRow>(
      "SELECT caller_id, service_id, status, since_ms FROM announced ORDER BY caller_id, service_id",
    ),
    dropEvents: db.prepare<[string]>("DELETE FROM events WHERE caller_id = ?"),
    dropAnnounced: db.prepare<[string]>("DELETE FROM announced WHERE caller_id = ?"),
  }));

  function toEntry(row: AnnouncedRow): AnnouncedEntry {
    if (!isStatus(row.status)) {
      throw new EventLogFileError(
        path,
        `caller ${row.caller_id} service ${row.service_id}: invalid announced status ${JSON.stringify(row.status)}`,
      );
    }
    return {
      callerId: row.caller_id,
      serviceId: row.service_id,
      announced: { status: row.status, sinceMs: row.since_ms },
    };
  }

  const appendTx = db.transaction((events: readonly EventToAppend[], timeMs: Millis, last: Map<string, number>): LoggedEvent[] => {
    // `last`: the last sequence per caller in this batch, written back once
    // per caller at the end (and to the cache once committed).
    // Only the last event per subscription decides its announced state
    // (an upsert or a delete fully replaces what came before), so a batch
    // touching one subscription many times writes it once.
    const announced = new Map<string, Map<string, CallerEvent>>();
    const logged = new Array<LoggedEvent>(events.length);

    for (let i = 0; i < events.length; i++) {
      const { callerId, event: raw } = events[i]!;
      let event: CallerEvent;
      try {
        event = toCallerEvent(raw);
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        throw new InvalidCallerEventError(`append: event ${i} for caller ${callerId} is not a CallerEvent: ${why}`);
      }
      const sequence = (last.get(callerId) ?? lastSequence(callerId)) + 1;
      last.set(callerId, sequence);
      s.insert.run(callerId, sequence, timeMs, JSON.stringify(event));
      let perCaller = announced.get(callerId);
      if (perCaller === undefined) announced.set(callerId, (perCaller = new Map()));
      perCaller.set(event.serviceId, event);
      logged[i] = { callerId, sequence, timeMs, event };
    }

    for (const [callerId, sequence] of last) {
      s.setCounter.run(callerId, sequence);
      // Retention: a seek on the primary key that usually deletes nothing or
      // the one event that just fell out of the window.
      const cutoff = sequence - retention;
      if (cutoff > 0) s.prune.run(callerId, cutoff);
    }
    for (const [callerId, perCaller] of announced) {
      for (const [serviceId, event] of perCaller) {
        if (event.kind === "status_change") s.announce.run(callerId, serviceId, event.status, event.sinceMs);
        else s.unannounce.run(callerId, serviceId);
      }
    }
    return logged;
  });

  // position reads two tables; one read transaction keeps them consistent
  // even if another connection writes in between.
  const positionTx = db.transaction((callerId: string): LogPosition => {
    const last = lastSequence(callerId);
    const first = s.firstRetained.get(callerId) ?? null;
    return { lastSequence: last, firstRetained: first ?? last + 1 };
  });

  const dropTx = db.transaction((callerId: string) => {
    s.dropEvents.run(callerId);
    s.dropAnnounced.run(callerId);
  });

  return {
    append(events, timeMs) {
      if (typeof timeMs !== "number" || !Number.isFinite(timeMs)) {
        throw new RangeError(`append: timeMs must be a finite number, got ${timeMs}`);
      }
      if (events.length === 0) return guard("append", () => []);
      // IMMEDIATE takes the write lock up front, so a concurrent reader
      // connection cannot make the transaction fail half-way with SQLITE_BUSY.
      return guard("append", () => {
        const last = new Map<string, number>();
        const logged = appendTx.immediate(events, timeMs, last);
        for (const [callerId, sequence] of last) lastSequences.set(callerId, sequence);
        return logged;
      });
    },

    read(callerId, afterSequence, limit) {
      return guard("read", () => {
        const max = Math.min(Math.floor(limit), Number.MAX_SAFE_INTEGER);
        if (!(max > 0)) return [];
        const rows = s.read.all(callerId, afterSequence, max);
        return rows.map((row): LoggedEvent => {
          let event: CallerEvent;
          try {
            event = decodeCallerEvent(row.payload);
          } catch (err) {
            const why = err instanceof Error ? err.message : String(err);
            throw new EventLogFileError(path, `caller ${callerId} sequence ${row.sequence}: invalid event: ${why}`, {
              cause: err,
            });
          }
          return { callerId, sequence: row.sequence, timeMs: row.time_ms, event };
        });
      });
    },

    position(callerId) {
      return guard("position", () => positionTx(callerId));
    },

    announcedFor(callerId) {
      return guard("announcedFor", () => s.announcedFor.all(callerId).map(toEntry));
    },

    announcedAll() {
      return guard("announcedAll", () => s.announcedAll.all().map(toEntry));
    },

    forgetAnnounced(callerId, serviceId) {
      guard("forgetAnnounced", () => s.unannounce.run(callerId, serviceId));
    },

    dropCaller(callerId) {
      guard("dropCaller", () => dropTx.immediate(callerId));
    },

    close() {
      if (closed) return;
      closed = true;
      try {
        // Fold the WAL into the main file so the data directory is one
        // self-contained events.db after a clean stop. Best effort: every
        // commit is already in the WAL, and SQLite replays it on next open,
        // so a checkpoint that cannot run (a reader holds it) loses nothing.
        db.pragma("optimize");
        db.pragma("wal_checkpoint(TRUNCATE)");
      } catch {
        // See above: nothing is lost; the next open recovers from the WAL.
      } finally {
        db.close();
      }
    },
  };
}
