import { findPostgresBinaries, startPostgresCluster } from "../../test/support/postgres-cluster.js";

/**
 * A PostgreSQL database for the store scenario: the one named by
 * `MONITOR_BENCH_POSTGRES_URL` when set (left as it is afterwards: it should
 * be empty, the server creates its schema), else a throwaway cluster started
 * by the tests' harness (test/support/postgres-cluster.ts) in a temporary
 * directory on a loopback port with fsync on, since the figures are of
 * durable writes; stopped and removed afterwards.
 */
export interface BenchPostgres {
  /** What the server is given as --database. */
  readonly url: string;
  /** For the log: where it runs, never a password. */
  readonly description: string;
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
    return { url: given, description: hideSecrets(given), stop: async () => {} };
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const cluster = await startPostgresCluster({ durable: true, port: nextPort() });
      return { url: cluster.url, description: `${hideSecrets(cluster.url)} (throwaway cluster in ${cluster.dir}, fsync on)`, stop: () => cluster.stop() };
    } catch (error) {
      if (attempt === PORT_ATTEMPTS || !String(error).includes("Address already in use")) throw error;
    }
  }
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
