/**
 * Exclusive ownership of a store by one server process, for that process's
 * lifetime. Two servers writing one store silently lose acknowledged writes
 * (each rewrites what the other wrote), so a server takes its store's lock
 * before opening anything and refuses to start without it.
 *
 * The data directory's lock is a file (`data-dir-lock.ts`); the PostgreSQL
 * store holds an advisory lock on a session of its own (`postgres-store.ts`).
 * Both look like this to startServer.
 */
export interface StoreLock {
  /** What is locked, for logs: e.g. the lock file's path. */
  readonly resource: string;
  /** Gives the store up. Idempotent; never throws. */
  release(): Promise<void>;
}

/** Another live process holds the store: the server must not start on it. */
export class StoreLockedError extends Error {
  override readonly name = "StoreLockedError";

  constructor(
    message: string,
    /** What could not be locked (a directory, a database). */
    readonly resource: string,
    /** The holder's pid, when the lock says. */
    readonly holderPid: number | undefined,
  ) {
    super(message);
  }
}
