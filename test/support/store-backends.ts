import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { describe, onTestFinished, type OnTestFinishedHandler } from "vitest";
import { SERVER_LOCK_KEY } from "../../server/store/postgres-session-lock.js";
import { startLiveMonitor, type LiveMonitor } from "./live-monitor.js";
import { describePostgres, dropTestDatabase, testDatabaseUrl } from "./postgres.js";

/**
 * The two stores the server can run on, for integration tests whose body must
 * hold on both: `forEachBackend((backend) => { it(...) })` runs the same tests
 * once on SQLite (`<data-dir>/monitor.db`) and once on PostgreSQL
 * (`--database`, a database of each test's own). The PostgreSQL half comes
 * from describePostgres: it fails under CI when there is no cluster, and
 * skips elsewhere with the reason.
 */
export interface StoreBackend {
  readonly name: "sqlite" | "postgres";
  /**
   * An empty store for the current test, removed when it finishes. A
   * concurrent test passes its context's `onTestFinished` (vitest cannot tell
   * concurrent tests apart in the global one).
   */
  freshStore(onFinished?: OnTestFinished): Promise<TestStore>;
}

/** vitest's onTestFinished: the global one, or a concurrent test's own from its context. */
export type OnTestFinished = (fn: OnTestFinishedHandler) => void;

/** One test's store: what a server needs to be started on it, again and again. */
export interface TestStore {
  readonly backend: StoreBackend["name"];
  /** The server's --data-dir (on PostgreSQL it holds nothing of the store, but the flag is always given). */
  readonly dataDir: string;
  /** Arguments that put the server on this store, besides --data-dir. */
  readonly serverArgs: readonly string[];
  /**
   * Resolves once a killed server no longer holds the store, so the next one
   * can open it. SQLite's data-dir lock goes with the process; PostgreSQL's
   * advisory lock goes when the server notices the dead client's session
   * ended, a moment later.
   */
  released(): Promise<void>;
}

const sqlite: StoreBackend = {
  name: "sqlite",
  async freshStore(onFinished = onTestFinished) {
    const dataDir = tempDataDir(onFinished);
    return { backend: "sqlite", dataDir, serverArgs: [], released: async () => {} };
  },
};

const postgres: StoreBackend = {
  name: "postgres",
  async freshStore(onFinished = onTestFinished) {
    const dataDir = tempDataDir(onFinished);
    const url = await testDatabaseUrl();
    // After the test's own afterEach hooks have stopped its servers; FORCE ends any session left.
    onFinished(() => dropTestDatabase(url));
    return { backend: "postgres", dataDir, serverArgs: ["--database", url], released: () => lockReleased(url) };
  },
};

function tempDataDir(onFinished: OnTestFinished): string {
  const dataDir = mkdtempSync(join(tmpdir(), "monitor-backend-"));
  onFinished(() => rmSync(dataDir, { recursive: true, force: true }));
  return dataDir;
}

/** Polls pg_locks until no session holds the one-server lock of the database at `url`. */
async function lockReleased(url: string, timeoutMs = 15_000): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => undefined);
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query<{ held: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
           AND classid = $1 AND objid = $2 AND objsubid = 2
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS held`,
        [...SERVER_LOCK_KEY],
      );
      if (rows[0]?.held !== true) return;
      if (Date.now() > deadline) throw new Error(`the killed server's lock on ${new URL(url).pathname} was still held after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await client.end();
  }
}

/**
 * Declares `fn`'s tests twice: in "on SQLite" and in "on PostgreSQL". Each
 * test gets its store from `backend.freshStore()`.
 */
export function forEachBackend(fn: (backend: StoreBackend) => void): void {
  describe("on SQLite", () => fn(sqlite));
  describePostgres("on PostgreSQL", () => fn(postgres));
}

/**
 * The compiled server on `store` with the two clients of {@link LiveMonitor}.
 * Waits for the store to be free first, so a restart after SIGKILL just works.
 */
export async function startMonitorOn(store: TestStore, extraArgs: readonly string[] = []): Promise<LiveMonitor> {
  await store.released();
  return startLiveMonitor({ dataDir: store.dataDir, args: [...store.serverArgs, ...extraArgs] });
}
