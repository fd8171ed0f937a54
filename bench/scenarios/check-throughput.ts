import { setTimeout as sleep } from "node:timers/promises";
import { forkWorker } from "../support/child-worker.js";
import type { BareLoopRequest, BareLoopResults } from "../support/bare-loop-child.js";
import { startBenchServer, type BenchServer } from "../support/bench-server.js";
import type { BenchContext } from "../support/bench-context.js";
import { acceptRates, allLateness, measureSeconds, mergeMeasurements, type Measurement } from "../support/measure.js";
import { microsPerEvent } from "../support/micros-per-event.js";
import { createMonitorClients, registerCallers, registerServices, subscribeAll } from "../support/monitor-client.js";
import { summarize } from "../support/percentiles.js";
import { figure, type Figure, type ScenarioResult } from "../support/report.js";

const INTERVAL_MS = 1000;
/** Subscribers are spread over this many callers (one subscription per service). */
const CALLERS = 100;
const MB = 2 ** 20;

/** Measures `repetitions` windows of `windowSeconds` each and merges them. */
async function measureRepetitions(ctx: BenchContext, pids: Record<string, number>): Promise<Measurement> {
  const list: Measurement[] = [];
  for (let r = 0; r < ctx.config.repetitions; r++) {
    list.push(await measureSeconds(ctx.farm, pids, ctx.config.windowSeconds, INTERVAL_MS));
  }
  return mergeMeasurements(list);
}

/**
 * The limit: the bare connect + reset loop at the same rate against the same
 * listeners, in its own process, with the server stopped.
 */
async function measureBareLoop(ctx: BenchContext, ports: readonly number[]): Promise<{ m: Measurement; rates: number[] }> {
  const loop = await forkWorker<BareLoopRequest, BareLoopResults>("bench/support/bare-loop-child.ts");
  try {
    await loop.request({ op: "start", ports, rate: (ports.length * 1000) / INTERVAL_MS });
    await sleep(ctx.config.settleMs);
    const m = await measureRepetitions(ctx, { bare: loop.pid, farm: ctx.farm.pid });
    return { m, rates: acceptRates(m) };
  } finally {
    await loop.request({ op: "stop" });
    await loop.kill();
  }
}

/**
 * Scenario 1: N services, each a listener on loopback with one subscriber
 * at 1 s. The server is measured for the configured windows; then it is
 * stopped and the bare loop runs at the same rate. N grows from one size to
 * the next on the same data directory (the server restarts in between).
 */
export async function checkThroughput(ctx: BenchContext): Promise<ScenarioResult[]> {
  const { config, farm } = ctx;
  const results: ScenarioResult[] = [];
  const dataDir = ctx.newDataDir();
  const firstIndex = farm.ports.length;
  const callerIds = Array.from({ length: CALLERS }, (_, i) => `bench-throughput-${i}`);
  let registered = 0;
  let server: BenchServer | undefined;
  try {
    for (const n of config.throughput.services) {
      ctx.log(`throughput: ${n} services`);
      await farm.open(n - registered);
      const ports = farm.ports.slice(firstIndex, firstIndex + n);
      // Reset close, as the bare loop does and as docs/benchmarks.md advises for
      // thousands of services at 1 s (scenario 6 measures fin against reset).
      server = await startBenchServer({ dataDir, nodeFlags: ctx.serverNodeFlags, args: ["--tcp-close", "reset"] });
      const { management } = createMonitorClients(server.baseUrl);
      if (registered === 0) await registerCallers(management, callerIds, config.concurrency);
      const { ids } = await registerServices(management, ports.slice(registered), {
        checkIntervalMs: 30_000,
        concurrency: config.concurrency,
      });
      await subscribeAll(
        management,
        ids.map((serviceId, i) => ({ serviceId, callerId: callerIds[(registered + i) % CALLERS]! })),
        { pollingIntervalMs: INTERVAL_MS, gracePeriodMs: 0, concurrency: config.concurrency },
      );
      registered = n;
      await sleep(config.settleMs);
      const m = await measureRepetitions(ctx, { server: server.pid, farm: farm.pid, driver: process.pid });
      await server.stop();
      server = undefined;

      ctx.log(`throughput: bare loop at ${n}/s`);
      const bare = await measureBareLoop(ctx, ports);
      const checkRates = acceptRates(m);
      const serverProc = m.processes["server"]!;
      const serverMicros = microsPerEvent(serverProc.cores, checkRates);
      const bareMicros = microsPerEvent(bare.m.processes["bare"]!.cores, bare.rates);
      const bareMedian = summarize(bareMicros).median;
      const figures: Figure[] = [
        figure("checks/s achieved", "1/s", checkRates, { stat: "median", op: ">=", value: n * 0.99 }),
        figure("lateness (listener-side)", "ms", allLateness(m), { stat: "p99", op: "<", value: 50 }),
        figure("server CPU", "cores", serverProc.cores, { stat: "median", op: "<", value: 1 }),
        figure("server RSS", "MB", serverProc.rssBytes.map((b) => b / MB), { stat: "max", op: "<", value: 500 }),
        figure("server CPU per check", "µs", serverMicros),
        figure("bare loop CPU per connect", "µs", bareMicros),
        figure("CPU per check ÷ bare loop", "×", serverMicros.map((us) => us / bareMedian), { stat: "median", op: "<", value: 2 }),
        figure("bare loop connects/s", "1/s", bare.rates),
        figure("listener farm CPU (server run)", "cores", m.processes["farm"]!.cores),
        figure("listener farm event-loop delay p99", "ms", m.seconds.map((w) => w.loopDelayP99Ms)),
        figure("driver CPU (server run)", "cores", m.processes["driver"]!.cores),
      ];
      results.push({
        id: `1-throughput-${n}`,
        title: `Check throughput: ${n} services at 1 s`,
        parameters: { services: n, intervalMs: INTERVAL_MS, asked: n, windows: config.repetitions, windowSeconds: config.windowSeconds },
        figures,
        notes: [
          "Samples are one-second windows; lateness samples are one per check (gap between accepts at a listener − 1 s).",
          "The bare loop runs after the server is stopped, against the same listeners at the same rate.",
        ],
      });
    }
  } finally {
    await server?.stop();
  }
  return results;
}
