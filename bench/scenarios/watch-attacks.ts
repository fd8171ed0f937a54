import { setTimeout as sleep } from "node:timers/promises";
import { ServiceStatus } from "../../sdk/gen/monitor/v1/resources_pb.js";
import type { BenchContext } from "../support/bench-context.js";
import { startBenchServer, type BenchServer } from "../support/bench-server.js";
import { forkWorker, type ChildWorker } from "../support/child-worker.js";
import { startListServicesProbe, type ProbeResult } from "../support/list-services-probe.js";
import { createMonitorClients, registerCallers, registerServices, subscribeAll, type MonitorClients } from "../support/monitor-client.js";
import { readRssBytes, startProcessMeter } from "../support/process-stats.js";
import { openRawSession, openRawWatch } from "../support/raw-watch.js";
import { figure, type Figure, type ScenarioResult } from "../support/report.js";
import type { FloodResult, WatchAttackerRequest, WatchAttackerResults } from "../support/watch-attacker-child.js";

const MB = 2 ** 20;
const CHECK_INTERVAL_MS = 1000;
/** The server's defaults, which this scenario runs with (only the buffer is made small). */
const PER_CALLER_LIMIT = 16;
const PER_CONNECTION_LIMIT = 100;
/** Per-stream flow-control window of the slow streams' sessions: the server can send ~15 events before the window is full. */
const SLOW_WINDOW_BYTES = 1024;
/** A ListServices call slower than this counts as failed (the issue saw it time out for 32 s). */
const PROBE_TIMEOUT_MS = 10_000;
/** RSS is sampled this often during the attacks, so the peak is seen. */
const METER_PERIOD_MS = 250;
/** Phase B gives up waiting for the cuts after this long. */
const CUTS_TIMEOUT_MS = 120_000;
/** The flapping services change state this often; they are checked every second. */
const FLAP_PERIOD_MS = 1000;

type Attacker = ChildWorker<WatchAttackerRequest, WatchAttackerResults>;

/** The probe's figures for one phase: latency, and failures as a count (never NaN, so the smoke run can check them). */
function probeFigures(phase: string, result: ProbeResult): Figure[] {
  return [
    figure(`ListServices latency ${phase}`, "ms", result.latencies),
    figure(`ListServices calls failed or timed out (${PROBE_TIMEOUT_MS / 1000} s), ${phase}`, "calls", [result.failed]),
  ];
}

function failureNotes(phase: string, result: ProbeResult): string[] {
  const notes = Object.entries(result.failures).map(([message, n]) => `${phase}: ${n} ListServices call(s) failed: ${message}`);
  if (result.skipped > 0) notes.push(`${phase}: ${result.skipped} ListServices call(s) not sent, too many unanswered`);
  return notes;
}

async function waitUntilUp(management: MonitorClients["management"], serviceId: string): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    const { service } = await management.getService({ serviceId });
    if (service?.state?.status === ServiceStatus.UP) return;
    await sleep(100);
  }
  throw new Error(`service ${serviceId} not UP within 30 s`);
}

/**
 * Scenario 7 (issue 8): what a well-behaved client sees while one client
 * attacks with Watch streams. The measuring client (here, in the driver)
 * calls ListServices every 20 ms on a fixed schedule; the attacker is a child
 * process (watch-attacker-child.ts). Phase 0 measures the baseline; phase A
 * opens 5,000 streams of one caller in one burst over 25 connections, which
 * the per-connection (100) and per-caller (16) limits refuse, then over 50
 * connections (100 each: all reach the per-caller limit); phase B holds
 * 1,000 streams of 100 callers that never read, and flaps services those
 * callers subscribe to until every one of the streams has been cut, while a reading watcher of
 * one of the callers counts what it receives.
 */
