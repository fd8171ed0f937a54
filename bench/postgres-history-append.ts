/**
 * How the PostgreSQL history store's append costs (issue 11): a batch of
 * 10,000 check results, as the history writer hands it over at 10,000
 * checks/s, written the store's way (one `unnest` INSERT … WITH ORDINALITY)
 * and, for comparison, as multi-row INSERT … VALUES (chunked: a statement
 * takes at most 65,535 parameters, 8 columns → 8,191 rows); then the bytes
 * each row takes on disk (pg_total_relation_size: heap, TOAST and indexes)
 * and the plans of the queries that must stay index-bound.
 *
 *   npx tsx --conditions=source bench/postgres-history-append.ts [--batches 10] [--rows 10000]
 *
 * Uses MONITOR_TEST_POSTGRES_URL's cluster when set (a superuser URL; a
 * database of its own is created and dropped), else starts a throwaway one
 * with fsync on (durable figures; the store commits history with
 * synchronous_commit off, so fsync is not on its path either way).
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import pg from "pg";
import type { CheckRecord, HistoryRecord } from "../server/domain/history-types.js";
import { openPostgresHistoryStore } from "../server/store/postgres-history-store.js";
import { recordColumns } from "../server/store/postgres-history-rows.js";
import { startPostgresCluster } from "../test/support/postgres-cluster.js";

const { values: args } = parseArgs({ options: { batches: { type: "string", default: "10" }, rows: { type: "string", default: "10000" } } });
const BATCHES = Number(args.batches);
const ROWS = Number(args.rows);
const SERVICES = 1_000;
const T0 = 1_700_000_040_000;

/** A realistic mix: 1,000 services (ids as the registry makes them), 1 in 20 HTTP checks, 1 in 50 down. */
const serviceIds = Array.from({ length: SERVICES }, () => `svc_${randomBytes(8).toString("hex")}`);
function batch(n: number): HistoryRecord[] {
  const records: HistoryRecord[] = [];
  for (let i = 0; i < ROWS; i++) {
    const k = n * ROWS + i;
    const down = k % 50 === 0;
    const record: CheckRecord = {
      kind: "check",
      serviceId: serviceIds[k % SERVICES]!,
      at: T0 + Math.floor(k / SERVICES) * 1_000 + (k % SERVICES),
      status: down ? "down" : "up",
      latencyMs: 0.2 + (k % 997) / 100,
      detail: down ? "connection refused" : "",
      inOutage: false,
      maxSpanMs: 3_000,
      ...(k % 20 === 0
        ? { http: { statusCode: down ? 503 : 200, phases: { dnsMs: 0.1, connectMs: 0.3, tlsMs: 0, firstByteMs: 2.5, totalMs: 3.1 }, tlsExpiresAt: undefined, captures: [], namedCaptures: {} } }
        : {}),
    };
    records.push(record);
  }
  return records;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const given = process.env["MONITOR_TEST_POSTGRES_URL"];
const cluster = given === undefined || given === "" ? await startPostgresCluster({ durable: true }) : undefined;
const clusterUrl = cluster?.url ?? given!;
const dbName = `bench_${randomBytes(6).toString("hex")}`;
const admin = new pg.Client({ connectionString: clusterUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const url = Object.assign(new URL(clusterUrl), { pathname: `/${dbName}` }).toString();

try {
  const history = await openPostgresHistoryStore({ url });
  const client = new pg.Client({ connectionString: url });
  await client.connect();

  // Warm-up: prepares the statement on a pooled connection, fills the caches.
  await history.append(batch(1_000), []);
  const unnestMs: number[] = [];
  for (let n = 0; n < BATCHES; n++) {
    const records = batch(n);
    const t = performance.now();
    await history.append(records, []);
    unnestMs.push(performance.now() - t);
  }

  // The same rows as multi-row VALUES, one transaction, chunks of ≤ 65,535 parameters.
  const valuesMs: number[] = [];
  const perStatement = Math.floor(65_535 / 8);
  for (let n = 0; n < BATCHES; n++) {
    const records = batch(BATCHES + n);
    const t = performance.now();
    const columns = recordColumns(records);
    await client.query("BEGIN; SET LOCAL synchronous_commit = off");
    for (let start = 0; start < records.length; start += perStatement) {
      const count = Math.min(perStatement, records.length - start);
      const params: unknown[] = [];
      const tuples: string[] = [];
      for (let r = 0; r < count; r++) {
        const base = params.length;
        for (const column of columns) params.push(column[start + r]);
        tuples.push(`($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}, $${base + 5}, $${base + 6}, $${base + 7}, $${base + 8}::jsonb)`);
      }
      await client.query(
        `INSERT INTO check_results (service_id, at_ms, status, latency_ms, detail, in_outage, max_span_ms, http) VALUES ${tuples.join(", ")}`,
        params,
      );
    }
    await client.query("COMMIT");
    valuesMs.push(performance.now() - t);
  }

  // The server's share of one batch: the store's statement under EXPLAIN ANALYZE (rolled back).
  const columns = recordColumns(batch(2 * BATCHES));
  await client.query("BEGIN");
  const analyzed = await client.query(
    `EXPLAIN (ANALYZE, FORMAT JSON) INSERT INTO check_results (service_id, at_ms, status, latency_ms, detail, in_outage, max_span_ms, http)
      SELECT service_id, at_ms, status, latency_ms, detail, in_outage, max_span_ms, http
      FROM unnest($1::text[], $2::float8[], $3::text[], $4::float8[], $5::text[], $6::bool[], $7::float8[], $8::jsonb[])
        WITH ORDINALITY AS r(service_id, at_ms, status, latency_ms, detail, in_outage, max_span_ms, http, n)
      ORDER BY n`,
    columns,
  );
  await client.query("ROLLBACK");
  const serverMs = (analyzed.rows[0] as { "QUERY PLAN": [{ "Execution Time": number }] })["QUERY PLAN"][0]["Execution Time"];

  await client.query("VACUUM ANALYZE check_results");
  const size = (
    await client.query<{ rows: string; total: string; heap: string; indexes: string }>(
      `SELECT (SELECT count(*) FROM check_results) AS rows, pg_total_relation_size('check_results') AS total,
              pg_relation_size('check_results') AS heap, pg_indexes_size('check_results') AS indexes`,
    )
  ).rows[0]!;
  const indexes = (
    await client.query<{ name: string; bytes: string }>(
      `SELECT indexrelid::regclass::text AS name, pg_relation_size(indexrelid) AS bytes FROM pg_index WHERE indrelid = 'check_results'::regclass ORDER BY 1`,
    )
  ).rows;
  const rows = Number(size.rows);
  const perRow = (bytes: string): string => (Number(bytes) / rows).toFixed(1);

  const plan = async (sql: string, params: unknown[]): Promise<string> =>
    (await client.query(`EXPLAIN (COSTS OFF) ${sql}`, params)).rows.map((r: Record<string, string>) => r["QUERY PLAN"]).join("\n    ");
  const sid = serviceIds[7]!;
  const plans = {
    "listRecords page (keyset)": await plan(
      "SELECT * FROM check_results WHERE service_id = $1 AND at_ms >= $2 AND at_ms < $3 AND (at_ms, id) < ($4, $5) ORDER BY at_ms DESC, id DESC LIMIT 100",
      [sid, 0, T0 * 2, T0 + 50_000, 1e9],
    ),
    "stats: unrolled rows": await plan("SELECT * FROM check_results WHERE service_id = $1 AND id > $2 ORDER BY id", [sid, rows - 10_000]),
    "prune": await plan("DELETE FROM check_results WHERE id = ANY(ARRAY(SELECT id FROM check_results WHERE at_ms < $1 LIMIT $2))", [
      T0 + 10_000,
      1_000,
    ]),
  };

  await client.end();
  await history.close();
  const mean = (xs: number[]): string => (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(1);
  console.log(`append ${ROWS} rows/batch × ${BATCHES} (load ${(await import("node:os")).loadavg().map((l) => l.toFixed(1)).join(" ")})`);
  console.log(`  unnest (the store):   median ${median(unnestMs).toFixed(1)} ms, mean ${mean(unnestMs)} ms, min ${Math.min(...unnestMs).toFixed(1)} ms`);
  console.log(`  of which the server executing the INSERT: ${serverMs.toFixed(1)} ms (EXPLAIN ANALYZE)`);
  console.log(`  multi-row VALUES:     median ${median(valuesMs).toFixed(1)} ms, mean ${mean(valuesMs)} ms, min ${Math.min(...valuesMs).toFixed(1)} ms`);
  console.log(`size after ${rows} rows (VACUUM ANALYZE): total ${perRow(size.total)} B/row = heap ${perRow(size.heap)} + indexes ${perRow(size.indexes)}`);
  for (const index of indexes) console.log(`  ${index.name}: ${perRow(index.bytes)} B/row`);
  for (const [what, text] of Object.entries(plans)) console.log(`plan, ${what}:\n    ${text}`);
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  await cluster?.stop();
}
