import { setTimeout as sleep } from "node:timers/promises";
import { startBenchServer, type BenchServer } from "../support/bench-server.js";
import type { BenchContext } from "../support/bench-context.js";
import { directoryBytes } from "../support/directory-bytes.js";
import {
  createMonitorClients,
  perSecondRates,
  registerCallers,
  registerServices,
  subscribeAll,
} from "../support/monitor-client.js";
import { figure, type ScenarioResult } from "../support/report.js";

/**
 * Subscriptions poll at 30 s: at 1 s, 10,000 services would ask for more
 * checks than this machine's server can run (scenario 1), and the calls/s
 * would measure check overload instead of registry writes.
 */
const POLLING_MS = 30_000;
const MB = 2 ** 20;

/**
 * Scenario 5: durable registry writes, then restarts. Every mutation answers
 * only after the registry file holding it is renamed into place, so calls/s
 * is the rate of durable mutations with `concurrency` in flight. The restart
 * is timed from spawn to the "listening" line. (The first check after it is
 * not a start-up figure any more: observed state survives a restart, so each
 * service keeps the rhythm of its checks before it.)
 */
export async function registryAndRestart(ctx: BenchContext): Promise<ScenarioResult[]> {
  const { config, farm } = ctx;
  const { services: count, callers: callerCount, restarts } = config.registry;
  ctx.log(`registry: ${count} services + ${count} subscriptions, ${config.concurrency} in flight`);
  // The throughput scenario's listeners serve again when it ran; else open them.
  if (farm.ports.length < count) await farm.open(count - farm.ports.length);
  const ports = farm.ports.slice(0, count);
  const dataDir = ctx.newDataDir();
  let server: BenchServer | undefined = await startBenchServer({ dataDir, nodeFlags: ctx.serverNodeFlags });
  const toListening: number[] = [];
  const stopTimes: number[] = [];
  try {
    const { management } = createMonitorClients(server.baseUrl);
    const registered = await registerServices(management, ports, { checkIntervalMs: 30_000, concurrency: config.concurrency });
    const callerIds = Array.from({ length: callerCount }, (_, i) => `bench-registry-${i}`);
    await registerCallers(management, callerIds, config.concurrency);
    const subscribed = await subscribeAll(
      management,
      registered.ids.map((serviceId, i) => ({ serviceId, callerId: callerIds[i % callerCount]! })),
      { pollingIntervalMs: POLLING_MS, gracePeriodMs: 0, concurrency: config.concurrency },
    );
    // The whole data dir: registry.json + events.db before issue 9, monitor.db since.
    const registryBytes = directoryBytes(dataDir);

    for (let r = 0; r < restarts; r++) {
      ctx.log(`restart ${r + 1} of ${restarts} with ${count} services`);
      await sleep(config.settleMs);
      const stopping = performance.now();
      await server.stop();
      stopTimes.push(performance.now() - stopping);
      server = undefined;
      server = await startBenchServer({ dataDir, nodeFlags: ctx.serverNodeFlags });
      toListening.push(server.listeningAt - server.spawnedAt);
    }
    return [
      {
        id: "5-registry-restart",
        title: `Registry: ${count} durable RegisterService + ${count} Subscribe; restart with them`,
        parameters: { services: count, subscriptions: count, callers: callerCount, pollingMs: POLLING_MS, concurrency: config.concurrency, restarts },
        figures: [
          figure("RegisterService calls/s", "1/s", perSecondRates(registered.timings), { stat: "median", op: ">=", value: 1000 }),
          figure("RegisterService latency", "ms", registered.timings.latencies),
          figure("Subscribe calls/s", "1/s", perSecondRates(subscribed), { stat: "median", op: ">=", value: 1000 }),
          figure("Subscribe latency", "ms", subscribed.latencies),
          figure("data dir size", "MB", [registryBytes / MB]),
          figure("restart: spawn → listening", "ms", toListening, { stat: "max", op: "<", value: 2000 }),
          figure("graceful stop (SIGTERM → exit)", "ms", stopTimes),
        ],
        notes: [
          "calls/s samples are one-second windows of completions. Subscriptions poll every 30 s, so checks (167/s) stay light.",
        ],
      },
    ];
  } finally {
    await server?.stop();
  }
}