export async function watchAttacks(ctx: BenchContext): Promise<ScenarioResult[]> {
  const { config, farm } = ctx;
  const c = config.watchAttacks;
  if (c.flappingServices >= c.bufferEvents) {
    // One flip is one event per flapping service, pushed to each stream at once: the normal watcher would be cut too.
    throw new Error(`watchAttacks: flappingServices (${c.flappingServices}) must be below bufferEvents (${c.bufferEvents})`);
  }
  ctx.log(`watch attacks: ${c.floodStreams} streams of one caller, then ${c.slowCallers * c.slowStreamsPerCaller} slow streams`);
  const ports = await farm.open(c.services);
  const slowCallers = Array.from({ length: c.slowCallers }, (_, i) => `bench-slow-${i}`);
  let server: BenchServer | undefined;
  let attacker: Attacker | undefined;
  const results: ScenarioResult[] = [];
  try {
    server = await startBenchServer({
      dataDir: ctx.newDataDir(),
      nodeFlags: ctx.serverNodeFlags,
      args: ["--watch-buffer-events", String(c.bufferEvents)],
    });
    const { management } = createMonitorClients(server.baseUrl);
    const { ids } = await registerServices(management, ports, { checkIntervalMs: CHECK_INTERVAL_MS, concurrency: config.concurrency });
    await registerCallers(management, ["bench-flood", ...slowCallers], config.concurrency);
    // The flapping services of phase B, subscribed now so that setting them up is not measured.
    const firstFlapping = farm.ports.length;
    const flappingPorts = await farm.open(c.flappingServices);
    const flapping = flappingPorts.map((_, i) => firstFlapping + i);
    const { ids: flappingIds } = await registerServices(management, flappingPorts, { checkIntervalMs: CHECK_INTERVAL_MS, concurrency: config.concurrency });
    await subscribeAll(
      management,
      slowCallers.flatMap((callerId) => flappingIds.map((serviceId) => ({ callerId, serviceId }))),
      { pollingIntervalMs: CHECK_INTERVAL_MS, gracePeriodMs: 0, concurrency: config.concurrency },
    );
    for (const id of [ids[0]!, ...flappingIds]) await waitUntilUp(management, id);
    attacker = await forkWorker<WatchAttackerRequest, WatchAttackerResults>("bench/support/watch-attacker-child.ts");
    const probeOptions = { periodMs: c.probePeriodMs, timeoutMs: PROBE_TIMEOUT_MS, maxInFlight: 1000 };
    const baseParameters = {
      services: c.services,
      probePeriodMs: c.probePeriodMs,
      maxWatchStreamsPerCaller: PER_CALLER_LIMIT,
      maxWatchStreamsPerConnection: PER_CONNECTION_LIMIT,
      watchBufferEvents: c.bufferEvents,
    };
    await sleep(config.settleMs);

    // Phase 0: the baseline.
    ctx.log("watch attacks: baseline");
    const baselineProbe = startListServicesProbe(management, probeOptions);
    const baselineMeter = startProcessMeter({ server: server.pid });
    await sleep(config.windowSeconds * config.repetitions * 1000);
    const baseline = await baselineProbe.stop();
    const baselineProc = baselineMeter.stop()["server"]!;
    results.push({
      id: "7-watch-baseline",
      title: `ListServices (${c.services} services) every ${c.probePeriodMs} ms, no attack`,
      parameters: { ...baseParameters, seconds: config.windowSeconds * config.repetitions },
      figures: [
        ...probeFigures("at baseline", baseline),
        figure("server CPU", "cores", baselineProc.cores),
        figure("server RSS", "MB", baselineProc.rssBytes.map((b) => b / MB)),
      ],
      notes: failureNotes("baseline", baseline),
    });

    // Phase A: one caller's burst of streams, `repetitions` times per layout.
    for (const connections of c.floodConnections) {
      results.push(await floodBursts(ctx, server, attacker, management, connections, baseParameters));
    }

    // Phase B: slow streams, cut as events fill their buffers.
    results.push(await slowStreams(ctx, server, attacker, management, slowCallers, flapping, baseParameters));
  } finally {
    await attacker?.kill();
    await server?.stop();
  }
  return results;
}

