import { monitorEventLoopDelay } from "node:perf_hooks";
import { cpuUsage } from "node:process";
import { createHistoryWriter, type HistoryBatchWritten } from "../../server/history/history-writer.js";
import { createRollupJob } from "../../server/history/rollup-job.js";
import type { BenchContext } from "../support/bench-context.js";
import type { HistoryBackend } from "../support/history-backend.js";
import type { HistoryBenchConfig } from "../support/history-bench-config.js";
import { startFeed } from "../support/history-feed.js";
import { startPostgresCpuMeter, type PostgresCpuMeter } from "../support/postgres-backend-cpu.js";
import { figure, type Figure } from "../support/report.js";
import { drainRollups, startRollupDriver, type TimedPass } from "../support/rollup-driver.js";
import { syntheticChange, syntheticCheck, syntheticServiceId } from "../support/synthetic-checks.js";

/** What the write-cost half measured, for the scenario's figures and the size half. */
export interface WriteCost {
  readonly figures: Figure[];
  readonly records: number;
  readonly changes: number;
  readonly notes: string[];
}

const cpuMsSince = (before: NodeJS.CpuUsage): number => {
  const used = cpuUsage(before);
  return (used.user + used.system) / 1000;
};

/**
 * CPU ms per 10,000 synthetic rows just to make them (the feed's own share
 * of the process's CPU, which the write-cost figure includes): 10 seconds'
 * worth of the fleet's checks made and thrown away.
 */
function generationCpuMsPer10k(services: number): number {
  const ids = Array.from({ length: services }, (_, i) => syntheticServiceId(i));
  const start = Math.floor(Date.now() / 1000);
  let sink = 0;
  const before = cpuUsage();
  for (let s = start; s < start + 10; s++) {
    for (let i = 0; i < services; i++) {
      sink += syntheticCheck(i, s, ids[i]).latencyMs;
      if (syntheticChange(i, s, ids[i]) !== undefined) sink++;
    }
  }
  const ms = cpuMsSince(before);
  if (sink < 0) throw new Error("unreachable");
  return (ms / (services * 10)) * 10_000;
}

/**
 * Part 1 of scenario 10: `services` services at 1 s fed in real time for
 * `feedSeconds` through the server's history writer (its defaults: a batch
 * a second, 5,000 rows at most) into the store, with the server's rollup
 * job passing every `rollupEveryMs`; then a last flush and the passes that
 * roll up the rest. CPU is this process's (the writer, the job, the store's
 * driver, and the feed making its rows, measured apart) and, on
 * PostgreSQL, the server's processes.
 */
