import { hostname } from "node:os";
import pg from "pg";
import type { LoggedEvent, Millis } from "../domain/types.js";
import { reconnectDelayMs } from "./reconnect-backoff.js";
import { AVAILABLE, nextAvailability, type StoreAvailability } from "./store-availability.js";
import { planOpRuns } from "./postgres-op-runs.js";
import { applicationName, takePostgresSessionLock, type PostgresSessionLock } from "./postgres-session-lock.js";
import { StoreLockedError } from "./store-lock.js";
import { postgresStoreError } from "./postgres-store-error.js";
import { decodeCounter, decodeEvent, decodeObservation, decodeService } from "./postgres-store-rows.js";
import { applyMigrations } from "./postgres-store-schema.js";
import { parsePostgresTarget, type PostgresTarget } from "./postgres-target.js";
import { withClient } from "./postgres-with-client.js";
import { statementForRun } from "./postgres-write-statements.js";
import { retentionPerCaller } from "./retention.js";
import {
  ANNOUNCED_COLUMNS,
  CALLER_COLUMNS,
  COUNTER_COLUMNS,
  EVENT_COLUMNS,
  OBSERVATION_COLUMNS,
  OUTAGE_COLUMNS,
  RowError,
  SERVICE_COLUMNS,
  SUBSCRIPTION_COLUMNS,
  decodeAnnounced,
  decodeCaller,
  decodeOutage,
  decodeSubscription,
  type AnnouncedRow,
  type CallerRow,
  type CounterRow,
  type EventRow,
  type ObservationRow,
  type OutageRow,
  type ServiceRow,
  type SubscriptionRow,
} from "./store-rows.js";
import { StoreError, type Store, type StoreContents, type StoreOp } from "./store.js";

export interface PostgresStoreOptions {
  /** `postgres://user[:password]@host[:port]/database[?…]`; the password never reaches a log. */
  readonly url: string;
  /** How many of each caller's most recent events to keep; older ones are deleted on append. */
  readonly retentionPerCaller?: number;
  /**
   * Told once when the session holding the one-server lock is lost, with a
   * StoreError("unavailable") saying so. Another server may then take the
   * database over, so the server should log it and shut down; meanwhile
   * every write is refused with that error.
   */
  readonly onLockLost?: (error: StoreError) => void;
  /** Pooled connections for writes and reads, besides the lock's own. Default 4. */
  readonly maxConnections?: number;
  /** How long connecting may take before it fails `unavailable`. Default 10 s. */
  readonly connectTimeoutMs?: number;
  /**
   * Reconnect after the lock's session is lost (the database stopped or
   * restarted) instead of staying lost: `onLockLost` then means "unavailable
   * for now", told once per outage.
   */
  readonly reconnect?: PostgresReconnect;
}

export interface PostgresReconnect {
  /**
   * With the lock taken again, what the store holds: undefined when it
   * matches what this server wrote, else what differs (fatal).
   */
  verify(contents: StoreContents): string | undefined;
  /** Each failed attempt, and the outage's end. */
  onAvailability(state: StoreAvailability): void;
  /** Another server holds the lock now, or the store no longer matches memory: this server must stop. */
  onFatal(error: StoreError): void;
  readonly now: () => Millis;
  /** [0, 1) for the backoff's jitter; Math.random when absent. */
  readonly random?: () => number;
}

/** Statement results the driver hands back: one per statement of a multi-statement simple query. */
type Results = pg.QueryResult | pg.QueryResult[];

/** int8 (bigint: sequences, counts) as a number; the row decoders check it fitted. */
const types = new pg.TypeOverrides();
types.setTypeParser(pg.types.builtins.INT8, (text: string) => Number(text));

