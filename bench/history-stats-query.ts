/**
 * What one GetServiceStats costs below the RPC (issue 11): createHistoryQueries
 * on a real SQLite history (monitor.db made by the main store) holding the
 * rollups of a 1 s service over N days — minute buckets for the last 48 h,
 * hours and days for all — as the rollup job leaves them; then stats over
 * 1 h, 24 h, 7 d and 30 d ending now, split into the store's snapshot read
 * and the pure compose. Seeding folds the checks in memory (the rollup job's
 * own fold and read-merge-write) instead of writing 2.6 million rows, so
 * this times the reads only; bench scenario 10 times them through the server.
 *
 *   npx tsx --conditions=source bench/history-stats-query.ts [--days 31] [--runs 30]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { composeStats } from "../server/domain/compose-stats.js";
import type { CheckRecord, RollupTail } from "../server/domain/history-types.js";
import { bucketKey, foldRecord, mergeBucket, type BucketMap } from "../server/domain/rollup-fold.js";
import { coverWindow } from "../server/domain/stats-window.js";
import { createHistoryQueries } from "../server/history/create-history-queries.js";
import { openSqliteHistoryStore } from "../server/store/sqlite-history-store.js";
import { openSqliteStore } from "../server/store/sqlite-store.js";

const { values: args } = parseArgs({ options: { days: { type: "string", default: "31" }, runs: { type: "string", default: "30" } } });
const DAYS = Number(args.days);
const RUNS = Number(args.runs);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const RETENTION = { minuteMs: 48 * HOUR, hourMs: 90 * DAY, dayMs: 730 * DAY };
const NOW = Date.UTC(2026, 11, 1, 13, 27, 41, 250);
const SERVICE = "svc_bench";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stats-query-"));
const file = path.join(dir, "monitor.db");
const main = await openSqliteStore({ path: file });
const store = await openSqliteHistoryStore({ path: file });

// Seed: down the first 36 s of every hour (availability 0.99), latencies 0.3-1.5 ms; a day per pass.
const seedStarted = performance.now();
let pass: BucketMap = new Map();
let tail: RollupTail | undefined;
const flush = async () => {
  const buckets = [...pass.values()].filter((b) => b.resolution !== "minute" || b.startMs >= NOW - RETENTION.minuteMs - MIN);
  for (const stored of await store.readBuckets(buckets)) mergeBucket(pass.get(bucketKey(stored.serviceId, stored.resolution, stored.startMs))!, stored);
  await store.writeRollups({ buckets, tails: tail === undefined ? [] : [tail], watermark: 0 });
  pass = new Map();
};
let checks = 0;
let dayEnd = Math.floor((NOW - DAYS * DAY) / DAY) * DAY + DAY;
for (let at = Math.floor((NOW - DAYS * DAY) / 1000) * 1000; at < NOW - 5000; at += 1000) {
  if (at >= dayEnd) {
    await flush();
    dayEnd += DAY;
  }
  const s = at / 1000;
  const down = s % 3600 < 36;
  const record: CheckRecord = {
    kind: "check",
    serviceId: SERVICE,
    at,
    status: down ? "down" : "up",
    latencyMs: 0.3 + (((s * 2_654_435_761) >>> 0) / 2 ** 32) * 1.2,
    detail: down ? "connection refused" : "",
    inOutage: false,
    maxSpanMs: 4000,
  };
  tail = foldRecord(pass, ["minute", "hour", "day"], tail, record);
  checks++;
}
await flush();
console.log(`seeded ${checks.toLocaleString("en")} checks (${DAYS} d) as rollups in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

const queries = createHistoryQueries({ store, now: () => NOW, current: () => ({ status: "up", sinceMs: NOW - 1000, paused: false }), retention: RETENTION });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;
for (const [name, ms] of [
  ["1 h", HOUR],
  ["24 h", DAY],
  ["7 d", 7 * DAY],
  ["30 d", 30 * DAY],
] as const) {
  const window = { startMs: NOW - ms, endMs: NOW };
  const cover = coverWindow(window, NOW, { minuteKeptFromMs: NOW - RETENTION.minuteMs, hourKeptFromMs: NOW - RETENTION.hourMs });
  const read: number[] = [];
  const compose: number[] = [];
  const total: number[] = [];
  let stats;
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    const snapshot = await store.readStatsSnapshot({ serviceId: SERVICE, ranges: cover.ranges, changesStartMs: cover.startMs, endMs: cover.endMs });
    read.push(performance.now() - t);
    t = performance.now();
    composeStats({ serviceId: SERVICE, snapshot, cover, current: undefined });
    compose.push(performance.now() - t);
    t = performance.now();
    stats = await queries.getServiceStats({ serviceId: SERVICE, ...window });
    total.push(performance.now() - t);
  }
  const buckets = snapshotBuckets(cover.ranges);
  console.log(
    `${name.padEnd(5)} getServiceStats median ${median(total).toFixed(1)} ms (p90 ${p90(total).toFixed(1)}): read ${median(read).toFixed(1)} + compose ${median(compose).toFixed(1)} ms;` +
      ` ~${buckets} buckets, ${stats!.buckets.length} points of ${stats!.bucketWidthMs / MIN} min, availability ${stats!.availability?.toFixed(5)}, ${stats!.checks} checks`,
  );
}
await store.close();
await main.close();
fs.rmSync(dir, { recursive: true, force: true });

/** Buckets the cover reads (every one exists in this history). */
function snapshotBuckets(ranges: readonly { resolution: "minute" | "hour" | "day"; startMs: number; endMs: number }[]): number {
  const width = { minute: MIN, hour: HOUR, day: DAY };
  return ranges.reduce((n, r) => n + (r.endMs - r.startMs) / width[r.resolution], 0);
}
