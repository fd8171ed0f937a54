import { setTimeout as sleep } from "node:timers/promises";
import { startBenchServer } from "../support/bench-server.js";
import type { BenchContext } from "../support/bench-context.js";
import { measureSeconds, mergeMeasurements, type Measurement } from "../support/measure.js";
import { createMonitorClients, registerCallers, registerServices, subscribeAll } from "../support/monitor-client.js";
import { figure, type ScenarioResult } from "../support/report.js";

const INTERVAL_MS = 1000;

/**
 * Scenario 2: one service, many subscribers at 1 s. However many callers
 * subscribe, the listener must see at most one check a second (checking
 * rule 1), and the server's CPU must not grow with the subscriber count.
 */
export async function manySubscribers(ctx: BenchContext): Promise<ScenarioResult[]> {
  const { config, farm } = ctx;
  const count = config.manySubscribers.subscribers;
  ctx.log(`one service, ${count} subscribers`);
  const [port] = await farm.open(1);
  const index = farm.ports.length - 1;
  const server = await startBenchServer({ dataDir: ctx.newDataDir(), nodeFlags: ctx.serverNodeFlags });
  try {
    const { management } = createMonitorClients(server.baseUrl);
    const { ids } = await registerServices(management, [port!], { checkIntervalMs: 30_000, concurrency: 1 });
    const callerIds = Array.from({ length: count }, (_, i) => `bench-fanin-${i}`);
    await registerCallers(management, callerIds, config.concurrency);
    await subscribeAll(
      management,
      callerIds.map((callerId) => ({ callerId, serviceId: ids[0]! })),
      { pollingIntervalMs: INTERVAL_MS, gracePeriodMs: 0, concurrency: config.concurrency },
    );
    await sleep(config.settleMs);
    const list: Measurement[] = [];
    for (let r = 0; r < config.repetitions; r++) {
      list.push(await measureSeconds(farm, { server: server.pid }, config.windowSeconds, INTERVAL_MS));
    }
    const m = mergeMeasurements(list);
    // Gaps between consecutive checks at this listener (the farm reports
    // gap − interval); a rate is 1000 / gap.
    const gaps: number[] = [];
    for (const w of m.seconds) for (const lateness of w.lateness) gaps.push(lateness + INTERVAL_MS);
    const perWindowRate = list.map((one) => {
      const accepts = one.seconds.reduce((sum, w) => sum + (w.perListener[index] ?? 0), 0);
      const seconds = one.seconds.reduce((sum, w) => sum + w.durationMs, 0) / 1000;
      return accepts / seconds;
    });
    return [
      {
        id: "2-many-subscribers",
        title: `One service, ${count} subscribers at 1 s`,
        parameters: { subscribers: count, intervalMs: INTERVAL_MS, windows: config.repetitions, windowSeconds: config.windowSeconds },
        figures: [
          figure("checks/s at the listener (per window)", "1/s", perWindowRate),
          figure("gap between checks", "ms", gaps, { stat: "min", op: ">=", value: 990 }),
          figure("server CPU", "cores", m.processes["server"]!.cores),
        ],
        notes: [
          "A window's rate counts whole accepts, so it may read one check more or less than the true rate over a short window; the gaps are exact.",
          "The gap target allows 10 ms: gaps are stamped by the listener farm, whose own event-loop delay (scenario 1) shifts single stamps by a few ms.",
        ],
      },
    ];
  } finally {
    await server.stop();
  }
}
