import { resolve } from "node:path";
import Database from "better-sqlite3";
import type { CallerEvent, LoggedEvent } from "../domain/types.js";
import { openSqliteStoreDatabase } from "./open-sqlite-store-database.js";
import { decodeCallerEvent, toCallerEvent } from "./sqlite-event-codec.js";
import { sqliteStoreError } from "./sqlite-store-error.js";
import {
  ANNOUNCED_COLUMNS,
  CALLER_COLUMNS,
  COUNTER_COLUMNS,
  createServiceDecoder,
  decodeAnnounced,
  decodeCaller,
  decodeObservation,
  decodeOutage,
  decodeSubscription,
  encodeProbe,
  OBSERVATION_COLUMNS,
  OUTAGE_COLUMNS,
  RowError,
  SERVICE_COLUMNS,
  SUBSCRIPTION_COLUMNS,
  type AnnouncedRow,
  type CallerRow,
  type CounterRow,
  type ObservationRow,
  type OutageRow,
  type ServiceRow,
  type SubscriptionRow,
} from "./sqlite-store-rows.js";
import { StoreError, type Store, type StoreContents, type StoreOp } from "./store.js";

/** Events kept per caller unless told otherwise (watch stream rule 3). */
export const DEFAULT_RETENTION_PER_CALLER = 10_000;

export interface SqliteStoreOptions {
  /** The database file (normally `<data-dir>/monitor.db`), or ":memory:" for tests. */
  readonly path: string;
  /** How many of each caller's most recent events to keep; older ones are deleted as new ones are appended. */
  readonly retentionPerCaller?: number;
}

interface EventRow {
  sequence: number;
  time_ms: number;
  payload: string;
}