/**
 * The store on PostgreSQL (node-postgres). Opening takes the one-server lock
 * on a session of its own (StoreLockedError if another server has it), then
 * creates or migrates the schema (postgres-store-schema.ts). Writes run on
 * pooled connections, one transaction each, one at a time; their ops are
 * grouped into one multi-row statement per run of a kind
 * (postgres-op-runs.ts), so a write's round trips do not grow with its ops.
 *
 * A connection lost while running fails the write or read using it
 * (`unavailable`) and is replaced on the next; losing the lock's session is
 * fatal instead (see `onLockLost`).
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const retention = retentionPerCaller(options.retentionPerCaller);
  const target = parsePostgresTarget(options.url);
  const clientConfig: pg.ClientConfig = {
    connectionString: options.url,
    application_name: applicationName(process.pid, hostname()),
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    types,
  };
  const onLockLost = options.onLockLost ?? (() => undefined);
  const { reconnect } = options;
  // Set once the store exists: a loss starts its reconnect loop.
  let startReconnecting: ((error: StoreError) => void) | undefined;
  const lock = await takePostgresSessionLock({
    target,
    clientConfig,
    reconnects: reconnect !== undefined,
    onLost: (error) => {
      onLockLost(error);
      startReconnecting?.(error);
    },
  });
  const pool = new pg.Pool({ ...clientConfig, max: options.maxConnections ?? 4, idleTimeoutMillis: 30_000 });
  // An idle pooled connection that dies is dropped by the pool and replaced
  // on the next use; without a listener its 'error' would crash the process.
  pool.on("error", () => undefined);
  try {
    await withClient(pool, target, "open", (client) => applyMigrations(client, target.description));
  } catch (err) {
    await pool.end().catch(() => undefined);
    await lock.release();
    throw err;
  }
  const store = createPostgresStore({ target, pool, lock, retention });
  if (reconnect !== undefined) startReconnecting = reconnectLoop(store, lock, reconnect);
  return store;
}

/**
 * The outage loop: after backoff, take the lock on a new session, load the
 * store and compare it with memory; any failure waits longer and tries again.
 * Another server holding the lock, or a store that differs, is fatal.
 */
function reconnectLoop(store: Store & { closed(): boolean }, lock: PostgresSessionLock, reconnect: PostgresReconnect) {
  let state: StoreAvailability = AVAILABLE;
  let running = false;
  const random = reconnect.random ?? Math.random;

  async function attempt(): Promise<"recovered" | "fatal" | string> {
    try {
      await lock.reacquire();
      const difference = reconnect.verify(await store.load());
      if (difference !== undefined) {
        reconnect.onFatal(
          new StoreError(
            "unavailable",
            `${store.description}: after reconnecting, the store no longer matches this server's memory (${difference}); ` +
              "another server wrote it meanwhile, or a COMMIT whose outcome was unknown did commit: stopping (a restart reloads it)",
          ),
        );
        return "fatal";
      }
      lock.restore();
      return "recovered";
    } catch (error) {
      if (error instanceof StoreLockedError) {
        reconnect.onFatal(new StoreError("unavailable", `${store.description}: after reconnecting: ${error.message}`, { cause: error }));
        return "fatal";
      }
      if (error instanceof StoreError && error.kind === "unavailable") return error.message;
      reconnect.onFatal(new StoreError("unavailable", `${store.description}: reconnecting: ${String(error)}`, { cause: error }));
      return "fatal";
    }
  }

  async function loop(): Promise<void> {
    for (;;) {
      const attempts = state.kind === "unavailable" ? state.attempts : 0;
      await new Promise((resolve) => setTimeout(resolve, reconnectDelayMs(attempts, random())).unref?.());
      if (store.closed()) return;
      const outcome = await attempt();
      if (outcome === "fatal" || store.closed()) return;
      if (outcome === "recovered") {
        state = nextAvailability(state, { kind: "recovered" }, reconnect.now());
        reconnect.onAvailability(state);
        // A loss during the check (its own connection broke) restarts the loop.
        if (lock.lost() === undefined) return;
        state = nextAvailability(state, { kind: "lost", reason: lock.lost()!.message }, reconnect.now());
        reconnect.onAvailability(state);
        continue;
      }
      state = nextAvailability(state, { kind: "attempt_failed", reason: outcome }, reconnect.now());
      reconnect.onAvailability(state);
    }
  }

  return (error: StoreError): void => {
    state = nextAvailability(state, { kind: "lost", reason: error.message }, reconnect.now());
    if (running) return;
    running = true;
    reconnect.onAvailability(state);
    void loop().finally(() => (running = false));
  };
}

interface StoreParts {
  readonly target: PostgresTarget;
  readonly pool: pg.Pool;
  readonly lock: PostgresSessionLock;
  readonly retention: number;
}

