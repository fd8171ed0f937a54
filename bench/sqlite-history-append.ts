/**
 * How the SQLite history store's append costs (issue 11): batches of 10,000
 * check results, as the history writer hands them over at 10,000 checks/s,
 * into a real monitor.db (main store opened first, then the history's own
 * synchronous=NORMAL connection); then the bytes each check_results row
 * takes on disk (dbstat: table and index pages, free space included), for
 * TCP results and for HTTP results, and the time of a bounded prune.
 *
 *   npx tsx --conditions=source bench/sqlite-history-append.ts [--batches 20] [--rows 10000] [--dir /tmp]
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import type { CheckRecord, HistoryRecord } from "../server/domain/history-types.js";
import { openSqliteHistoryStore } from "../server/store/sqlite-history-store.js";
import { openSqliteStore } from "../server/store/sqlite-store.js";

const { values: args } = parseArgs({
  options: { batches: { type: "string", default: "20" }, rows: { type: "string", default: "10000" }, dir: { type: "string", default: os.tmpdir() } },
});
const BATCHES = Number(args.batches);
const ROWS = Number(args.rows);
const SERVICES = 10_000;
const T0 = 1_700_000_040_000;

/** 10,000 services (ids as the registry makes them) checked every second, 1 in 50 down. */
const serviceIds = Array.from({ length: SERVICES }, () => `svc_${randomBytes(8).toString("hex")}`);
function batch(n: number, http: boolean): HistoryRecord[] {
  const records: HistoryRecord[] = [];
  for (let i = 0; i < ROWS; i++) {
    const k = n * ROWS + i;
    const down = k % 50 === 0;
    const latencyMs = 0.15 + Math.random() * (http ? 3 : 0.4);
    const record: CheckRecord = {
      kind: "check",
      serviceId: serviceIds[k % SERVICES]!,
      at: T0 + Math.floor(k / SERVICES) * 1_000 + (k % 997),
      status: down ? "down" : "up",
      latencyMs,
      detail: down ? (http ? "HTTP 503, expected 200-299" : "connection refused") : "",
      inOutage: false,
      maxSpanMs: 4_000,
      ...(http
        ? {
            http: {
              statusCode: down ? 503 : 200,
              phases: { dnsMs: 0, connectMs: latencyMs * 0.2, tlsMs: 0, firstByteMs: latencyMs * 0.7, totalMs: latencyMs },
              tlsExpiresAt: undefined,
              captures: [],
              namedCaptures: {},
            },
          }
        : {}),
    };
    records.push(record);
  }
  return records;
}

/** Runs a checkpoint from a connection of its own; resolves with the WAL's frame count before it. */
function walCheckpoint(file: string, mode: "TRUNCATE" | "PASSIVE"): number {
  const db = new Database(file);
  try {
    const [row] = db.pragma(`wal_checkpoint(${mode})`) as { log: number }[];
    return row!.log;
  } finally {
    db.close();
  }
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function run(http: boolean): Promise<void> {
  const dir = fs.mkdtempSync(path.join(args.dir, "sqlite-history-bench-"));
  const file = path.join(dir, "monitor.db");
  const store = await openSqliteStore({ path: file });
  const history = await openSqliteHistoryStore({ path: file });
  try {
    const times: number[] = [];
    for (let n = 0; n < BATCHES; n++) {
      const rows = batch(n, http);
      // The last batch alone in the WAL: how many pages one commit writes.
      if (n === BATCHES - 1) walCheckpoint(file, "TRUNCATE");
      const started = process.hrtime.bigint();
      await history.append(rows, []);
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    const walFrames = walCheckpoint(file, "PASSIVE");
    const sorted = [...times].sort((a, b) => a - b);
    const inspect = new Database(file, { readonly: true });
    const sizes = inspect
      .prepare<[], { name: string; bytes: number; pages: number }>(
        "SELECT name, SUM(pgsize) AS bytes, COUNT(*) AS pages FROM dbstat WHERE name IN ('check_results', 'check_results_by_service') GROUP BY name",
      )
      .all();
    const payload = inspect.prepare<[], number>("SELECT SUM(payload) FROM dbstat WHERE name = 'check_results'").pluck().get()!;
    inspect.close();
    const total = BATCHES * ROWS;
    const bytes = Object.fromEntries(sizes.map((s) => [s.name, s.bytes]));
    const table = bytes["check_results"] ?? 0;
    const index = bytes["check_results_by_service"] ?? 0;
    console.log(
      `${http ? "HTTP" : "TCP "} ${total} rows: append of ${ROWS} rows median ${quantile(sorted, 0.5).toFixed(1)} ms ` +
        `(min ${sorted[0]!.toFixed(1)}, max ${sorted[sorted.length - 1]!.toFixed(1)}, first ${times[0]!.toFixed(1)}); ` +
        `bytes/row: table ${(table / total).toFixed(1)} (record payload ${(payload / total).toFixed(1)}) + index ${(index / total).toFixed(1)} = ${((table + index) / total).toFixed(1)}`,
    );
    console.log(`     the last batch wrote ${walFrames} WAL frames (${((walFrames * 4096) / 1e6).toFixed(1)} MB of 4 KB pages)`);
    const cut = { recordsBefore: T0 + 1_000_000_000, statusChangesBefore: 0, minuteBefore: 0, hourBefore: 0, dayBefore: 0 };
    const started = process.hrtime.bigint();
    const deleted = await history.prune(cut, 10_000);
    console.log(`     prune of ${deleted} rows (limit 10,000, ${SERVICES} services): ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(1)} ms`);
  } finally {
    await history.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await run(false);
await run(true);
