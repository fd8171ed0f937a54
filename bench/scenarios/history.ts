import type { BenchContext } from "../support/bench-context.js";
import { benchPostgresMissing, startBenchPostgres, type BenchPostgres } from "../support/bench-postgres.js";
import {
  openPostgresHistoryBackend,
  openSqliteHistoryBackend,
  type HistoryBackend,
  type HistorySizes,
} from "../support/history-backend.js";
import { HISTORY_CONFIGS, type HistoryBenchConfig } from "../support/history-bench-config.js";
import { figure, type Figure, type ScenarioResult } from "../support/report.js";
import { DOWN_PERIOD_S, DOWN_RUN_S } from "../support/synthetic-checks.js";
import { createUnusedPortSource } from "../support/unused-loopback-ports.js";
import { measureReads } from "./history-reads.js";
import { measureWriteCost } from "./history-write-cost.js";

const MB = 1e6;
/** Buckets one service makes a day: 1,440 minutes, 24 hours, 1 day. */
const BUCKETS_PER_DAY = 1440 + 24 + 1;
/** Buckets a 1 s service holds under the default retention: 48 h of minutes, 90 days of hours, 2 years of days. */
const BUCKETS_AT_RETENTION = 48 * 60 + 90 * 24 + 730;
/** Buckets of a service 7 days old: 48 h of minutes, 7 × 24 hours, 7 days. */
const BUCKETS_AFTER_7_DAYS = 48 * 60 + 7 * 24 + 7;

/** Bytes per row and the per-service figures derived from them (part 4). */
function sizeFigures(empty: HistorySizes, fleet: HistorySizes, seeded: HistorySizes): Figure[] {
  const fleetRow = (fleet.records - empty.records) / fleet.rows.records;
  const fleetBucket = (fleet.rollups - empty.rollups) / fleet.rows.rollups;
  const row = (seeded.records - fleet.records) / (seeded.rows.records - fleet.rows.records);
  const bucket = (seeded.rollups - fleet.rollups) / (seeded.rows.rollups - fleet.rows.rollups);
  const change = (seeded.changes - empty.changes) / seeded.rows.changes;
  const onDiskRow = (seeded.onDisk - fleet.onDisk) / (seeded.rows.records - fleet.rows.records);
  const raw7 = 7 * 86_400 * row;
  return [
    figure("bytes per check row, 1 s TCP service (table + index)", "B", [row]),
    figure("bytes per check row, the fleet's mix (10 % HTTP)", "B", [fleetRow]),
    figure("  on disk per seeded row (file growth, free pages included)", "B", [onDiskRow]),
    figure("bytes per rollup bucket, 1 s service (minute/hour/day)", "B", [bucket]),
    figure("bytes per rollup bucket, the fleet's (minutes of 10 % HTTP)", "B", [fleetBucket]),
    figure("bytes per status change (table + index)", "B", [change]),
    figure("per service per day at 1 s: raw history", "MB", [(86_400 * row) / MB]),
    figure(`per service per day at 1 s: rollups (${BUCKETS_PER_DAY} buckets)`, "MB", [(BUCKETS_PER_DAY * bucket) / MB]),
    figure(`per service, 7 days raw + rollups (${BUCKETS_AFTER_7_DAYS} buckets)`, "MB", [(raw7 + BUCKETS_AFTER_7_DAYS * bucket) / MB]),
    figure(`per service, steady state: 7 days raw + rollups at default retention (${BUCKETS_AT_RETENTION} buckets)`, "MB", [
      (raw7 + BUCKETS_AT_RETENTION * bucket) / MB,
    ]),
  ];
}

