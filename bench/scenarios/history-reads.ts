import type { CheckRecord, ServiceStats, StatusChangeRecord } from "../../server/domain/history-types.js";
import { createHistoryQueries } from "../../server/history/create-history-queries.js";
import type { HistoryQueries } from "../../server/history/history-queries.js";
import { createHistoryWriter } from "../../server/history/history-writer.js";
import { createRollupJob } from "../../server/history/rollup-job.js";
import type { BenchContext } from "../support/bench-context.js";
import type { HistoryBackend } from "../support/history-backend.js";
import type { HistoryBenchConfig } from "../support/history-bench-config.js";
import { startFeed } from "../support/history-feed.js";
import { figure, type Figure } from "../support/report.js";
import { drainRollups, startRollupDriver, type TimedPass } from "../support/rollup-driver.js";
import {
  DOWN_SECONDS_PER_HOUR,
  SEEDED_AVAILABILITY,
  STATS_SERVICE_ID,
  statsServiceChange,
  statsServiceCheck,
  statsServiceFeed,
} from "../support/stats-service.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Rows per append while seeding: the writer's own batch bound. */
const SEED_BATCH = 5000;
/** The server's default rollup retention (issue 11): what stats' cover may read. */
const RETENTION = { minuteMs: 48 * HOUR, hourMs: 90 * DAY, dayMs: 730 * DAY };
const WINDOWS: readonly { readonly name: string; readonly ms: number }[] = [
  { name: "1 h", ms: HOUR },
  { name: "24 h", ms: DAY },
  { name: "7 d", ms: 7 * DAY },
  { name: "30 d", ms: 30 * DAY },
];

export interface Reads {
  readonly figures: Figure[];
  readonly notes: string[];
  /** Rows seeded for the stats service, for the size half. */
  readonly seededRows: number;
}

/** Appends `days` of the stats service's 1 s history ending at `endMs` (a whole hour), in writer-sized batches. */
async function seed(backend: HistoryBackend, days: number, endMs: number): Promise<{ rows: number; seconds: number }> {
  const first = (endMs - days * DAY) / 1000;
  const last = endMs / 1000;
  const begun = performance.now();
  for (let s = first; s < last; s += SEED_BATCH) {
    const records: CheckRecord[] = [];
    const changes: StatusChangeRecord[] = [];
    for (let t = s; t < Math.min(last, s + SEED_BATCH); t++) {
      records.push(statsServiceCheck(t));
      const change = statsServiceChange(t, first);
      if (change !== undefined) changes.push(change);
    }
    await backend.store.append(records, changes);
  }
  return { rows: last - first, seconds: (performance.now() - begun) / 1000 };
}

/** What the seeded pattern says a window of whole hours must show; the fields that differ. */
function mismatches(stats: ServiceStats, windowMs: number): string[] {
  const hours = windowMs / HOUR;
  const want: Record<string, number> = {
    availability: SEEDED_AVAILABILITY,
    checks: hours * 3600,
    downChecks: hours * DOWN_SECONDS_PER_HOUR,
    downMs: hours * DOWN_SECONDS_PER_HOUR * 1000,
    unknownMs: 0,
    incidents: hours,
  };
  const got: Record<string, number | undefined> = {
    availability: stats.availability,
    checks: stats.checks,
    downChecks: stats.downChecks,
    downMs: stats.downMs,
    unknownMs: stats.unknownMs,
    incidents: stats.incidents,
  };
  return Object.keys(want)
    .filter((k) => got[k] === undefined || Math.abs(got[k]! - want[k]!) > 1e-9)
    .map((k) => `${k} ${String(got[k])} (seeded: ${want[k]})`);
}

/** Walks the stats service's rows newest first from `endMs` until `rows` are seen; each page's time, and whether the rows are exactly `expected`. */
async function walk(
  queries: HistoryQueries,
  pageSize: number,
  endMs: number,
  rows: number,
  expected: (i: number) => number,
): Promise<{ pageMs: number[]; seconds: number; outOfPlace: number; firstProblem: string | undefined }> {
  const pageMs: number[] = [];
  const ids = new Set<number>();
  let outOfPlace = 0;
  let firstProblem: string | undefined;
  let seen = 0;
  let after: { at: number; id: number } | undefined;
  const begun = performance.now();
  while (seen < rows) {
    const started = performance.now();
    const page = await queries.listCheckResults({
      serviceId: STATS_SERVICE_ID,
      startMs: 0,
      endMs,
      pageSize,
      ...(after === undefined ? {} : { after }),
    });
    pageMs.push(performance.now() - started);
    for (const row of page.items) {
      if (seen >= rows) break;
      const want = expected(seen);
      if (row.at !== want || ids.has(row.id)) {
        outOfPlace++;
        firstProblem ??= `row ${seen}: at ${row.at} id ${row.id}${ids.has(row.id) ? " (id seen before)" : ""}, expected at ${want}`;
      }
      ids.add(row.id);
      seen++;
    }
    if (page.next === undefined) {
      if (seen < rows) {
        outOfPlace += rows - seen;
        firstProblem ??= `the walk ended after ${seen} rows`;
      }
      break;
    }
    after = page.next;
  }
  return { pageMs, seconds: (performance.now() - begun) / 1000, outOfPlace, firstProblem };
}

/**
 * Parts 2 and 3 of scenario 10. Seeds `statsDays` of one 1 s service's
 * history (its own known pattern, stats-service.ts) straight into the store,
 * rolls it all up with the server's rollup job, then times GetServiceStats'
 * query (createHistoryQueries, what the handler calls; no RPC) over whole-hour
 * windows ending where the seed ends, and checks the answers against the
 * pattern. Then, while the writer appends the fleet's and this service's
 * checks live (and the rollup job runs), walks its newest rows with
 * ListCheckResults' query page by page, checking every row against the
 * seconds written: no row missed, none twice.
 */
