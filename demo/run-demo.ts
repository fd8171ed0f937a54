import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { createMonitorClient, ServiceStatus, toMillis, type WatchResponse } from "@service-monitor/sdk";
import { startServer } from "../server/start-server.js";
import { startScenario } from "../simulator/index.js";
import type { ScenarioEvent } from "../simulator/index.js";
import { demoPlan, type DemoPlan } from "./demo-plan.js";
import { downEpisodes, explainEpisode } from "./explain-episode.js";
import { createDemoPrinter } from "./demo-printer.js";

/** A notification as the demo saw it arrive, in offsets from the scenario start. */
export interface Heard {
  readonly caller: string;
  readonly listener: string;
  readonly status: "UP" | "DOWN";
  readonly atMs: number;
  /** The first status a caller hears of a service (previous UNSPECIFIED). */
  readonly first: boolean;
}

/** One line of the summary: an episode, what a caller heard of it, and whether the rules predicted that. */
export interface Verdict {
  readonly caller: string;
  readonly listener: string;
  readonly downMs: number;
  readonly upMs: number | undefined;
  readonly heardDownMs: number | undefined;
  readonly heardUpMs: number | undefined;
  readonly why: string;
  /** False if what was heard differs from what the rules predict (beyond check rounding). */
  readonly asPredicted: boolean;
}

export interface DemoResult {
  readonly heard: readonly Heard[];
  readonly verdicts: readonly Verdict[];
}

export interface DemoOptions {
  readonly speed?: number;
  readonly color?: boolean;
  readonly write?: (text: string) => void;
}

/**
 * The whole demo: a server (in this process, temporary data dir), the
 * simulator's listeners following the plan, callers with different grace
 * periods watching through the SDK, one planned outage window — printed live,
 * then summarised with the reason for every notification heard or not heard.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const plan = demoPlan(options.speed ?? 1);
  const print = createDemoPrinter(options.write ?? ((text) => void process.stdout.write(text)), options.color ?? false);
  const dataDir = await mkdtemp(join(tmpdir(), "monitor-demo-"));
  // Auth on, as a real deployment runs it: the demo manages with an admin
  // token, and each caller watches with its own token, as an SDK client would.
  const adminToken = `demo-admin-${randomBytes(24).toString("base64url")}`;
  const server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir,
    logger: pino({ level: "warn" }, pino.destination(2)),
    clock: { now: Date.now },
    auth: { adminTokens: [adminToken] },
  });
  const baseUrl = `http://${server.address}`;
  const client = createMonitorClient({ baseUrl, token: adminToken });
  const callerClients: Array<ReturnType<typeof createMonitorClient>> = [];
  const heard: Heard[] = [];
  const serviceNames = new Map<string, string>();
  let startedAt = Number.NaN;
  const offset = (ms: number) => ms - startedAt;
  const timers: NodeJS.Timeout[] = [];
  try {
    print.intro(plan, server.address);
    const scenario = await startScenario(plan.scenario, {
      onEvent: (event) => {
        if (event.type === "transition") print.simulator(event.offsetMs, event.listener, event.state);
      },
    });
    startedAt = scenario.startedAtMs;
    const watches: Promise<void>[] = [];
    const callerTokens = new Map<string, string>();
    for (const caller of plan.callers) {
      const { callerToken } = await client.management.registerCaller({ callerId: caller.id });
      callerTokens.set(caller.id, callerToken);
    }
    for (const caller of plan.callers) {
      const own = createMonitorClient({ baseUrl, token: callerTokens.get(caller.id)! });
      callerClients.push(own);
      const events = own.watch(caller.id);
      watches.push(consume(events, caller.id, (event) => record(event, caller.id)));
    }
    for (const spec of plan.scenario.listeners) {
      const { service } = await client.management.registerService({ host: spec.host, port: scenario.ports[spec.name]!, displayName: spec.name });
      serviceNames.set(service!.id, spec.name);
      for (const caller of plan.callers) {
        await client.management.subscribe({ callerId: caller.id, serviceId: service!.id, pollingInterval: caller.pollingMs, gracePeriod: caller.graceMs });
      }
      for (const outage of plan.outages.filter((o) => o.listener === spec.name)) {
        await client.management.schedulePlannedOutage({
          serviceId: service!.id,
          startTime: startedAt + outage.startMs,
          endTime: startedAt + outage.endMs,
          reason: outage.reason,
        });
        timers.push(setTimeout(() => print.outage(outage.startMs, outage, "starts"), startedAt + outage.startMs - Date.now()));
        timers.push(setTimeout(() => print.outage(outage.endMs, outage, "ends"), startedAt + outage.endMs - Date.now()));
      }
    }
    // Stop listening just before the scenario ends and closes every listener
    // (which the monitor would rightly report as DOWN). The script leaves the
    // last few seconds quiet, so the last notifications are in by then.
    await new Promise((resolve) => setTimeout(resolve, startedAt + plan.scenario.durationMs - 200 - Date.now()));
    for (const own of callerClients) own.close();
    client.close();
    await Promise.all(watches);
    await scenario.done;
    const verdicts = judge(plan, scenario.events(), heard);
    print.summary(plan, verdicts, heard);
    return { heard, verdicts };
  } finally {
    for (const timer of timers) clearTimeout(timer);
    for (const own of callerClients) own.close();
    client.close();
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }

  function record(event: WatchResponse, caller: string) {
    if (event.event.case !== "statusChange") return;
    const change = event.event.value;
    const status = change.status === ServiceStatus.UP ? "UP" : "DOWN";
    const listener = serviceNames.get(change.serviceId) ?? change.serviceId;
    const atMs = offset(Date.now());
    const first = change.previousStatus === ServiceStatus.UNSPECIFIED;
    heard.push({ caller, listener, status, atMs, first });
    print.notification(atMs, caller, listener, status, first, change.detail, change.sinceTime === undefined ? undefined : offset(toMillis(change.sinceTime)));
  }
}

async function consume(events: AsyncIterable<WatchResponse>, caller: string, onEvent: (event: WatchResponse) => void): Promise<void> {
  try {
    for await (const event of events) onEvent(event);
  } catch (error) {
    throw new Error(`watch of ${caller} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** Matches every down episode, for every caller, with what it heard and what the rules predict. */