/** The three halves on one backend, in order on one fresh database. */
async function runOnBackend(ctx: BenchContext, sizes: HistoryBenchConfig, backend: HistoryBackend): Promise<ScenarioResult> {
  try {
    const empty = await backend.sizes();
    const write = await measureWriteCost(ctx, sizes, backend);
    const fleet = await backend.sizes();
    let seeded: HistorySizes | undefined;
    const reads = await measureReads(ctx, sizes, backend, async () => {
      ctx.log(`history (${backend.name}): measuring sizes`);
      seeded = await backend.sizes();
    });
    return {
      id: `10-history-${backend.name}`,
      title: `History (${backend.name}): writes + rollups at ${sizes.services} checks/s, GetServiceStats over ${sizes.statsDays} days, ListCheckResults walking ${sizes.walkRows} rows, size per service`,
      parameters: {
        store: backend.name,
        services: sizes.services,
        checkIntervalMs: 1000,
        feedSeconds: sizes.feedSeconds,
        rollupEveryMs: sizes.rollupEveryMs,
        statsDays: sizes.statsDays,
        statsCalls: sizes.statsCalls,
        walkRows: sizes.walkRows,
        pageSizes: sizes.pageSizes.join(", "),
        fleetMix: `10 % HTTP (200, or 503 when down); TCP down: 'connection refused', 1 in 10 a 1 s timeout; each service down ${DOWN_RUN_S} s in every ${DOWN_PERIOD_S} s (1 %)`,
      },
      figures: [...write.figures, ...reads.figures, ...sizeFigures(empty, fleet, seeded!)],
      notes: [
        "In the bench's own process, no RPC: the server's history writer (createHistoryWriter, its defaults) and rollup job (createRollupJob, its defaults, passes every rollupEveryMs as the job's start() would) on the server's history store, fed synthetic CheckRecords in real time, 10 slices a second (bench/support/history-feed.ts).",
        "CPU per 10,000 checks = the process's CPU (process.cpuUsage) from the feed's start until every row is written and rolled up, ÷ rows × 10,000; at 10,000 checks/s that is the share of one core. It includes making the synthetic rows (shown apart) and the PostgreSQL driver; PostgreSQL's own processes are shown apart (/proc/<pid>/stat).",
        `Stats: ${sizes.statsDays} days of one 1 s service seeded as rows (not as rollups) through store.append, rolled up by the rollup job, then createHistoryQueries().getServiceStats (what the RPC handler calls) over whole-hour windows ending at the seed's end; pattern: down the first 36 s of every hour, so availability 0.99, one incident an hour.`,
        "Walk: createHistoryQueries().listCheckResults newest first from the stats service's newest row, while the writer appends 10,000 rows/s (the stats service's own among them) and the rollup job runs; every row is checked against the seconds written.",
        "Sizes: SQLite from dbstat (pages of each table and index) after a WAL checkpoint; PostgreSQL pg_total_relation_size (heap + indexes + TOAST). Per row: the seeded service's growth ÷ its rows; per bucket likewise.",
        ...write.notes,
        ...reads.notes,
      ],
    };
  } finally {
    await backend.close();
  }
}

/** Why PostgreSQL is not run, or undefined when it is (as scenario 8 decides). */
function postgresSkipReason(ctx: BenchContext): string | undefined {
  if (ctx.postgres === "auto" && ctx.config.mode === "smoke") return "not in a smoke run unless --postgres";
  const missing = benchPostgresMissing();
  if (missing !== undefined && ctx.postgres === "required") throw new Error(`--postgres: ${missing}`);
  return missing;
}

/**
 * Scenario 10: the history (issue 11) on SQLite and PostgreSQL — what
 * writing and rolling up 10,000 checks a second costs, GetServiceStats over
 * 30 days from the rollups, ListCheckResults walking 100,000 rows while
 * checks are written, and the bytes a 1 s service takes per day.
 */
export async function history(ctx: BenchContext): Promise<ScenarioResult[]> {
  const sizes = HISTORY_CONFIGS[ctx.config.mode];
  const skip = postgresSkipReason(ctx);
  let postgres: BenchPostgres | undefined;
  try {
    if (skip === undefined) {
      postgres = await startBenchPostgres(createUnusedPortSource(ctx.farm.ports));
      ctx.log(`history (postgres): ${postgres.description}`);
    }
    const sqlite = await runOnBackend(ctx, sizes, await openSqliteHistoryBackend(ctx.newDataDir()));
    if (postgres === undefined) {
      ctx.log(`history (postgres): skipped: ${skip}`);
      return [{ ...sqlite, notes: [...sqlite.notes, `PostgreSQL: skipped: ${skip}.`] }];
    }
    return [sqlite, await runOnBackend(ctx, sizes, await openPostgresHistoryBackend(await postgres.newDatabase()))];
  } finally {
    await postgres?.stop();
  }
}
