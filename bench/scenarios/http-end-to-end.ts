import { setTimeout as sleep } from "node:timers/promises";
import { createMonitorClient, type MonitorClient } from "@service-monitor/sdk";
import type { BenchContext } from "../support/bench-context.js";
import { startBenchServer, type BenchServer } from "../support/bench-server.js";
import type { FarmWindow } from "../support/farm-protocol.js";
import { acceptRates, allLateness, measureSeconds, mergeMeasurements, type Measurement } from "../support/measure.js";
import { microsPerEvent } from "../support/micros-per-event.js";
import { runPool } from "../support/monitor-client.js";
import { ALL_CPUS, canPin, pinProcess } from "../support/pin-process.js";
import { figure, type ScenarioResult } from "../support/report.js";
import { timeWaitCount } from "../support/time-wait-count.js";
import type { WebFarm } from "../support/web-farm.js";
import { servicePath } from "../support/web-farm-protocol.js";

const INTERVAL_MS = 1000;
const MB = 2 ** 20;
/** The server's core when pinned; the listeners get the other one, so they do not take the server's. */
const SERVER_CPU = "0";
const LISTENER_CPU = "1";

/** What one end-to-end run checks: HTTP services on the web farm, or TCP ones on the run's farm. */
interface Fleet {
  readonly kind: "http" | "tcp";
  /** The register request of service i (without interval and timeout). */
  readonly registration: (i: number) => Parameters<MonitorClient["management"]["registerService"]>[0];
  readonly farm: { readonly pid: number; startWindow(intervalMs: number): Promise<void>; collect(): Promise<FarmWindow> };
  /** Listener ports, for the TIME_WAIT count. */
  readonly ports: ReadonlySet<number>;
  /** Server flags beyond the defaults. */
  readonly args: readonly string[];
}

