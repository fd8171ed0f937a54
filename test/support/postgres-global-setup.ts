import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import {
  findPostgresBinaries,
  freeLoopbackPort,
  startPostgresCluster,
  stopPostgresClusterSync,
  type PostgresCluster,
} from "./postgres-cluster.js";

/** What the PostgreSQL tests of this run connect to, handed to the workers with `provide`. */
export type TestPostgres =
  /** A cluster given by MONITOR_TEST_POSTGRES_URL (CI starts one in .ci/run). */
  | { readonly kind: "given"; readonly url: string }
  /** This run's own cluster, ready once `statusDir` holds `ready` (or `failed`, with the error). */
  | { readonly kind: "starting"; readonly url: string; readonly statusDir: string }
  /** None: the tests fail (under CI) or skip, saying why. */
  | { readonly kind: "missing"; readonly reason: string };

declare module "vitest" {
  export interface ProvidedContext {
    monitorTestPostgres: TestPostgres;
  }
}

/**
 * Vitest global setup: where the PostgreSQL tests find a cluster.
 * - MONITOR_TEST_POSTGRES_URL set: that one (a superuser URL; each test
 *   creates and drops a database of its own on it).
 * - unset under CI: none, and every PostgreSQL test fails saying so (CI must
 *   run them for real, not skip them).
 * - unset locally, with initdb and pg_ctl installed: a throwaway cluster of
 *   this run's own. It starts in the background (about 1.5 s), so a run of
 *   tests that never touch PostgreSQL does not wait for it; testDatabaseUrl()
 *   waits for it to be ready.
 * - otherwise: none, and the PostgreSQL tests skip with the reason.
 */
export default async function postgresGlobalSetup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const given = process.env["MONITOR_TEST_POSTGRES_URL"];
  if (given !== undefined && given !== "") {
    project.provide("monitorTestPostgres", { kind: "given", url: given });
    return undefined;
  }
  if (process.env["CI"] !== undefined && process.env["CI"] !== "") {
    project.provide("monitorTestPostgres", {
      kind: "missing",
      reason: "MONITOR_TEST_POSTGRES_URL is not set; under CI the PostgreSQL tests must run (.ci/run starts a cluster)",
    });
    return undefined;
  }
  const binDir = findPostgresBinaries();
  if (binDir === undefined) {
    project.provide("monitorTestPostgres", {
      kind: "missing",
      reason: "no PostgreSQL: set MONITOR_TEST_POSTGRES_URL=postgres://USER@HOST:PORT/postgres, or install PostgreSQL (initdb, pg_ctl)",
    });
    return undefined;
  }

  const dir = mkdtempSync(join(tmpdir(), "monitor-pg-"));
  const statusDir = mkdtempSync(join(tmpdir(), "monitor-pg-status-"));
  const port = await freeLoopbackPort();
  project.provide("monitorTestPostgres", { kind: "starting", url: `postgres://postgres@127.0.0.1:${port}/postgres`, statusDir });
  // A run killed before its teardown must not leave a postmaster behind.
  const onExit = (): void => stopPostgresClusterSync(dir, binDir);
  process.once("exit", onExit);
  const starting: Promise<PostgresCluster | undefined> = startPostgresCluster({ binDir, dir, port }).then(
    (cluster) => {
      writeFileSync(join(statusDir, "ready"), cluster.url);
      return cluster;
    },
    (err: unknown) => {
      writeFileSync(join(statusDir, "failed"), err instanceof Error ? err.message : String(err));
      return undefined;
    },
  );
  return async () => {
    const cluster = await starting;
    await cluster?.stop();
    process.off("exit", onExit);
    rmSync(dir, { recursive: true, force: true });
    rmSync(statusDir, { recursive: true, force: true });
  };
}