export function judge(plan: DemoPlan, events: readonly ScenarioEvent[], heard: readonly Heard[]): Verdict[] {
  const verdicts: Verdict[] = [];
  for (const spec of plan.scenario.listeners) {
    const transitions = events.flatMap((e) => (e.type === "transition" && e.listener === spec.name ? [e] : []));
    const windows = plan.outages.filter((o) => o.listener === spec.name);
    for (const episode of downEpisodes(spec.name, transitions)) {
      for (const caller of plan.callers) {
        const expected = explainEpisode(episode, caller.graceMs, windows);
        const mine = heard.filter((h) => h.caller === caller.id && h.listener === spec.name && !h.first);
        const until = (episode.upMs ?? Number.POSITIVE_INFINITY) + 2500;
        const down = mine.find((h) => h.status === "DOWN" && h.atMs >= episode.downMs && h.atMs < until);
        const up = down === undefined ? undefined : mine.find((h) => h.status === "UP" && h.atMs > down.atMs);
        verdicts.push({
          caller: caller.id,
          listener: spec.name,
          downMs: episode.downMs,
          upMs: episode.upMs,
          heardDownMs: down?.atMs,
          heardUpMs: up?.atMs,
          why: expected.why,
          asPredicted: (expected.downDueMs !== undefined) === (down !== undefined),
        });
      }
    }
  }
  return verdicts;
}

export async function main(argv: readonly string[]): Promise<number> {
  const usage = "Usage: npm run demo [-- --speed N]\n\n  --speed N   1 (default, about a minute) to 2: run the same story N times faster\n";
  let speed = 1;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") {
      process.stdout.write(usage);
      return 0;
    }
    const value = arg === "--speed" ? argv[++i] : arg.startsWith("--speed=") ? arg.slice(8) : undefined;
    if (value === undefined || !/^\d+(\.\d+)?$/.test(value) || Number(value) < 1 || Number(value) > 2) {
      process.stderr.write(`demo: ${value === undefined ? `unknown argument "${arg}"` : `--speed: expected a number from 1 to 2, got "${value}"`}\n\n${usage}`);
      return 2;
    }
    speed = Number(value);
  }
  const color = process.stdout.isTTY === true && (process.env["NO_COLOR"] ?? "") === "";
  const { verdicts } = await runDemo({ speed, color });
  return verdicts.every((v) => v.asPredicted) ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
