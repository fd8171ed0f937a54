import pg from "pg";
import { postgresStoreError } from "./postgres-store-error.js";
import type { PostgresTarget } from "./postgres-target.js";
import { StoreLockedError, type StoreLock } from "./store-lock.js";
import { StoreError } from "./store.js";

/**
 * One server per database: a session-level advisory lock, held by a
 * connection of its own for the store's lifetime. PostgreSQL drops the lock
 * when that session ends, so a crashed server frees the database by itself
 * (no stale lock file to clear), and a second server's pg_try_advisory_lock
 * fails at once instead of waiting.
 *
 * Losing the session (the database restarted, an operator ran
 * pg_terminate_backend, the network dropped it) means another server may take
 * the database over, so it is fatal for this one: `onLost` is told once, and
 * `fence` lets every write transaction check, inside the transaction, that
 * the session still holds the lock, so no write commits after the loss even
 * before the server has shut down. A half-open connection the client has not
 * noticed yet still holds the lock on the server side, so the fence stays
 * right then too; TCP keepalive makes the client notice eventually.
 */
export interface PostgresSessionLock extends StoreLock {
  /** The lock session's backend pid. */
  readonly backendPid: number;
  /**
   * A query that returns one row while the lock session holds the lock and
   * none once it is gone. Plain SQL (no parameters), to ride in the same
   * round trip as BEGIN.
   */
  readonly fenceSql: string;
  /** Why the lock was lost, once it was; undefined while it is held. */
  lost(): StoreError | undefined;
  /**
   * Records a loss found by the fence (and tells `onLost`, once). `message`
   * replaces the lost-lock wording for other reasons this server must stop.
   */
  markLost(why: string, message?: string): StoreError;
  /**
   * After a loss (with `reconnects`): ends the lost session and takes the
   * lock on a new one. Writes stay refused until `restore`. Throws
   * StoreLockedError when another session holds the lock now, a StoreError
   * when the database cannot be reached yet.
   */
  reacquire(): Promise<void>;
  /** The store was found to match memory after `reacquire`: writes may go on. */
  restore(): void;
}

/** ("SMON", 1): the two int4 halves of the one-server advisory lock key. */
export const SERVER_LOCK_KEY = [0x534d4f4e, 1] as const;

/** The name every connection of this process gives itself: the lock message reads it back. */
export function applicationName(pid: number, host: string): string {
  // PostgreSQL keeps 63 bytes of it.
  return `service-monitor pid ${pid} on ${host}`.slice(0, 63);
}

export interface TakeSessionLockOptions {
  readonly target: PostgresTarget;
  /** Connection settings for the lock's own session. */
  readonly clientConfig: pg.ClientConfig;
  readonly onLost: (error: StoreError) => void;
  /**
   * The store will reconnect after a loss (reacquire), so a loss is an
   * outage, told once per outage, not the end of this server.
   */
  readonly reconnects?: boolean;
}

interface Holder {
  pid: number;
  application_name: string | null;
  client_addr: string | null;
  backend_start: Date | null;
}

/**
 * Connects and takes the lock. Throws StoreLockedError naming the database
 * (and who holds it, as far as pg_stat_activity tells this role) when another
 * session has it, or a StoreError when the database cannot be reached.
 */
export async function takePostgresSessionLock(options: TakeSessionLockOptions): Promise<PostgresSessionLock> {
  const { target, onLost } = options;
  let releasing = false;
  let lostError: StoreError | undefined;

  function markLost(why: string, message?: string): StoreError {
    if (lostError !== undefined) return lostError;
    // Reconnecting, the wording for a stop does not apply: the check after
    // reconnecting decides whether this server must stop.
    const wording =
      options.reconnects === true
        ? `${target.description}: lost the session holding the one-server lock (${why}); reconnecting`
        : (message ??
          `${target.description}: lost the session holding the one-server lock (${why}); ` +
            "another server may take the database over, so this one must stop");
    lostError = new StoreError("unavailable", target.redact(wording));
    const error = lostError;
    queueMicrotask(() => onLost(error));
    return error;
  }

  let session = await connectAndLock(options, (client, why) => {
    // Only the current session's loss counts: a replaced one ends on purpose.
    if (!releasing && client === session.client) markLost(why);
  });
  const watch = (client: pg.Client, why: string): void => {
    if (!releasing && client === session.client) markLost(why);
  };

  return {
    resource: target.description,
    get backendPid() {
      return session.backendPid;
    },
    get fenceSql() {
      return fenceSqlFor(session.backendPid);
    },
    lost: () => lostError,
    markLost,
    async reacquire() {
      if (lostError === undefined || releasing) return;
      const old = session.client;
      await old.end().catch(() => undefined);
      session = await connectAndLock(options, watch);
      if (releasing) await session.client.end().catch(() => undefined);
    },
    restore() {
      if (!releasing) lostError = undefined;
    },
    async release() {
      if (releasing) return;
      releasing = true;
      // Ending the session releases the lock; an unlock first would only
      // open a window in which this process has no lock but still a pool.
      await session.client.end().catch(() => undefined);
    },
  };
}

function fenceSqlFor(backendPid: number): string {
  return (
    "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted" +
    ` AND classid = ${SERVER_LOCK_KEY[0]} AND objid = ${SERVER_LOCK_KEY[1]} AND objsubid = 2 AND pid = ${backendPid}` +
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
  );
}

/** A new session holding the lock; `onGone` hears it fail or end (not before it is returned). */
async function connectAndLock(
  options: TakeSessionLockOptions,
  onGone: (client: pg.Client, why: string) => void,
): Promise<{ client: pg.Client; backendPid: number }> {
  const { target } = options;
  const client = new pg.Client(options.clientConfig);
  let ready = false;
  // Without an 'error' listener a lost connection would crash the process.
  client.on("error", (err) => {
    if (ready) onGone(client, err.message);
  });
  client.on("end", () => {
    if (ready) onGone(client, "the connection ended");
  });
  try {
    await client.connect();
    const taken = await client.query<{ locked: boolean; pid: number }>(
      "SELECT pg_try_advisory_lock($1, $2) AS locked, pg_backend_pid() AS pid",
      [...SERVER_LOCK_KEY],
    );
    const row = taken.rows[0]!;
    if (!row.locked) throw await refusal(client, target);
    ready = true;
    return { client, backendPid: row.pid };
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err instanceof StoreLockedError ? err : postgresStoreError(target, "open", err);
  }
}

async function refusal(client: pg.Client, target: PostgresTarget): Promise<StoreLockedError> {
  // Best effort: a role without pg_read_all_stats sees other roles' sessions
  // without their details, and the holder may be gone by now.
  const holders = await client
    .query<Holder>(
      `SELECT a.pid, a.application_name, host(a.client_addr) AS client_addr, a.backend_start
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [...SERVER_LOCK_KEY],
    )
    .then((result) => result.rows)
    .catch(() => [] as Holder[]);
  const holder = holders[0];
  const serverPid = /^service-monitor pid (\d+)/.exec(holder?.application_name ?? "")?.[1];
  const who =
    holder === undefined
      ? ""
      : ` (${holder.application_name || `backend pid ${holder.pid}`}` +
        `${holder.client_addr === null ? "" : `, connected from ${holder.client_addr}`}` +
        `${holder.backend_start === null ? "" : ` since ${holder.backend_start.toISOString()}`})`;
  return new StoreLockedError(
    `another server is using ${target.description}${who}; stop it or give this server a database of its own`,
    target.description,
    serverPid === undefined ? undefined : Number(serverPid),
  );
}
