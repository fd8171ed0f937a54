import { join } from "node:path";
import { acquireDataDirLock } from "./data-dir-lock.js";
import type { HistoryStore } from "./history-store.js";
import { hasLegacyData, importLegacyDataDir, isEmptyStore } from "./import-legacy-data-dir.js";
import { openPostgresHistoryStore } from "./postgres-history-store.js";
import { openPostgresStore, type PostgresReconnect } from "./postgres-store.js";
import { openSqliteHistoryStore } from "./sqlite-history-store.js";
import { openSqliteStore } from "./sqlite-store.js";
import type { StoreLock } from "./store-lock.js";
import type { Store, StoreContents } from "./store.js";
import { validateStoreContents } from "./validate-store-contents.js";

export interface ServerStoreOptions {
  readonly dataDir: string;
  /** A `postgres://` URL; the embedded SQLite store at `<dataDir>/monitor.db` when absent. */
  readonly databaseUrl?: string | undefined;
  /** Events kept per caller; the store's default when absent. */
  readonly retentionPerCaller?: number | undefined;
  readonly log: (message: string) => void;
  /** The PostgreSQL lock session was lost: another server may now take the database over. */
  readonly onLockLost: (error: unknown) => void;
  /** PostgreSQL only: reconnect after an outage instead of losing the store for good. */
  readonly reconnect?: PostgresReconnect | undefined;
}

/** The history (issue 11) as the server owns it: in the main store's database, closed before the main store. */
export interface ServerHistoryStore extends HistoryStore {
  readonly description: string;
  close(): Promise<void>;
}

export interface ServerStore {
  readonly store: Store;
  /** Check history, status changes and rollups, on a connection (or pool) of its own. */
  readonly history: ServerHistoryStore;
  /** Released by the server's close, after the store is closed. */
  readonly lock: StoreLock;
  /** What the store held at start, checked like RPC input. */
  readonly contents: StoreContents;
}

/**
 * Opens the server's one store, owned for the process's lifetime: the data
 * directory's lock before SQLite's file is touched, or PostgreSQL's advisory
 * lock (taken by the store itself). A data directory of the previous version
 * (registry.json + events.db) is imported into a new store first — into
 * monitor.db, or into an empty PostgreSQL database when one is given. What
 * is loaded is validated like RPC input. The history opens last, in the same
 * database. Any failure closes what was opened and throws an error naming
 * the store and what to do.
 */
export async function openServerStore(options: ServerStoreOptions): Promise<ServerStore> {
  const { store, lock, dataDirLocked } = await openLocked(options);
  let history: ServerHistoryStore | undefined;
  try {
    let contents = await store.load();
    if (dataDirLocked || hasLegacyData(options.dataDir)) {
      // On PostgreSQL (an upgrade straight onto it) the data dir is locked
      // only while its old files are imported and renamed.
      const imported = await withDataDirLock(options.dataDir, dataDirLocked, () =>
        importLegacyDataDir({ dataDir: options.dataDir, store, storeIsEmpty: isEmptyStore(contents), log: options.log }),
      );
      if (imported === "imported") contents = await store.load();
    }
    validateStoreContents(contents, store.description);
    // After the main store: on SQLite it has checked and migrated the file
    // the history's tables go into; on PostgreSQL it holds the lock.
    history = await openHistory(options);
    return { store, lock, contents, history };
  } catch (error) {
    await history?.close().catch(() => {});
    await store.close().catch(() => {});
    await lock.release();
    throw error;
  }
}

/** The store and the lock that makes it this server's: PostgreSQL's own, or the data directory's for SQLite. */
async function openLocked(options: ServerStoreOptions): Promise<{ store: Store; lock: StoreLock; dataDirLocked: boolean }> {
  const retention = options.retentionPerCaller === undefined ? {} : { retentionPerCaller: options.retentionPerCaller };
  if (options.databaseUrl !== undefined) {
    const store = await openPostgresStore({ url: options.databaseUrl, onLockLost: options.onLockLost,
      ...(options.reconnect === undefined ? {} : { reconnect: options.reconnect }),
      ...retention,
    });
    return { store, lock: { resource: store.description, release: () => store.close() }, dataDirLocked: false };
  }
  // Before SQLite's file is touched: a second server must not even open it.
  const lock = await acquireDataDirLock(options.dataDir);
  try {
    const store = await openSqliteStore({ path: join(options.dataDir, "monitor.db"), ...retention });
    return { store, lock, dataDirLocked: true };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

function openHistory(options: ServerStoreOptions): Promise<ServerHistoryStore> {
  if (options.databaseUrl !== undefined) return openPostgresHistoryStore({ url: options.databaseUrl });
  return openSqliteHistoryStore({ path: join(options.dataDir, "monitor.db") });
}

async function withDataDirLock<T>(dataDir: string, held: boolean, fn: () => Promise<T>): Promise<T> {
  if (held) return fn();
  const lock = await acquireDataDirLock(dataDir);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
