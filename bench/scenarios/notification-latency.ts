import { setTimeout as sleep } from "node:timers/promises";
import { startBenchServer } from "../support/bench-server.js";
import type { BenchContext } from "../support/bench-context.js";
import { createMonitorClients, registerCallers, registerServices, subscribeAll } from "../support/monitor-client.js";
import { figure, type ScenarioResult } from "../support/report.js";
import { withTimeout } from "../support/with-timeout.js";
import { openWatchStreams, type ReceivedChange } from "../support/watch-streams.js";

const INTERVAL_MS = 1000;
const CALLER = "bench-latency";

/**
 * Scenario 3: how long after the rules allow it a DOWN or UP reaches the
 * client. Many services go down at random moments (so 100+ transitions take
 * seconds, not 100 intervals), stay down past the grace period, and come back.
 *
 * The reference is the server's own since_time: for DOWN the first failed
 * check (+ grace = the moment rule 2 allows DOWN), for UP the first successful
 * check (rule 1). Server and bench read the same machine clock.
 */
export async function notificationLatency(ctx: BenchContext): Promise<ScenarioResult[]> {
  const { config, farm } = ctx;
  const { services: count, gracePeriodMs, spreadMs } = config.latency;
  ctx.log(`notification latency: ${count} services, grace ${gracePeriodMs} ms`);
  const first = farm.ports.length;
  const ports = await farm.open(count);
  const server = await startBenchServer({ dataDir: ctx.newDataDir(), nodeFlags: ctx.serverNodeFlags });
  const clients = createMonitorClients(server.baseUrl);
  const downLatency: number[] = [];
  const upLatency: number[] = [];
  const detection: number[] = [];
  let streams: ReturnType<typeof openWatchStreams> | undefined;
  try {
    const { ids } = await registerServices(clients.management, ports, { checkIntervalMs: 30_000, concurrency: config.concurrency });
    const indexOf = new Map(ids.map((id, i) => [id, i]));
    await registerCallers(clients.management, [CALLER], 1);
    await subscribeAll(
      clients.management,
      ids.map((serviceId) => ({ callerId: CALLER, serviceId })),
      { pollingIntervalMs: INTERVAL_MS, gracePeriodMs, concurrency: config.concurrency },
    );

    let expected: "down" | "up" = "down";
    let received = new Map<number, ReceivedChange>();
    let onAll: (() => void) | undefined;
    streams = openWatchStreams(clients, [CALLER], (change) => {
      const i = indexOf.get(change.serviceId);
      if (i === undefined || change.status !== expected || received.has(i)) return;
      received.set(i, change);
      if (received.size === count) onAll?.();
    });
    await streams.ready;
    await sleep(config.settleMs);

    for (let r = 0; r < config.repetitions; r++) {
      const wentDown = new Array<number>(count).fill(0);
      const phase = async (state: "down" | "up", delays: readonly number[]): Promise<Map<number, ReceivedChange>> => {
        expected = state === "down" ? "down" : "up";
        received = new Map();
        const all = new Promise<void>((resolve) => (onAll = resolve));
        const t0 = performance.now();
        await Promise.all(
          delays.map(async (delay, i) => {
            await sleep(Math.max(0, t0 + delay - performance.now()));
            const at = await farm.set([first + i], state);
            if (state === "down") wentDown[i] = at;
          }),
        );
        await withTimeout(all, gracePeriodMs + 15_000, () => `only ${received.size} of ${count} ${state.toUpperCase()} events arrived`);
        return received;
      };
      const delays = Array.from({ length: count }, () => Math.random() * spreadMs);
      for (const [i, change] of await phase("down", delays)) {
        downLatency.push(change.receivedAt - (change.sinceMs + gracePeriodMs));
        detection.push(change.sinceMs - wentDown[i]!);
      }
      // Each comes back once it has certainly been announced down.
      for (const change of (await phase("up", delays.map(() => Math.random() * spreadMs))).values()) {
        upLatency.push(change.receivedAt - change.sinceMs);
      }
      await sleep(config.settleMs);
    }
  } finally {
    streams?.close();
    await server.stop();
  }
  return [
    {
      id: "3-notification-latency",
      title: `Notification latency: ${count} services × ${config.repetitions} down/up cycles`,
      parameters: { services: count, intervalMs: INTERVAL_MS, gracePeriodMs, cycles: config.repetitions },
      figures: [
        figure("DOWN: arrival − (first failed check + grace)", "ms", downLatency, { stat: "p99", op: "<", value: 100 }),
        figure("UP: arrival − first successful check", "ms", upLatency, { stat: "p99", op: "<", value: 100 }),
        figure("first failed check − listener closed", "ms", detection),
      ],
      notes: [
        "One sample per transition. since_time is the start of the first check that saw the new status (server/domain/observe.ts).",
        "DOWN includes the lateness of the checks during the grace period: the check at the deadline is planned from the previous check's actual start, never less than 1 s after it.",
      ],
    },
  ];
}