export async function measureWriteCost(ctx: BenchContext, sizes: HistoryBenchConfig, backend: HistoryBackend): Promise<WriteCost> {
  const { store, name } = backend;
  const errors: string[] = [];
  const batches: HistoryBatchWritten[] = [];
  let dropped = 0;
  let maxBuffered = 0;
  const writer = createHistoryWriter({
    store,
    observer: { appended: (batch) => batches.push(batch), dropped: (n) => (dropped += n) },
    onError: (error, context) => errors.push(`${context}: ${String(error)}`),
  });
  const job = createRollupJob({ store, onError: (error, context) => errors.push(`${context}: ${String(error)}`) });
  const generationMs = generationCpuMsPer10k(sizes.services);

  let meter: PostgresCpuMeter | undefined;
  if (backend.url !== undefined) meter = await startPostgresCpuMeter(backend.url);
  const pgBefore = meter?.read();

  ctx.log(`history (${name}): ${sizes.services} services at 1 s for ${sizes.feedSeconds} s, rollup every ${sizes.rollupEveryMs / 1000} s`);
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const perSecondCores: number[] = [];
  const loopMaxMs: number[] = [];
  let last = { at: performance.now(), cpu: cpuUsage() };
  const sampler = setInterval(() => {
    const at = performance.now();
    const used = cpuUsage(last.cpu);
    perSecondCores.push((used.user + used.system) / 1000 / (at - last.at));
    last = { at, cpu: cpuUsage() };
    loopMaxMs.push(loopDelay.max / 1e6);
    loopDelay.reset();
    maxBuffered = Math.max(maxBuffered, writer.buffered());
  }, 1000);

  const before = cpuUsage();
  const feed = startFeed({ sink: writer, services: sizes.services });
  const driver = startRollupDriver(job, sizes.rollupEveryMs, (error) => errors.push(`rollup: ${String(error)}`));
  await new Promise((resolve) => setTimeout(resolve, sizes.feedSeconds * 1000));
  feed.stop();
  clearInterval(sampler);
  loopDelay.disable();
  const fedCpuMs = cpuMsSince(before);
  await driver.stop();
  // The rest: the last rows to the store, then rolled up, so every row's whole cost is counted.
  await writer.close();
  const tailPasses: TimedPass[] = [];
  await drainRollups(job, tailPasses);
  const totalCpuMs = cpuMsSince(before);
  const pgAfter = meter?.read();
  await meter?.stop();
  await job.stop();

  const { records, changes } = feed.counts();
  const per10k = (cpuMs: number): number => (cpuMs / records) * 10_000;
  const passes = [...driver.passes, ...tailPasses];
  const pct = (ms: number): number => ms / 10; // CPU ms per 10,000 rows → % of one core at 10,000/s
  const figures: Figure[] = [
    figure(`rows written (${sizes.services} services × ${sizes.feedSeconds} s)`, "rows", [records]),
    figure("status changes written", "rows", [changes]),
    figure(
      "history writes + rollups, CPU per 10,000 checks (= % of one core at 10,000 checks/s)",
      "%",
      [pct(per10k(totalCpuMs))],
      // The issue's target is SQLite's; PostgreSQL's figure is reported beside it.
      ...(name === "sqlite" ? [{ stat: "median", op: "<", value: 10 } as const] : []),
    ),
    figure("  of which making the synthetic rows (measured apart)", "%", [pct(generationMs)]),
    figure("  of which rollup passes", "%", [pct(per10k(passes.reduce((sum, p) => sum + p.cpuMs, 0)))]),
    figure("process CPU, each second of the feed", "cores", perSecondCores),
    figure("append batch time (one transaction)", "ms", batches.map((b) => b.durationMs)),
    figure("append batch size", "rows", batches.map((b) => b.records + b.changes)),
    figure("rollup pass time", "ms", passes.map((p) => p.durationMs)),
    figure("rollup pass rows", "rows", passes.map((p) => p.rows)),
    figure("rollup rows/s within a pass", "1/s", passes.map((p) => (p.rows / p.durationMs) * 1000)),
    figure("event-loop delay, max of each second", "ms", loopMaxMs),
    figure("writer: most rows buffered", "rows", [maxBuffered]),
    figure("writer: rows dropped", "rows", [dropped], { stat: "max", op: "<=", value: 0 }),
  ];
  if (pgBefore !== undefined && pgAfter !== undefined) {
    figures.splice(
      5,
      0,
      figure("PostgreSQL backends of the bench's connections, CPU per 10,000 checks", "%", [pct(per10k((pgAfter.backends - pgBefore.backends) * 1000))]),
      figure("PostgreSQL, every process of the cluster, CPU per 10,000 checks", "%", [pct(per10k((pgAfter.cluster - pgBefore.cluster) * 1000))]),
    );
  }
  const notes = [
    `${name}: the feed made ${records} rows in ${sizes.feedSeconds} s (${(records / sizes.feedSeconds).toFixed(0)}/s); CPU during the feed ${(fedCpuMs / 1000).toFixed(2)} s, with the last flush and rollups ${(totalCpuMs / 1000).toFixed(2)} s.`,
  ];
  if (errors.length > 0) notes.push(`errors: ${errors.slice(0, 5).join("; ")}${errors.length > 5 ? ` (+${errors.length - 5} more)` : ""}`);
  return { figures, records, changes, notes };
}
