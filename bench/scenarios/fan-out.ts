import { setTimeout as sleep } from "node:timers/promises";
import { startBenchServer } from "../support/bench-server.js";
import type { BenchContext } from "../support/bench-context.js";
import { createMonitorClients, registerCallers, registerServices, subscribeAll } from "../support/monitor-client.js";
import { readRssBytes } from "../support/process-stats.js";
import { figure, type ScenarioResult } from "../support/report.js";
import { openRawWatchStreams } from "../support/raw-watch-streams.js";
import type { WatchStreams } from "../support/watch-streams.js";
import { withTimeout } from "../support/with-timeout.js";

const INTERVAL_MS = 1000;
const KB = 1024;

/**
 * Scenario 4: one service watched by many callers, each with its own open
 * Watch stream; one transition must reach every stream. The clock starts at
 * the server's since_time (with grace 0, the moment the rules allow the
 * announcement) and stops when each stream hands the event over.
 */
export async function fanOut(ctx: BenchContext): Promise<ScenarioResult[]> {
  const { config, farm } = ctx;
  const { streams: sizes, transitions, streamsPerConnection } = config.fanOut;
  const [port] = await farm.open(1);
  const index = farm.ports.length - 1;
  // The bench multiplexes streamsPerConnection streams (of as many callers) per connection: above the default limit of 100.
  const server = await startBenchServer({
    dataDir: ctx.newDataDir(),
    nodeFlags: ctx.serverNodeFlags,
    args: ["--max-watch-streams-per-connection", String(streamsPerConnection)],
  });
  const { management } = createMonitorClients(server.baseUrl);
  const open: WatchStreams[] = [];
  const results: ScenarioResult[] = [];
  try {
    const { ids } = await registerServices(management, [port!], { checkIntervalMs: 30_000, concurrency: 1 });
    const serviceId = ids[0]!;
    let state: "up" | "down" = "up";
    /** Per stream, the latency of the current transition (NaN until it arrives). */
    let latency = new Float64Array(0);
    let arrived = 0;
    let onAll: (() => void) | undefined;
    let callers = 0;
    let connections = 0;

    for (const size of sizes) {
      ctx.log(`fan-out: ${size} streams`);
      const added = Array.from({ length: size - callers }, (_, i) => `bench-fanout-${callers + i}`);
      await registerCallers(management, added, config.concurrency);
      await subscribeAll(
        management,
        added.map((callerId) => ({ callerId, serviceId })),
        { pollingIntervalMs: INTERVAL_MS, gracePeriodMs: 0, concurrency: config.concurrency },
      );
      const rssBefore = readRssBytes(server.pid);
      const first = callers;
      const streams = openRawWatchStreams(server.baseUrl, added, streamsPerConnection, (change) => {
        const stream = first + change.stream;
        if (change.serviceId !== serviceId || change.status !== state || !Number.isNaN(latency[stream]!)) return;
        latency[stream] = change.receivedAt - change.sinceMs;
        if (++arrived === size) onAll?.();
      });
      open.push(streams);
      connections += streams.connections;
      await streams.ready;
      callers = size;
      await sleep(config.settleMs);
      const rssPerStream = (readRssBytes(server.pid) - rssBefore) / added.length;

      const all: number[] = [];
      const last: number[] = [];
      for (let t = 0; t < transitions; t++) {
        state = state === "up" ? "down" : "up";
        latency = new Float64Array(size).fill(Number.NaN);
        arrived = 0;
        const done = new Promise<void>((resolve) => (onAll = resolve));
        await farm.set([index], state);
        await withTimeout(done, 60_000, () => `only ${arrived} of ${size} streams received ${state.toUpperCase()}`);
        all.push(...latency);
        last.push(Math.max(...latency));
        await sleep(config.settleMs);
      }
      results.push({
        id: `4-fan-out-${size}`,
        title: `Fan-out: one transition to ${size} open Watch streams`,
        parameters: { streams: size, callers: size, connections, transitions, streamsPerConnection },
        figures: [
          figure("stream receives the transition", "ms", all),
          figure("last stream receives it", "ms", last, { stat: "p99", op: "<", value: 250 }),
          figure(`server RSS per stream opened (${added.length})`, "KB", [rssPerStream / KB]),
          figure("server RSS", "MB", [readRssBytes(server.pid) / KB / KB]),
        ],
        notes: [
          "Each stream belongs to its own caller, so one transition is one event per caller: logged in one SQLite transaction, then sent on every stream.",
          "Latency is from since_time (grace 0: the moment the rules allow the event) to the bytes arriving at the client, which is one process holding every stream over bare node:http2 (gRPC framing by hand, so its cost stays small).",
        ],
      });
    }
  } finally {
    for (const streams of open) streams.close();
    await server.stop();
  }
  return results;
}
