import { setTimeout as sleep } from "node:timers/promises";
import type { BenchContext } from "../support/bench-context.js";
import { startBenchServer, type BenchServer } from "../support/bench-server.js";
import { acceptRates, allLateness, measureSeconds, mergeMeasurements, type Measurement } from "../support/measure.js";
import { createMonitorClients, registerCallers, registerServices, subscribeAll } from "../support/monitor-client.js";
import { figure, type ScenarioResult } from "../support/report.js";
import { maxTimeWaitBuckets, timeWaitCount } from "../support/time-wait-count.js";

const INTERVAL_MS = 1000;
const CALLERS = 100;
const MB = 2 ** 20;
/** TIME_WAIT lasts 60 s on Linux: the count is at its steady state a little after that. */
const TIME_WAIT_STEADY_MS = 65_000;
/** Samples of the steady-state TIME_WAIT count (one a second) that make the figure. */
const STEADY_SAMPLES = 5;

const MODES = ["reset", "fin"] as const;

/**
 * Scenario 6: the cost of each TCP close mode. N services (5,000 in the full
 * and quick runs) on fresh loopback listeners, one subscriber each at 1 s,
 * the server started with `--tcp-close reset` and then `--tcp-close fin`
 * (reset first, and fresh listeners per mode, so no TIME_WAIT of one run is
 * counted in the other). Per mode: checks/s, lateness, server CPU per check,
 * and the TIME_WAIT sockets on the listeners' ports once 60 s of checks have
 * passed (the steady state; the kernel caps it at tcp_max_tw_buckets).
 */
export async function tcpClose(ctx: BenchContext): Promise<ScenarioResult[]> {
  const { config, farm } = ctx;
  const n = Math.min(5000, Math.max(...config.throughput.services));
  const steadyMs = config.mode === "smoke" ? 0 : TIME_WAIT_STEADY_MS;
  const results: ScenarioResult[] = [];
  for (const mode of MODES) {
    ctx.log(`tcp close ${mode}: ${n} services`);
    const ports = await farm.open(n);
    const portSet = new Set(ports);
    const callerIds = Array.from({ length: CALLERS }, (_, i) => `bench-close-${mode}-${i}`);
    let server: BenchServer | undefined;
    try {
      server = await startBenchServer({ dataDir: ctx.newDataDir(), nodeFlags: ctx.serverNodeFlags, args: ["--tcp-close", mode] });
      const { management } = createMonitorClients(server.baseUrl);
      await registerCallers(management, callerIds, config.concurrency);
      const { ids } = await registerServices(management, ports, { checkIntervalMs: 30_000, concurrency: config.concurrency });
      await subscribeAll(
        management,
        ids.map((serviceId, i) => ({ serviceId, callerId: callerIds[i % CALLERS]! })),
        { pollingIntervalMs: INTERVAL_MS, gracePeriodMs: 0, concurrency: config.concurrency },
      );
      const checking = performance.now();
      await sleep(config.settleMs);
      const list: Measurement[] = [];
      for (let r = 0; r < config.repetitions; r++) {
        list.push(await measureSeconds(farm, { server: server.pid }, config.windowSeconds, INTERVAL_MS));
      }
      const m = mergeMeasurements(list);
      // Wait out TIME_WAIT's 60 s, then sample the steady state.
      const samples: number[] = [];
      await sleep(Math.max(0, checking + steadyMs - performance.now()));
      for (let s = 0; s < STEADY_SAMPLES; s++) {
        const count = timeWaitCount(portSet);
        if (count !== undefined) samples.push(count);
        await sleep(1000);
      }
      const rates = acceptRates(m);
      const serverProc = m.processes["server"]!;
      const micros = serverProc.cores.flatMap((cores, i) => (rates[i]! > 0 ? [(cores * 1e6) / rates[i]!] : []));
      results.push({
        id: `6-tcp-close-${mode}-${n}`,
        title: `TCP close ${mode}: ${n} services at 1 s`,
        parameters: {
          services: n,
          intervalMs: INTERVAL_MS,
          closeMode: mode,
          windows: config.repetitions,
          windowSeconds: config.windowSeconds,
          tcpMaxTwBuckets: maxTimeWaitBuckets() ?? "unknown",
        },
        figures: [
          figure("checks/s achieved", "1/s", rates, { stat: "median", op: ">=", value: n * 0.99 }),
          figure("lateness (listener-side)", "ms", allLateness(m)),
          figure("server CPU", "cores", serverProc.cores),
          figure("server CPU per check", "µs", micros),
          figure("server RSS", "MB", serverProc.rssBytes.map((b) => b / MB)),
          figure("TIME_WAIT sockets after 60 s", "sockets", samples),
        ],
        notes: [
          "TIME_WAIT counts sockets with a listener port at either end (both ends are on this host), read from /proc/net/tcp{,6}.",
          "The listeners close as soon as they accept, as a server that hangs up at once would.",
        ],
      });
    } finally {
      await server?.stop();
    }
  }
  return results;
}