/** Phase A of {@link watchAttacks}: `repetitions` bursts over `connections` connections. */
async function floodBursts(
  ctx: BenchContext,
  server: BenchServer,
  attacker: Attacker,
  management: MonitorClients["management"],
  connections: number,
  baseParameters: Readonly<Record<string, number>>,
): Promise<ScenarioResult> {
  const { config } = ctx;
  const c = config.watchAttacks;
  const floods: FloodResult[] = [];
  const probes: ProbeResult[] = [];
  const rss: number[] = [];
  const cores: number[] = [];
  for (let r = 0; r < config.repetitions; r++) {
    ctx.log(`watch attacks: ${c.floodStreams} streams over ${connections} connections, burst ${r + 1} of ${config.repetitions}`);
    const meter = startProcessMeter({ server: server.pid }, METER_PERIOD_MS);
    const probe = startListServicesProbe(management, { periodMs: c.probePeriodMs, timeoutMs: PROBE_TIMEOUT_MS, maxInFlight: 1000 });
    floods.push(
      await attacker.request({ op: "flood", baseUrl: server.baseUrl, callerId: "bench-flood", streams: c.floodStreams, connections }),
    );
    probes.push(await probe.stop());
    const proc = meter.stop()["server"]!;
    rss.push(...proc.rssBytes, readRssBytes(server.pid));
    cores.push(...proc.cores);
    await attacker.request({ op: "release" });
    await sleep(config.settleMs);
  }
  const during: ProbeResult = {
    latencies: probes.flatMap((p) => p.latencies),
    failures: Object.assign({}, ...probes.map((p) => p.failures)) as Record<string, number>,
    failed: probes.reduce((n, p) => n + p.failed, 0),
    skipped: probes.reduce((n, p) => n + p.skipped, 0),
  };
  const other = floods.flatMap((f) => Object.entries(f.refusedOther).map(([how, n]) => `${n} stream(s) refused otherwise: ${how}`));
  return {
    id: `7-watch-flood-${c.floodStreams}x${connections}`,
    title: `${c.floodStreams} Watch streams of one caller in one burst over ${connections} connections`,
    parameters: { ...baseParameters, streams: c.floodStreams, connections, streamsPerConnection: c.floodStreams / connections, bursts: config.repetitions },
    figures: [
      ...probeFigures("during the burst", during),
      figure("all streams answered (admitted or refused)", "ms", floods.map((f) => f.allAnsweredMs)),
      figure("stream answered, from the burst's start", "ms", floods.flatMap((f) => f.answerMs)),
      figure("streams admitted", "streams", floods.map((f) => f.admitted)),
      figure("refused: per-caller limit (RESOURCE_EXHAUSTED)", "streams", floods.map((f) => f.refusedByCaller)),
      figure("refused: per-connection limit (RESOURCE_EXHAUSTED)", "streams", floods.map((f) => f.refusedByConnection)),
      figure("closed without an answer", "streams", floods.map((f) => f.closedUnanswered)),
      figure(`server CPU (${METER_PERIOD_MS} ms samples)`, "cores", cores),
      figure("server RSS during the burst", "MB", rss.map((b) => b / MB)),
    ],
    notes: [
      "The probe runs from the burst's first request until its last stream is answered, so its samples are all under attack.",
      "Admitted streams read their snapshot; the burst's streams are all opened at once, as fast as the attacker's process can write them.",
      ...other,
      ...failureNotes("burst", during),
    ],
  };
}