export async function measureReads(
  ctx: BenchContext,
  sizes: HistoryBenchConfig,
  backend: HistoryBackend,
  /** Called once the seed is rolled up, before anything else is written (the size half measures here). */
  onRolledUp: () => Promise<void>,
): Promise<Reads> {
  const { store, name } = backend;
  const errors: string[] = [];
  const seedEnd = Math.floor(Date.now() / HOUR) * HOUR;
  ctx.log(`history (${name}): seeding ${sizes.statsDays} days of one 1 s service (${sizes.statsDays * 86_400} rows)`);
  const seeded = await seed(backend, sizes.statsDays, seedEnd);

  ctx.log(`history (${name}): rolling up ${seeded.rows} rows`);
  const job = createRollupJob({ store, onError: (error, context) => errors.push(`${context}: ${String(error)}`) });
  const catchUp: TimedPass[] = [];
  const rollBegun = performance.now();
  await drainRollups(job, catchUp);
  const rollSeconds = (performance.now() - rollBegun) / 1000;
  await onRolledUp();

  const queries = createHistoryQueries({
    store,
    current: (id) => (id === STATS_SERVICE_ID ? { status: "up", sinceMs: seedEnd - HOUR + DOWN_SECONDS_PER_HOUR * 1000, paused: false } : undefined),
    now: () => Date.now(),
    retention: RETENTION,
  });
  const figures: Figure[] = [
    figure(`seed: ${seeded.rows} rows appended in ${SEED_BATCH}-row transactions`, "rows/s", [seeded.rows / seeded.seconds]),
    figure(`rollup catch-up over ${seeded.rows} rows`, "s", [rollSeconds]),
    figure("rollup catch-up, rows/s within a pass", "1/s", catchUp.map((p) => (p.rows / p.durationMs) * 1000)),
  ];
  const problems: string[] = [];
  for (const window of WINDOWS.filter((w) => w.ms <= sizes.statsDays * DAY)) {
    const query = { serviceId: STATS_SERVICE_ID, startMs: seedEnd - window.ms, endMs: seedEnd };
    ctx.log(`history (${name}): GetServiceStats over ${window.name}, ${sizes.statsCalls} calls`);
    for (let i = 0; i < 3; i++) await queries.getServiceStats(query);
    const ms: number[] = [];
    let last: ServiceStats | undefined;
    for (let i = 0; i < sizes.statsCalls; i++) {
      const started = performance.now();
      last = await queries.getServiceStats(query);
      ms.push(performance.now() - started);
    }
    const off = mismatches(last!, window.ms);
    problems.push(...off.map((m) => `${window.name}: ${m}`));
    figures.push(
      figure(
        `GetServiceStats over ${window.name} (${last!.buckets.length} chart points)`,
        "ms",
        ms,
        window.ms === 30 * DAY ? { stat: "p99", op: "<", value: 50 } : undefined,
      ),
    );
  }
  figures.push(figure("stats fields off the seeded pattern (availability, checks, down, incidents)", "fields", [problems.length], { stat: "max", op: "<=", value: 0 }));

  // The walk, while the writer keeps appending the fleet's checks and this service's own.
  ctx.log(`history (${name}): walking ${sizes.walkRows} rows newest first while ${sizes.services} services are written at 1 s`);
  const writer = createHistoryWriter({ store, onError: (error, context) => errors.push(`${context}: ${String(error)}`) });
  const feed = startFeed({ sink: writer, services: sizes.services, extra: statsServiceFeed(seedEnd / 1000) });
  const driver = startRollupDriver(job, sizes.rollupEveryMs, (error) => errors.push(`rollup: ${String(error)}`));
  const walkProblems: string[] = [];
  let outOfPlace = 0;
  try {
    for (const pageSize of sizes.pageSizes) {
      // Let a few live seconds land first, so the walk starts among rows the writer just appended.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      // Every row of this service with at < endMs is in the store once the flush is done; later ones are newer.
      const live = [...feed.extraAts];
      const endMs = live.length === 0 ? seedEnd : live.at(-1)! + 1;
      await writer.flush();
      const expected = (i: number): number => (i < live.length ? live[live.length - 1 - i]! : seedEnd - (i - live.length + 1) * 1000);
      const rows = Math.min(sizes.walkRows, live.length + seeded.rows);
      const result = await walk(queries, pageSize, endMs, rows, expected);
      outOfPlace += result.outOfPlace;
      if (result.firstProblem !== undefined) walkProblems.push(`page size ${pageSize}: ${result.firstProblem}`);
      figures.push(
        figure(`ListCheckResults: ${rows} rows in pages of ${pageSize}, total`, "s", [result.seconds]),
        figure(`ListCheckResults: one page of ${pageSize}`, "ms", result.pageMs),
      );
    }
  } finally {
    feed.stop();
    await driver.stop();
    await writer.close();
    await job.stop();
  }
  figures.push(figure("ListCheckResults: rows missed, repeated or out of order", "rows", [outOfPlace], { stat: "max", op: "<=", value: 0 }));
  const notes = [
    ...problems.map((p) => `stats off the seeded pattern: ${p}`),
    ...walkProblems.map((p) => `walk: ${p}`),
    ...(errors.length > 0 ? [`errors: ${errors.slice(0, 5).join("; ")}`] : []),
  ];
  for (const note of notes) ctx.log(`history (${name}): ${note}`);
  return { figures, notes, seededRows: seeded.rows };
}