function createPostgresStore({ target, pool, lock, retention }: StoreParts): Store & { closed(): boolean } {
  const { description } = target;
  let closing: Promise<void> | undefined;
  /** The write in flight, if any: writes queue behind it, close waits for it. */
  let tail: Promise<unknown> = Promise.resolve();

  const refuseIfClosed = (what: string): void => {
    if (closing !== undefined) throw new StoreError("unavailable", `${description}: ${what}: the store is closed`);
  };

  async function writeNow(ops: readonly StoreOp[]): Promise<void> {
    const lost = lock.lost();
    if (lost !== undefined) throw lost;
    if (ops.length === 0) return;
    // Built before a connection is taken: a bad op (a NaN, an event that is
    // not a CallerEvent) is refused without touching the database.
    const statements = planOpRuns(ops).map((run) => statementForRun(run, retention));
    await withClient(pool, target, "write", async (client) => {
      const begun = (await client.query(`BEGIN; ${lock.fenceSql}`)) as Results;
      const fence = Array.isArray(begun) ? begun[1] : begun;
      if (fence === undefined || fence.rowCount !== 1) throw lock.markLost("it no longer holds the lock");
      for (const statement of statements) await client.query(statement);
      try {
        await client.query("COMMIT");
      } catch (err) {
        // The connection broke during COMMIT: the batch may or may not have
        // committed, so memory can no longer be trusted to match the
        // database. Fatal, like a lost lock: the server stops, and a
        // restart reloads what is really there.
        if (!(err instanceof pg.DatabaseError)) {
          throw lock.markLost(
            "commit outcome unknown",
            `${description}: the connection broke during a COMMIT, whose outcome is unknown; ` +
              "memory may no longer match the database, so this server must stop (a restart reloads it)",
          );
        }
        throw err;
      }
    });
  }

  async function load(): Promise<StoreContents> {
    refuseIfClosed("load");
    return withClient(pool, target, "load", async (client) => {
      // One snapshot for every table, so the contents agree with each other.
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      // Rows as arrays, in the column order store-rows.ts decodes.
      const q = async <R extends unknown[]>(text: string): Promise<R[]> => (await client.query<R>({ text, rowMode: "array" })).rows;
      const services = await q<ServiceRow<unknown>>(`SELECT ${SERVICE_COLUMNS} FROM services ORDER BY id`);
      const callers = await q<CallerRow>(`SELECT ${CALLER_COLUMNS} FROM callers ORDER BY id`);
      const subscriptions = await q<SubscriptionRow>(`SELECT ${SUBSCRIPTION_COLUMNS} FROM subscriptions ORDER BY caller_id, service_id`);
      const outages = await q<OutageRow>(`SELECT ${OUTAGE_COLUMNS} FROM outages ORDER BY id`);
      const observations = await q<ObservationRow<unknown>>(`SELECT ${OBSERVATION_COLUMNS} FROM observations ORDER BY service_id`);
      const announced = await q<AnnouncedRow>(`SELECT ${ANNOUNCED_COLUMNS} FROM announced ORDER BY caller_id, service_id`);
      const counters = await q<CounterRow>(`SELECT ${COUNTER_COLUMNS} FROM caller_counters ORDER BY caller_id`);
      await client.query("COMMIT");
      return decoded(() => ({
        services: services.map(decodeService),
        callers: callers.map(decodeCaller),
        subscriptions: subscriptions.map(decodeSubscription),
        outages: outages.map(decodeOutage),
        observations: observations.map(decodeObservation),
        announced: announced.map(decodeAnnounced),
        sequences: counters.map(decodeCounter),
      }));
    });
  }

  /** A row that does not decode means the database cannot be trusted. */
  function decoded<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof RowError) throw new StoreError("corrupt", `${description}: ${err.message}`, { cause: err });
      throw err;
    }
  }

  /** Rows as arrays, in the order of the SELECT's columns, as load() reads them. */
  async function query<R extends unknown[]>(what: string, config: pg.QueryConfig): Promise<R[]> {
    refuseIfClosed(what);
    try {
      return (await pool.query<R>({ ...config, rowMode: "array" })).rows;
    } catch (err) {
      throw postgresStoreError(target, what, err);
    }
  }

  return {
    description,
    load,
    closed: () => closing !== undefined,

    write(ops) {
      // Checked when called: a write accepted before close() still runs.
      if (closing !== undefined) return Promise.reject(new StoreError("unavailable", `${description}: write: the store is closed`));
      const done = tail.then(() => writeNow(ops));
      tail = done.catch(() => undefined);
      return done;
    },

    async readEvents(callerId, afterSequence, limit) {
      const max = Math.min(Math.floor(limit), Number.MAX_SAFE_INTEGER);
      if (!(max > 0)) return [];
      const rows = await query<EventRow<unknown>>("readEvents", {
        name: "monitor_read_events",
        text: `SELECT ${EVENT_COLUMNS} FROM events
               WHERE caller_id = $1 AND sequence > $2 ORDER BY sequence LIMIT $3`,
        values: [callerId, Math.max(0, Math.floor(afterSequence)), max],
      });
      return decoded(() => rows.map((row): LoggedEvent => decodeEvent(callerId, row)));
    },

    async firstRetained(callerId) {
      const rows = await query<[first: number | null]>("firstRetained", {
        name: "monitor_first_retained",
        text: "SELECT min(sequence) AS first FROM events WHERE caller_id = $1",
        values: [callerId],
      });
      return rows[0]?.[0] ?? undefined;
    },

    close() {
      closing ??= (async () => {
        // Let the write in flight (and those queued behind it) finish first.
        await tail;
        await pool.end().catch(() => undefined);
        await lock.release();
      })();
      return closing;
    },
  };
}
