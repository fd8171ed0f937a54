/**
 * A PostgreSQL database for the store scenario: the one named by
 * `MONITOR_BENCH_POSTGRES_URL` when set (left as it is afterwards: it must be
 * empty, the server creates its schema), else a throwaway cluster started by
 * the tests' harness (test/support/postgres-cluster.ts) in a temporary
 * directory on a loopback port, stopped and removed afterwards.
 */
export interface BenchPostgres {
  /** What the server is given as --database. */
  readonly url: string;
  /** For the log: where it runs, never a password. */
  readonly description: string;
  stop(): Promise<void>;
}

/** The part of the tests' cluster harness the bench uses. */
interface ClusterModule {
  startPostgresCluster(options?: { readonly dir?: string }): Promise<{ readonly url: string; stop(): Promise<void> }>;
}

/** Where the tests' harness lives, relative to this file; imported when first needed, not at load. */
const CLUSTER_MODULE = "../../test/support/postgres-cluster.js";

/** Starts (or names) the database; `dir` is a fresh directory the cluster may live in. */
export async function startBenchPostgres(dir: string): Promise<BenchPostgres> {
  const given = process.env["MONITOR_BENCH_POSTGRES_URL"];
  if (given !== undefined && given !== "") {
    return { url: given, description: hideSecrets(given), stop: async () => {} };
  }
  let cluster: ClusterModule;
  try {
    cluster = (await import(CLUSTER_MODULE)) as ClusterModule;
  } catch (error) {
    throw new Error(`PostgreSQL: cannot load ${CLUSTER_MODULE} (set MONITOR_BENCH_POSTGRES_URL instead)`, { cause: error });
  }
  const started = await cluster.startPostgresCluster({ dir });
  return { url: started.url, description: hideSecrets(started.url), stop: () => started.stop() };
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