/** Phase B of {@link watchAttacks}. */
async function slowStreams(
  ctx: BenchContext,
  server: BenchServer,
  attacker: Attacker,
  management: MonitorClients["management"],
  callerIds: readonly string[],
  flapping: readonly number[],
  baseParameters: Readonly<Record<string, number>>,
): Promise<ScenarioResult> {
  const { config, farm } = ctx;
  const c = config.watchAttacks;
  const total = c.slowCallers * c.slowStreamsPerCaller;
  ctx.log(`watch attacks: ${total} slow streams`);
  const rssBefore = readRssBytes(server.pid);
  const opened = await attacker.request({
    op: "slow",
    baseUrl: server.baseUrl,
    callerIds,
    streamsPerCaller: c.slowStreamsPerCaller,
    streamsPerConnection: c.slowStreamsPerConnection,
    windowBytes: SLOW_WINDOW_BYTES,
  });
  if (opened.refused > 0) throw new Error(`${opened.refused} of ${total} slow streams were refused: the sizes exceed the limits`);
  const rssOpened = readRssBytes(server.pid);

  // A normal watcher of the first slow caller, reading everything, on its own connection.
  const readerSession = await openRawSession(server.baseUrl);
  const sequences: number[] = [];
  const reader = openRawWatch(readerSession, callerIds[0]!, { read: true, onMessage: (m) => sequences.push(Number(m.sequence)) });
  try {
    const answer = await reader.answered;
    if (answer.kind !== "admitted") throw new Error(`the normal watcher was not admitted: ${JSON.stringify(answer)}`);

    const meter = startProcessMeter({ server: server.pid }, METER_PERIOD_MS);
    const probe = startListServicesProbe(management, { periodMs: c.probePeriodMs, timeoutMs: PROBE_TIMEOUT_MS, maxInFlight: 1000 });
    // The smoke run must stay inside its test's time limit even when streams are not cut.
    const cutsDone = attacker.request({ op: "cuts", timeoutMs: config.mode === "smoke" ? 20_000 : CUTS_TIMEOUT_MS });
    let waiting = true;
    void cutsDone.finally(() => (waiting = false));
    // Every flip of the flapping services is one event for every slow caller.
    const flapBegun = performance.now();
    let flips = 0;
    while (waiting) {
      await farm.set(flapping, flips % 2 === 0 ? "down" : "up");
      flips++;
      await Promise.race([cutsDone, sleep(Math.max(0, flapBegun + flips * FLAP_PERIOD_MS - performance.now()))]);
    }
    const flappedMs = performance.now() - flapBegun;
    if (flips % 2 === 1) await farm.set(flapping, "up");
    const cuts = await cutsDone;
    const during = await probe.stop();
    const proc = meter.stop()["server"]!;
    const rssCut = readRssBytes(server.pid);

    // What the normal watcher's caller was sent: the log's last sequence (a
    // new stream's snapshot, once the last UP is announced) minus the
    // watcher's snapshot. It must have received every one, in order.
    await sleep(2 * CHECK_INTERVAL_MS);
    const logged: number[] = [];
    const check = openRawWatch(readerSession, callerIds[0]!, { read: true, onMessage: (m) => logged.push(Number(m.sequence)) });
    await check.answered;
    check.close();
    const owed = (logged[0] ?? Number.NaN) - sequences[0]!;
    const deadline = performance.now() + 20_000;
    while (sequences.length - 1 < owed && !reader.isEnded() && performance.now() < deadline) await sleep(50);
    const delivered = sequences.length - 1;
    let gaps = 0;
    for (let i = 2; i < sequences.length; i++) if (sequences[i] !== sequences[i - 1]! + 1) gaps++;
    const readerOpen = !reader.isEnded();

    await attacker.request({ op: "release" });
    await sleep(config.settleMs);
    const rssAfter = readRssBytes(server.pid);
    const lastCut = cuts.cutAfterMs.length === 0 ? Number.NaN : Math.max(...cuts.cutAfterMs);
    return {
      id: `7-watch-slow-${total}`,
      title: `${total} Watch streams that never read (${c.slowCallers} callers × ${c.slowStreamsPerCaller}), cut while events fill their buffers`,
      parameters: {
        ...baseParameters,
        slowStreams: total,
        callers: c.slowCallers,
        connections: opened.connections,
        streamWindowBytes: SLOW_WINDOW_BYTES,
        flappingServices: flapping.length,
        flips,
      },
      figures: [
        ...probeFigures("while the streams are cut", during),
        figure("slow streams cut (ENHANCE_YOUR_CALM / RESOURCE_EXHAUSTED)", "streams", [cuts.cut]),
        figure("slow streams not cut when the wait ended", "streams", [cuts.notCut]),
        figure("stream cut, after the events began", "ms", cuts.cutAfterMs),
        figure("last stream cut, after the events began", "ms", [lastCut]),
        figure("events per caller while flapping", "1/s", [(owed * 1000) / flappedMs]),
        figure("normal watcher: events received", "events", [delivered]),
        figure("normal watcher: events sent to its caller", "events", [owed]),
        figure("normal watcher: gaps in its sequence", "gaps", [gaps]),
        figure(`server CPU (${METER_PERIOD_MS} ms samples)`, "cores", proc.cores),
        figure("server RSS before the slow streams", "MB", [rssBefore / MB]),
        figure("server RSS with them open", "MB", [rssOpened / MB]),
        figure("server RSS while they are cut (peak)", "MB", [Math.max(rssCut, ...proc.rssBytes) / MB]),
        figure("server RSS once all are cut", "MB", [rssCut / MB]),
        figure(`server RSS ${config.settleMs / 1000} s after the attacker left`, "MB", [rssAfter / MB]),
      ],
      notes: [
        `Each slow stream is paused on a connection with a ${SLOW_WINDOW_BYTES}-byte stream window: the server can write ~15 events, then one more is in flight, then its buffer of ${c.bufferEvents} fills and it is reset.`,
        `Events: ${flapping.length} services that every slow caller subscribes to (grace 0) go down and up every ${FLAP_PERIOD_MS / 1000} s (the listener farm), so each check of each is one event per caller.`,
        "Cut times are taken in the attacker's process from when it was asked to wait for them, just as the first flip was made.",
        `The normal watcher ${readerOpen ? "was still open" : "had ENDED"} at the end.`,
        ...Object.entries(cuts.otherEnds).map(([how, n]) => `${n} slow stream(s) ended otherwise: ${how}`),
        ...failureNotes("slow streams", during),
      ],
    };
  } finally {
    reader.close();
    readerSession.destroy();
  }
}
