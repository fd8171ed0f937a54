import { resolve } from "node:path";
import Database from "better-sqlite3";
import type { LoggedEvent } from "../domain/types.js";
import { foldAnnouncedEffect, type AnnouncedEffect } from "./announced-effect.js";
import { openSqliteStoreDatabase } from "./open-sqlite-store-database.js";
import { callerEventToJson, decodeCallerEvent, toCallerEvent } from "./caller-event-codec.js";
import { retentionPerCaller } from "./retention.js";
import { sqliteStoreError } from "./sqlite-store-error.js";
import { createProbeTextDecoder, decodeObservation } from "./sqlite-store-rows.js";
import { prepareSqliteStoreStatements } from "./sqlite-store-statements.js";
import {
  alertRuleColumns,
  createServiceDecoder,
  decodeAnnounced,
  decodeCaller,
  decodeEvent,
  decodeOutage,
  decodeSubscription,
  encodeHttpDetails,
  encodeProbe,
  RowError,
} from "./store-rows.js";
import { StoreError, type Store, type StoreContents, type StoreOp } from "./store.js";

export interface SqliteStoreOptions {
  /** The database file (normally `<data-dir>/monitor.db`), or ":memory:" for tests. */
  readonly path: string;
  /** How many of each caller's most recent events to keep; older ones are deleted as new ones are appended. */
  readonly retentionPerCaller?: number;
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
  const retention = retentionPerCaller(options.retentionPerCaller);
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

  const s = prepareSqliteStoreStatements(db);

  /**
   * What a run of append_event ops leaves to do once per caller and per
   * subscription rather than once per event: a check tick appends thousands
   * of events, often several to one caller, and only the caller's highest
   * sequence decides its counter and pruning, and a subscription's events
   * fold into one effect on its announced row (announced-effect.ts: the
   * status from status changes, alerting from availability events, a delete
   * from subscription_ended). Flushed before any op that reads or writes the
   * same rows, so the ops still take effect in their order.
   */
  const pendingSequences = new Map<string, number>();
  const pendingAnnounced = new Map<string, Map<string, AnnouncedEffect>>();

  function flushAppends(): void {
    for (const [callerId, sequence] of pendingSequences) {
      s.raiseCounter.run(callerId, sequence);
      // A seek on the primary key that usually deletes nothing, or the one
      // event that just fell out of the window.
      const cutoff = sequence - retention;
      if (cutoff > 0) s.prune.run(callerId, cutoff);
    }
    for (const [callerId, perCaller] of pendingAnnounced) {
      for (const [serviceId, effect] of perCaller) {
        if (effect.kind === "delete") {
          s.deleteAnnounced.run(callerId, serviceId);
        } else if (effect.status !== undefined && effect.alerting !== undefined) {
          s.putAnnounced.run(callerId, serviceId, effect.status.status, effect.status.sinceMs, effect.alerting ? 1 : 0);
        } else if (effect.status !== undefined) {
          s.announceStatus.run(callerId, serviceId, effect.status.status, effect.status.sinceMs);
        } else if (effect.alerting !== undefined) {
          s.announceAlerting.run(callerId, serviceId, effect.alerting ? 1 : 0);
        }
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
    s.insertEvent.run(callerId, sequence, timeMs, JSON.stringify(callerEventToJson(event)));
    if (sequence > (pendingSequences.get(callerId) ?? 0)) pendingSequences.set(callerId, sequence);
    let perCaller = pendingAnnounced.get(callerId);
    const effect = foldAnnouncedEffect(perCaller?.get(event.serviceId), event);
    if (effect === undefined) return;
    if (perCaller === undefined) pendingAnnounced.set(callerId, (perCaller = new Map()));
    perCaller.set(event.serviceId, effect);
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
          v.pausedAt ?? null,
        );
        return;
      }
      case "delete_service":
        s.deleteObservation.run(op.serviceId);
        s.deleteService.run(op.serviceId);
        return;
      case "put_caller":
        s.putCaller.run(op.caller.id, op.caller.displayName, op.caller.createdAt, op.caller.managedBy ?? null, op.caller.tokenHash ?? null);
        return;
      case "delete_caller":
        flushAppends();
        s.deleteCallerEvents.run(op.callerId);
        s.deleteCallerAnnounced.run(op.callerId);
        s.deleteCaller.run(op.callerId);
        return;
      case "put_subscription": {
        const v = op.subscription;
        s.putSubscription.run(v.callerId, v.serviceId, v.pollingIntervalMs, v.gracePeriodMs, v.managedBy ?? null, ...alertRuleColumns(v));
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
        s.putObservation.run(
          op.serviceId,
          v.status,
          v.sinceMs,
          v.lastCheckAt ?? null,
          v.lastLatencyMs,
          v.detail,
          encodeHttpDetails(v.http),
          v.note ?? null,
        );
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
        s.putAnnounced.run(callerId, serviceId, announced.status, announced.sinceMs, announced.alerting === true ? 1 : 0);
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
      services: s.allServices.all().map(createServiceDecoder(createProbeTextDecoder())),
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
        return s.readEvents.all(callerId, afterSequence, max).map((row) => decodeEvent(callerId, row, decodeCallerEvent));
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