/** Why the server cannot check this fleet (it refused the first registration), or undefined. */
async function registerFleet(ctx: BenchContext, monitor: MonitorClient, fleet: Fleet, n: number): Promise<string | undefined> {
  const register = (i: number) =>
    monitor.management.registerService({ ...fleet.registration(i), checkInterval: INTERVAL_MS, checkTimeout: 2000 });
  try {
    await register(0);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  await runPool(n - 1, ctx.config.concurrency, (i) => register(i + 1));
  return undefined;
}

async function runFleet(ctx: BenchContext, fleet: Fleet, n: number, pinned: boolean): Promise<ScenarioResult> {
  const { config } = ctx;
  const id = `9-e2e-${fleet.kind}-${n}`;
  const title = `${n} ${fleet.kind.toUpperCase()} services at 1 s, the server ${pinned ? "pinned to one core" : "not pinned (no taskset)"}`;
  let server: BenchServer | undefined;
  let monitor: MonitorClient | undefined;
  if (pinned) pinProcess(fleet.farm.pid, LISTENER_CPU);
  try {
    server = await startBenchServer({
      dataDir: ctx.newDataDir(),
      nodeFlags: ctx.serverNodeFlags,
      args: fleet.args,
      ...(pinned ? { cpuList: SERVER_CPU } : {}),
    });
    monitor = createMonitorClient({ baseUrl: server.baseUrl });
    ctx.log(`http checks end to end: registering ${n} ${fleet.kind} services`);
    const refused = await registerFleet(ctx, monitor, fleet, n);
    if (refused !== undefined) {
      ctx.log(`http checks end to end (${fleet.kind}): skipped: the server refused the registration: ${refused}`);
      return { id, title, parameters: { services: n }, figures: [], notes: [`skipped: the server refused the registration: ${refused}`] };
    }
    // First checks are spread over the interval; one interval more and they are in their rhythm.
    await sleep(config.settleMs + INTERVAL_MS);
    const list: Measurement[] = [];
    for (let r = 0; r < config.repetitions; r++) {
      list.push(await measureSeconds(fleet.farm, { server: server.pid, farm: fleet.farm.pid }, config.windowSeconds, INTERVAL_MS));
    }
    const timeWait = timeWaitCount(fleet.ports);
    const m = mergeMeasurements(list);
    const rates = acceptRates(m);
    const serverProc = m.processes["server"]!;
    return {
      id,
      title,
      parameters: {
        services: n,
        intervalMs: INTERVAL_MS,
        pinned: pinned ? `server on CPU ${SERVER_CPU}, listeners on CPU ${LISTENER_CPU}` : "no",
        serverArgs: fleet.args.join(" "),
        windows: config.repetitions,
        windowSeconds: config.windowSeconds,
      },
      figures: [
        figure("checks/s achieved", "1/s", rates, { stat: "median", op: ">=", value: n * 0.99 }),
        figure("lateness (listener-side)", "ms", allLateness(m), { stat: "p99", op: "<", value: 50 }),
        figure("server CPU", "cores", serverProc.cores, { stat: "median", op: "<", value: 1 }),
        figure("server RSS", "MB", serverProc.rssBytes.map((b) => b / MB), { stat: "max", op: "<", value: 500 }),
        figure("server CPU per check", "µs", microsPerEvent(serverProc.cores, rates)),
        figure("listener CPU", "cores", m.processes["farm"]!.cores),
        figure("listener event-loop delay p99", "ms", m.seconds.map((w) => w.loopDelayP99Ms)),
        ...(timeWait === undefined ? [] : [figure("TIME_WAIT sockets at the end", "count", [timeWait])]),
      ],
      notes: [
        "Checks are counted where they arrive: requests for each service's own path (HTTP), accepts per listener (TCP).",
        "lateness = gap between consecutive checks of one service − 1 s, seen by the listener (so it includes the listener's own delay).",
      ],
    };
  } finally {
    monitor?.close();
    await server?.stop();
    if (pinned) pinProcess(fleet.farm.pid, ALL_CPUS);
  }
}

/**
 * Scenario 9, end to end: the real server with `services` HTTP services
 * registered at check_interval 1 s through the SDK (`http: { url }`, each
 * service its own path on one of `serviceListeners` listeners of the web
 * farm), pinned to one core with taskset, then as many TCP services on the
 * run's farm the same way (with `--tcp-close reset`, as scenario 1).
 */
export async function httpEndToEnd(ctx: BenchContext, web: WebFarm): Promise<ScenarioResult[]> {
  const { services: n, serviceListeners } = ctx.config.httpChecks;
  const pinned = canPin();
  const { origins } = await web.open("http", serviceListeners);
  const urls = Array.from({ length: n }, (_, i) => `${origins[i % origins.length]!}${servicePath(i)}`);
  const http: Fleet = {
    kind: "http",
    registration: (i) => ({ displayName: `bench http ${i}`, http: { url: urls[i]! } }),
    farm: { pid: web.pid, startWindow: (intervalMs) => web.startWindow(intervalMs, n), collect: () => web.collect() },
    ports: new Set(origins.map((origin) => Number(new URL(origin).port))),
    args: [],
  };
  const results = [await runFleet(ctx, http, n, pinned)];

  const tcpPorts = await ctx.farm.open(n);
  const firstIndex = ctx.farm.ports.length - n;
  const tcp: Fleet = {
    kind: "tcp",
    registration: (i) => ({ displayName: `bench tcp ${i}`, host: "127.0.0.1", port: tcpPorts[i]! }),
    farm: {
      pid: ctx.farm.pid,
      startWindow: (intervalMs) => ctx.farm.startWindow(intervalMs),
      // Only this fleet's listeners: the farm also holds earlier scenarios'.
      collect: async () => onlyListeners(await ctx.farm.collect(), firstIndex, n),
    },
    ports: new Set(tcpPorts),
    args: ["--tcp-close", "reset"],
  };
  results.push(await runFleet(ctx, tcp, n, pinned));
  return results;
}

/** The window as seen by listeners `first … first + count − 1` alone (their accepts and first accepts). */
function onlyListeners(window: FarmWindow, first: number, count: number): FarmWindow {
  const perListener = window.perListener.slice(first, first + count);
  let accepts = 0;
  for (const c of perListener) accepts += c;
  return { ...window, accepts, perListener, firstAccepts: window.firstAccepts.slice(first, first + count) };
}
