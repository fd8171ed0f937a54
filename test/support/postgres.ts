import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, inject } from "vitest";
import { SERVER_LOCK_KEY } from "../../server/store/postgres-session-lock.js";
import type { TestPostgres } from "./postgres-global-setup.js";

/**
 * Fresh PostgreSQL databases for tests, on the cluster the global setup
 * found or started (postgres-global-setup.ts). Each test (or suite) gets a
 * database of its own, so tests run in parallel and leave nothing behind.
 */

function testPostgres(): TestPostgres {
  let provided: TestPostgres | undefined;
  try {
    provided = inject("monitorTestPostgres");
  } catch {
    // Outside a vitest worker: fall back to the environment.
  }
  if (provided !== undefined) return provided;
  const url = process.env["MONITOR_TEST_POSTGRES_URL"];
  if (url !== undefined && url !== "") return { kind: "given", url };
  return { kind: "missing", reason: "MONITOR_TEST_POSTGRES_URL is not set and the PostgreSQL global setup did not run" };
}

/** Waits for this run's own cluster to be up (it starts in the background); the given URL at once. */
async function clusterUrl(): Promise<string> {
  const target = testPostgres();
  switch (target.kind) {
    case "given":
      return target.url;
    case "missing":
      throw new Error(`PostgreSQL tests cannot run: ${target.reason}`);
    case "starting": {
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (existsSync(join(target.statusDir, "ready"))) return target.url;
        const failed = join(target.statusDir, "failed");
        if (existsSync(failed)) throw new Error(`the test PostgreSQL cluster did not start: ${readFileSync(failed, "utf8")}`);
        if (Date.now() > deadline) throw new Error("the test PostgreSQL cluster did not start within 60 s");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Runs `sql` on the cluster's maintenance database. */
async function onCluster(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates an empty database `t_<random>` and returns its URL (same credentials as the cluster's). */
export async function testDatabaseUrl(): Promise<string> {
  const url = await clusterUrl();
  const name = `t_${randomBytes(8).toString("hex")}`;
  await onCluster(url, `CREATE DATABASE ${name}`);
  return withDatabase(url, name);
}

/** Drops a database made by testDatabaseUrl, closing whatever sessions are still in it. */
export async function dropTestDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!/^t_[0-9a-f]{16}$/.test(name)) throw new Error(`not a test database: ${name}`);
  await onCluster(await clusterUrl(), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/** The reason PostgreSQL tests cannot run here, or undefined when they can. */
export function postgresUnavailableReason(): string | undefined {
  const target = testPostgres();
  return target.kind === "missing" ? target.reason : undefined;
}

/**
 * `describe` for tests that need PostgreSQL. Without a cluster they fail
 * under CI (collecting the file throws) and skip elsewhere, with the reason
 * in the suite's name.
 */
export function describePostgres(name: string, fn: () => void): void {
  const reason = postgresUnavailableReason();
  if (reason === undefined) {
    describe(name, fn);
    return;
  }
  if (process.env["CI"] !== undefined && process.env["CI"] !== "") throw new Error(`${name}: ${reason}`);
  describe.skip(`${name} (skipped: ${reason})`, fn);
}

/** Runs `fn` on a connection of its own (another session, or the operator), closed afterwards. */
export async function asAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The backend pids holding the one-server lock on `url`'s database. */
export async function lockHolders(url: string): Promise<number[]> {
  return asAdmin(url, async (client) => {
    const result = await client.query<{ pid: number }>(
      `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1 AND objid = $2 AND objsubid = 2
       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [...SERVER_LOCK_KEY],
    );
    return result.rows.map((row) => row.pid);
  });
}
