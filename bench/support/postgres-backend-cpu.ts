import { readFileSync } from "node:fs";
import pg from "pg";
import { readCpuSeconds } from "./process-stats.js";

/**
 * CPU used by PostgreSQL on the bench's behalf, read from /proc (so only
 * for a server on this machine): the backends serving the bench's
 * connections to one database, found in pg_stat_activity once a second
 * (pooled connections come and go, so each backend is counted from when it
 * was first seen; a backend that ends between two polls loses at most its
 * last second), and every process of the cluster (the postmaster, every
 * backend, the WAL writer, checkpointer, background writer: all the bench's
 * in a throwaway cluster, anyone's on a shared server). The meter's own
 * connection is left out of both; one small query a second is its cost.
 */
export interface PostgresCpuMeter {
  /** CPU seconds so far: the database's backends (not the meter's own), and the whole cluster. */
  read(): { backends: number; cluster: number };
  stop(): Promise<void>;
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

function cpuOr(pid: number, fallback: number): number {
  try {
    return readCpuSeconds(pid);
  } catch {
    return fallback;
  }
}

export async function startPostgresCpuMeter(url: string, pollMs = 1000): Promise<PostgresCpuMeter> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => undefined);
  await client.connect();
  const own = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
  const postmaster = parentOf(own);
  if (postmaster === undefined) {
    await client.end();
    throw new Error("PostgreSQL CPU: the server's processes are not visible in /proc (not on this machine?)");
  }
  /** pid → [CPU when first seen, CPU last seen]. */
  const backends = new Map<number, [number, number]>();
  const cluster = new Map<number, [number, number]>();
  const track = (into: Map<number, [number, number]>, pid: number): void => {
    const seen = into.get(pid);
    if (seen === undefined) {
      const now = cpuOr(pid, Number.NaN);
      if (!Number.isNaN(now)) into.set(pid, [now, now]);
    } else seen[1] = cpuOr(pid, seen[1]);
  };
  let polling: Promise<void> = Promise.resolve();
  const poll = async (): Promise<void> => {
    // Every process of the cluster but the postmaster is a row here (backend_type says which), ours included.
    const rows = (
      await client.query<{ pid: number; ours: boolean }>(
        "SELECT pid, datname IS NOT DISTINCT FROM current_database() AS ours FROM pg_stat_activity WHERE pid <> pg_backend_pid()",
      )
    ).rows;
    for (const { pid, ours } of rows) {
      track(cluster, pid);
      if (ours) track(backends, pid);
    }
    track(cluster, postmaster);
  };
  await poll();
  const timer = setInterval(() => {
    polling = polling.then(poll).catch(() => undefined);
  }, pollMs);
  const sum = (map: Map<number, [number, number]>): number => [...map.values()].reduce((total, [first, last]) => total + last - first, 0);
  return {
    read() {
      // The newest readings of every process already seen (a poll may be a second old).
      for (const pid of backends.keys()) track(backends, pid);
      for (const pid of cluster.keys()) track(cluster, pid);
      return { backends: sum(backends), cluster: sum(cluster) };
    },
    async stop() {
      clearInterval(timer);
      await polling;
      await client.end().catch(() => undefined);
    },
  };
}
