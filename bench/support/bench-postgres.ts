import { randomBytes } from "node:crypto";
import pg from "pg";
import { findPostgresBinaries, startPostgresCluster } from "../../test/support/postgres-cluster.js";

/**
 * A PostgreSQL server for the store scenario: the one named by
 * `MONITOR_BENCH_POSTGRES_URL` when set (the bench creates databases
 * `bench_<hex>` on it and leaves them), else a throwaway cluster started by
 * the tests' harness (test/support/postgres-cluster.ts) in a temporary
 * directory on a loopback port with fsync on, since the figures are of
 * durable writes; stopped and removed afterwards.
 */
export interface BenchPostgres {
  /** For the log: where it runs, never a password. */
  readonly description: string;
  /** Creates an empty database and returns its URL, for one server's --database (one server per database). */
  newDatabase(): Promise<string>;
  stop(): Promise<void>;
}

/** Why no database can be had, or undefined when one can. */
export function benchPostgresMissing(): string | undefined {
  const given = process.env["MONITOR_BENCH_POSTGRES_URL"];
  if (given !== undefined && given !== "") return undefined;
  return findPostgresBinaries() === undefined
    ? "no PostgreSQL binaries (initdb, pg_ctl) found, and MONITOR_BENCH_POSTGRES_URL is not set"
    : undefined;
}

/** How many ports a cluster start tries before giving up. */
const PORT_ATTEMPTS = 3;

/**
 * Starts (or names) the database. `nextPort` gives ports nobody listens on
 * outside the ephemeral range: a port the kernel handed out (the harness's
 * default) may be taken by one of the bench's own outgoing connections
 * before the postmaster binds it, which happened with 10,000 listeners and
 * 64 clients in the run. A port taken anyway is retried with the next one.
 */
export async function startBenchPostgres(nextPort: () => number): Promise<BenchPostgres> {
  const given = process.env["MONITOR_BENCH_POSTGRES_URL"];
  if (given !== undefined && given !== "") {
    return { description: hideSecrets(given), newDatabase: () => createDatabase(given), stop: async () => {} };
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const cluster = await startPostgresCluster({ durable: true, port: nextPort() });
      return {
        description: `${hideSecrets(cluster.url)} (throwaway cluster in ${cluster.dir}, fsync on)`,
        newDatabase: () => createDatabase(cluster.url),
        stop: () => cluster.stop(),
      };
    } catch (error) {
      if (attempt === PORT_ATTEMPTS || !String(error).includes("Address already in use")) throw error;
    }
  }
}

/** CREATE DATABASE bench_<hex> through `url`'s server; the new database's URL. */
async function createDatabase(url: string): Promise<string> {
  const name = `bench_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => undefined);
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** The URL without its password, for logs. */
function hideSecrets(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable URL)";
  }
}