/**
 * The embedded store: one SQLite file through better-sqlite3, which is
 * synchronous, so every method has finished (a write committed and fsynced)
 * when its promise is created; the promises only fit the asynchronous Store
 * interface that PostgreSQL needs.
 *
 * Rejects with StoreError when the file cannot be trusted or opened (see
 * openSqliteStoreDatabase). One process owns the file (the data-dir lock);
 * SQLite's own locking keeps a backup or the sqlite3 shell from corrupting it.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const retention = options.retentionPerCaller ?? DEFAULT_RETENTION_PER_CALLER;
  if (!Number.isSafeInteger(retention) || retention < 1) {
    throw new RangeError(`retentionPerCaller must be a positive integer, got ${retention}`);
  }
  const path = options.path;
  const name = path === ":memory:" ? "sqlite :memory:" : `sqlite ${resolve(path)}`;
  const db = openSqliteStoreDatabase(path, name);
  try {
    return createSqliteStore(db, name, retention);
  } catch (err) {
    db.close();
    // The schema says version 1 but a statement of version 1 does not
    // prepare (a table or column dropped by hand): the file is not what it claims.
    const mapped = sqliteStoreError(name, "prepare", err);
    if (mapped instanceof StoreError) throw mapped;
    throw new StoreError(
      "corrupt",
      `${name}: the schema does not match its version (${err instanceof Error ? err.message : String(err)}); ` +
        "restore the file from a backup",
      { cause: err },
    );
  }
}

function createSqliteStore(db: Database.Database, name: string, retention: number): Store {
  let closed = false;

  // Every statement is prepared once, here: preparing costs far more than
  // running, and a check tick runs thousands of them.
  const s = {
    putService: db.prepare<[string, string, number, string, number, number, number, string | null, string | null]>(
      `INSERT INTO services (id, host, port, display_name, check_interval_ms, check_timeout_ms, created_at_ms, probe, managed_by)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET host = excluded.host, port = excluded.port, display_name = excluded.display_name,
         check_interval_ms = excluded.check_interval_ms, check_timeout_ms = excluded.check_timeout_ms,
         created_at_ms = excluded.created_at_ms, probe = excluded.probe, managed_by = excluded.managed_by`,
    ),
    deleteService: db.prepare<[string]>("DELETE FROM services WHERE id = ?"),
    putCaller: db.prepare<[string, string, number, string | null]>(
      `INSERT INTO callers (id, display_name, created_at_ms, managed_by) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, created_at_ms = excluded.created_at_ms,
         managed_by = excluded.managed_by`,
    ),
    deleteCaller: db.prepare<[string]>("DELETE FROM callers WHERE id = ?"),
    putSubscription: db.prepare<[string, string, number, number, string | null]>(
      `INSERT INTO subscriptions (caller_id, service_id, polling_interval_ms, grace_period_ms, managed_by) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (caller_id, service_id) DO UPDATE SET polling_interval_ms = excluded.polling_interval_ms,
         grace_period_ms = excluded.grace_period_ms, managed_by = excluded.managed_by`,
    ),
    deleteSubscription: db.prepare<[string, string]>("DELETE FROM subscriptions WHERE caller_id = ? AND service_id = ?"),
    putOutage: db.prepare<[string, string, number, number, string, string | null]>(
      `INSERT INTO outages (id, service_id, start_ms, end_ms, reason, managed_by) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET service_id = excluded.service_id, start_ms = excluded.start_ms,
         end_ms = excluded.end_ms, reason = excluded.reason, managed_by = excluded.managed_by`,
    ),
    deleteOutage: db.prepare<[string]>("DELETE FROM outages WHERE id = ?"),
    putObservation: db.prepare<[string, string, number, number | null, number, string]>(
      `INSERT INTO observations (service_id, status, since_ms, last_check_at_ms, last_latency_ms, detail) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (service_id) DO UPDATE SET status = excluded.status, since_ms = excluded.since_ms,
         last_check_at_ms = excluded.last_check_at_ms, last_latency_ms = excluded.last_latency_ms, detail = excluded.detail`,
    ),
    deleteObservation: db.prepare<[string]>("DELETE FROM observations WHERE service_id = ?"),
    insertEvent: db.prepare<[string, number, number, string]>(
      "INSERT INTO events (caller_id, sequence, time_ms, payload) VALUES (?, ?, ?, ?)",
    ),
    // max(): a counter is never lowered, by an event or by an import.
    raiseCounter: db.prepare<[string, number]>(
      `INSERT INTO caller_counters (caller_id, last_sequence) VALUES (?, ?)
       ON CONFLICT (caller_id) DO UPDATE SET last_sequence = max(last_sequence, excluded.last_sequence)`,
    ),
    prune: db.prepare<[string, number]>("DELETE FROM events WHERE caller_id = ? AND sequence <= ?"),
    putAnnounced: db.prepare<[string, string, string, number]>(
      `INSERT INTO announced (caller_id, service_id, status, since_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT (caller_id, service_id) DO UPDATE SET status = excluded.status, since_ms = excluded.since_ms`,
    ),
    deleteAnnounced: db.prepare<[string, string]>("DELETE FROM announced WHERE caller_id = ? AND service_id = ?"),
    deleteCallerEvents: db.prepare<[string]>("DELETE FROM events WHERE caller_id = ?"),
    deleteCallerAnnounced: db.prepare<[string]>("DELETE FROM announced WHERE caller_id = ?"),
    readEvents: db.prepare<[string, number, number], EventRow>(
      `SELECT sequence, time_ms, payload FROM events
       WHERE caller_id = ? AND sequence > ? ORDER BY sequence LIMIT ?`,
    ),
    firstRetained: db.prepare<[string], number | null>("SELECT min(sequence) FROM events WHERE caller_id = ?").pluck(),
    allServices: db.prepare<[], ServiceRow>(`SELECT ${SERVICE_COLUMNS} FROM services`).raw(),
    allCallers: db.prepare<[], CallerRow>(`SELECT ${CALLER_COLUMNS} FROM callers`).raw(),
    allSubscriptions: db.prepare<[], SubscriptionRow>(`SELECT ${SUBSCRIPTION_COLUMNS} FROM subscriptions`).raw(),
    allOutages: db.prepare<[], OutageRow>(`SELECT ${OUTAGE_COLUMNS} FROM outages`).raw(),
    allObservations: db.prepare<[], ObservationRow>(`SELECT ${OBSERVATION_COLUMNS} FROM observations`).raw(),
    allAnnounced: db.prepare<[], AnnouncedRow>(`SELECT ${ANNOUNCED_COLUMNS} FROM announced`).raw(),
    allCounters: db.prepare<[], CounterRow>(`SELECT ${COUNTER_COLUMNS} FROM caller_counters`).raw(),
  };

  /**
   * What a run of append_event ops leaves to do once per caller and per
   * subscription rather than once per event: a check tick appends thousands
   * of events, often several to one caller, and only the caller's highest
   * sequence decides its counter and pruning, only the last event of a
   * subscription its announced state (an upsert or a delete replaces what
   * came before). Flushed before any op that reads or writes the same rows,
   * so the ops still take effect in their order.
   */
  const pendingSequences = new Map<string, number>();
  const pendingAnnounced = new Map<string, Map<string, CallerEvent>>();

  function flushAppends(): void {
    for (const [callerId, sequence] of pendingSequences) {
      s.raiseCounter.run(callerId, sequence);
      // A seek on the primary key that usually deletes nothing, or the one
      // event that just fell out of the window.
      const cutoff = sequence - retention;
      if (cutoff > 0) s.prune.run(callerId, cutoff);
    }
    for (const [callerId, perCaller] of pendingAnnounced) {
      for (const [serviceId, event] of perCaller) {
        if (event.kind === "status_change") s.putAnnounced.run(callerId, serviceId, event.status, event.sinceMs);
        else s.deleteAnnounced.run(callerId, serviceId);
      }
    }
    pendingSequences.clear();
    pendingAnnounced.clear();
  }

  function appendEvent(logged: LoggedEvent): void {
    const { callerId, sequence, timeMs } = logged;
    if (!Number.isSafeInteger(sequence) || sequence < 1) {
      throw new RangeError(`sequence must be a positive integer, got ${sequence}`);
    }
    if (!Number.isFinite(timeMs)) throw new RangeError(`timeMs must be a finite number, got ${timeMs}`);
    // Copies the known fields and refuses a value that is not a CallerEvent,
    // so a bad event fails this write instead of every later read of the log.
    const event = toCallerEvent(logged.event);
    s.insertEvent.run(callerId, sequence, timeMs, JSON.stringify(event));
    if (sequence > (pendingSequences.get(callerId) ?? 0)) pendingSequences.set(callerId, sequence);
    let perCaller = pendingAnnounced.get(callerId);
    if (perCaller === undefined) pendingAnnounced.set(callerId, (perCaller = new Map()));
    perCaller.set(event.serviceId, event);
  }

  function apply(op: StoreOp): void {
    switch (op.kind) {
      case "put_service": {
        const v = op.service;
        s.putService.run(
          v.id,
          v.host,
          v.port,
          v.displayName,
          v.checkIntervalMs,
          v.checkTimeoutMs,
          v.createdAt,
          encodeProbe(v.probe),
          v.managedBy ?? null,
        );
        return;
      }
      case "delete_service":
        s.deleteObservation.run(op.serviceId);
        s.deleteService.run(op.serviceId);
        return;
      case "put_caller":
        s.putCaller.run(op.caller.id, op.caller.displayName, op.caller.createdAt, op.caller.managedBy ?? null);
        return;
      case "delete_caller":
        flushAppends();
        s.deleteCallerEvents.run(op.callerId);
        s.deleteCallerAnnounced.run(op.callerId);
        s.deleteCaller.run(op.callerId);
        return;
      case "put_subscription": {
        const v = op.subscription;
        s.putSubscription.run(v.callerId, v.serviceId, v.pollingIntervalMs, v.gracePeriodMs, v.managedBy ?? null);
        return;
      }
      case "delete_subscription":
        s.deleteSubscription.run(op.callerId, op.serviceId);
        return;
      case "put_outage": {
        const v = op.outage;
        s.putOutage.run(v.id, v.serviceId, v.startMs, v.endMs, v.reason, v.managedBy ?? null);
        return;
      }
      case "delete_outage":
        s.deleteOutage.run(op.outageId);
        return;
      case "append_event":
        appendEvent(op.event);
        return;
      case "put_observation": {
        const v = op.observation;
        s.putObservation.run(op.serviceId, v.status, v.sinceMs, v.lastCheckAt ?? null, v.lastLatencyMs, v.detail);
        return;
      }
      case "set_last_sequence":
        if (!Number.isSafeInteger(op.lastSequence) || op.lastSequence < 0) {
          throw new RangeError(`lastSequence must be a non-negative integer, got ${op.lastSequence}`);
        }
        flushAppends();
        s.raiseCounter.run(op.callerId, op.lastSequence);
        return;
      case "put_announced": {
        flushAppends();
        const { callerId, serviceId, announced } = op.entry;
        s.putAnnounced.run(callerId, serviceId, announced.status, announced.sinceMs);
        return;
      }
    }
  }

  const writeTx = db.transaction((ops: readonly StoreOp[]) => {
    try {
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i]!;
        try {
          apply(op);
        } catch (err) {
          // Name the op: "write: op 2 of 3 (put_subscription): FOREIGN KEY constraint failed".
          const what = `write: op ${i + 1} of ${ops.length} (${op.kind})`;
          if (err instanceof Database.SqliteError) throw sqliteStoreError(name, what, err);
          throw new Error(`${name}: ${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        }
      }
      flushAppends();
    } finally {
      // A failed write must not leave its appends for the next one.
      pendingSequences.clear();
      pendingAnnounced.clear();
    }
  });

  /** Load reads seven tables; one read transaction makes them one snapshot. */
  const loadTx = db.transaction(
    (): StoreContents => ({
      services: s.allServices.all().map(createServiceDecoder()),
      callers: s.allCallers.all().map(decodeCaller),
      subscriptions: s.allSubscriptions.all().map(decodeSubscription),
      outages: s.allOutages.all().map(decodeOutage),
      observations: s.allObservations.all().map(decodeObservation),
      announced: s.allAnnounced.all().map(decodeAnnounced),
      sequences: s.allCounters.all().map(([callerId, lastSequence]) => ({ callerId, lastSequence })),
    }),
  );

  /** Runs `fn` on an open store, turning what it throws into what the Store contract promises. */
  function guard<T>(what: string, fn: () => T): T {
    if (closed) throw new StoreError("unavailable", `${name}: ${what}: the store is closed`);
    try {
      return fn();
    } catch (err) {
      if (err instanceof RowError) throw new StoreError("corrupt", `${name}: ${what}: ${err.message}`, { cause: err });
      throw sqliteStoreError(name, what, err);
    }
  }

  return {
    description: name,

    async load() {
      return guard("load", () => loadTx());
    },

    async write(ops) {
      if (ops.length === 0) return guard("write", () => undefined);
      // IMMEDIATE takes the write lock up front, so another connection (a
      // backup) cannot make the transaction fail half-way with SQLITE_BUSY.
      guard("write", () => writeTx.immediate(ops));
    },

    async readEvents(callerId, afterSequence, limit) {
      return guard("readEvents", () => {
        const max = Math.min(Math.floor(limit), Number.MAX_SAFE_INTEGER);
        if (!(max > 0)) return [];
        return s.readEvents.all(callerId, afterSequence, max).map((row): LoggedEvent => {
          let event: CallerEvent;
          try {
            event = decodeCallerEvent(row.payload);
          } catch (err) {
            const why = err instanceof Error ? err.message : String(err);
            throw new RowError(
              `table events, caller_id ${JSON.stringify(callerId)} sequence ${row.sequence}: payload is not an event: ${why}`,
              { cause: err },
            );
          }
          return { callerId, sequence: row.sequence, timeMs: row.time_ms, event };
        });
      });
    },

    async firstRetained(callerId) {
      return guard("firstRetained", () => s.firstRetained.get(callerId) ?? undefined);
    },

    async close() {
      if (closed) return;
      closed = true;
      try {
        // Fold the WAL into the main file so a cleanly stopped data dir is
        // one self-contained monitor.db. Best effort: every commit is already
        // fsynced in the WAL, which the next open replays.
        db.pragma("optimize");
        db.pragma("wal_checkpoint(TRUNCATE)");
      } catch {
        // See above: nothing is lost.
      } finally {
        db.close();
      }
    },
  };
}
