/**
 * Where a rollup pass spends its time on SQLite: 10,000 services × 60 s of
 * 1 s rows (a minute of the bench's 10,000 checks/s), folded by the server's
 * rollup job with the given per-pass bound. Run with
 * `tsx --conditions=@service-monitor/source --cpu-prof bench/profile-rollup-pass.ts [maxRowsPerPass]`.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { HistoryRecord } from "../server/domain/history-types.js";
import { createRollupJob } from "../server/history/rollup-job.js";
import { openSqliteHistoryStore } from "../server/store/sqlite-history-store.js";
import { openSqliteStore } from "../server/store/sqlite-store.js";

const SERVICES = 10_000;
const SECONDS = Number(process.argv[3] ?? 120);
const maxRowsPerPass = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), "rollup-prof-"));
const path = join(dir, "monitor.db");
await (await openSqliteStore({ path })).close();
const history = await openSqliteHistoryStore({ path });
const T0 = Date.UTC(2026, 11, 1, 0, 0, 0);
const job = createRollupJob({ store: history, maxRowsPerPass });

let passMs = 0;
let passCpu = 0;
let rows = 0;
let buckets = 0;
for (let s = 0; s < SECONDS; s++) {
  const batch: HistoryRecord[] = [];
  for (let i = 0; i < SERVICES; i++) {
    batch.push({ kind: "check", serviceId: `svc_${i}`, at: T0 + s * 1000 + (i % 1000), status: (s + i) % 100 === 0 ? "down" : "up", latencyMs: 0.2 + (i % 50) / 10, detail: "", inOutage: false, maxSpanMs: 4000 });
  }
  await history.append(batch, []);
  if ((s + 1) % 60 === 0) {
    for (;;) {
      const cpu = process.cpuUsage();
      const t = performance.now();
      const pass = await job.runOnce();
      const used = process.cpuUsage(cpu);
      passMs += performance.now() - t;
      passCpu += (used.user + used.system) / 1000;
      rows += pass.rows;
      buckets += pass.buckets;
      if (pass.caughtUp) break;
    }
  }
}
console.log(JSON.stringify({ maxRowsPerPass, rows, buckets, passMs: Math.round(passMs), passCpuMs: Math.round(passCpu), cpuUsPerRow: ((passCpu * 1000) / rows).toFixed(2) }));
await history.close();
