import type { MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ServiceStatus } from "../../sdk/gen/monitor/v1/resources_pb.js";
import type { WatchRequestSchema, WatchResponse } from "../../sdk/gen/monitor/v1/watch_service_pb.js";
import { createInMemoryMonitor, type InMemoryMonitorOptions } from "../support/in-memory-monitor.js";

type Monitor = Awaited<ReturnType<typeof createInMemoryMonitor>>;
const monitors: Monitor[] = [];
afterEach(async () => {
  for (const m of monitors.splice(0)) await m.close();
});

async function monitor(options: InMemoryMonitorOptions = {}) {
  const m = await createInMemoryMonitor(options);
  monitors.push(m);
  return m;
}

const s = (seconds: number) => durationFromMs(seconds * 1000);
const UP = ServiceStatus.UP;
const DOWN = ServiceStatus.DOWN;

/** A compact, comparable view of a WatchResponse. */
function describeEvent(res: WatchResponse): string {
  const e = res.event;
  switch (e.case) {
    case "snapshot":
      return `#${res.sequence} snapshot${e.value.resync ? " resync" : ""} [${e.value.subscriptions.map((x) => `${x.serviceId}=${ServiceStatus[x.status]}`).join(",")}]`;
    case "statusChange":
      return `#${res.sequence} ${e.value.serviceId} ${ServiceStatus[e.value.previousStatus]}->${ServiceStatus[e.value.status]}`;
    case "subscriptionEnded":
      return `#${res.sequence} ${e.value.serviceId} ended: ${e.value.reason}`;
    default:
      return `#${res.sequence} ?`;
  }
}

/**
 * Collects a stream's events in the background; `stop()` cancels it and
 * returns how it ended. `from`: after_sequence, or "start" for
 * after_sequence 0 with replay_from_start.
 */
function collect(m: Monitor, callerId: string, from: number | "start" = 0) {
  const abort = new AbortController();
  const events: WatchResponse[] = [];
  const request = from === "start" ? { callerId, replayFromStart: true } : { callerId, afterSequence: BigInt(from) };
  const done = (async () => {
    try {
      for await (const res of m.watch.watch(request, { signal: abort.signal })) {
        events.push(res);
      }
      return undefined;
    } catch (error) {
      return ConnectError.from(error);
    }
  })();
  return {
    events,
    lines: () => events.map(describeEvent),
    done,
    async stop() {
      abort.abort();
      return done;
    },
  };
}

/** How a Watch call fails before its first response (undefined if it sends one). */
async function watchError(m: Monitor, request: MessageInitShape<typeof WatchRequestSchema>): Promise<ConnectError | undefined> {
  try {
    for await (const _ of m.watch.watch(request)) break;
  } catch (e) {
    return ConnectError.from(e);
  }
  return undefined;
}

/** A service on `port` (answers set through m.answers), a caller, a subscription. */
async function setup(m: Monitor, opts: { port?: number; polling?: number; grace?: number; callerId?: string; checkInterval?: number } = {}) {
  const port = opts.port ?? 5000;
  const existing = m.registry.listServices().find((x) => x.port === port);
  const serviceId =
    existing?.id ??
    (await m.management.registerService({ host: "127.0.0.1", port, checkInterval: s(opts.checkInterval ?? 30) })).service!.id;
  const callerId = opts.callerId ?? "bot";
  if (m.registry.getCaller(callerId) === undefined) await m.management.registerCaller({ callerId });
  await m.management.subscribe({ callerId, serviceId, pollingInterval: s(opts.polling ?? 1), gracePeriod: s(opts.grace ?? 0) });
  return { serviceId, callerId, port };
}

describe("Watch: snapshot, live, replay", () => {
  it("after_sequence 0 sends a snapshot, then each status change live", async () => {
    const m = await monitor();
    m.answers.set(5000, "up");
    const { serviceId } = await setup(m, { grace: 2 });
    await m.time.advance(0); // first check: UP announced (sequence 1)
    const stream = collect(m, "bot");
    await m.time.settle();
    expect(stream.lines()).toEqual([`#1 snapshot [${serviceId}=UP]`]);
    m.answers.set(5000, "connection refused");
    await m.time.advance(5000);
    expect(stream.lines()).toEqual([`#1 snapshot [${serviceId}=UP]`, `#2 ${serviceId} UP->DOWN`]);
    const change = stream.events[1]!.event;
    expect(change.case === "statusChange" && change.value.detail).toBe("connection refused");
    expect(change.case === "statusChange" && change.value.host).toBe("127.0.0.1");
    expect(await stream.stop()).toMatchObject({ code: Code.Canceled });
  });

  it("a snapshot before any check shows UNSPECIFIED and sequence 0", async () => {
    const m = await monitor();
    const { serviceId } = await setup(m);
    const stream = collect(m, "bot");
    await m.time.settle();
    expect(stream.lines()).toEqual([`#0 snapshot [${serviceId}=UNSPECIFIED]`]);
    await stream.stop();
  });

  it("replays exactly the events after N, in order, then goes live", async () => {
    const m = await monitor();
    const { serviceId } = await setup(m);
    for (const answer of ["up", "refused", "up", "refused", "up"]) {
      m.answers.set(5000, answer);
      await m.time.advance(1000);
    }
    expect((await m.log.position("bot")).lastSequence).toBe(5);
    const stream = collect(m, "bot", 2);
    await m.time.settle();
    expect(stream.lines()).toEqual([`#3 ${serviceId} DOWN->UP`, `#4 ${serviceId} UP->DOWN`, `#5 ${serviceId} DOWN->UP`]);
    m.answers.set(5000, "refused");
    await m.time.advance(1000);
    expect(stream.lines().at(-1)).toBe(`#6 ${serviceId} UP->DOWN`);
    await stream.stop();
  });

  it("after_sequence = the last sequence sends nothing until the next event", async () => {
    const m = await monitor();
    m.answers.set(5000, "up");
    const { serviceId } = await setup(m);
    await m.time.advance(0);
    const stream = collect(m, "bot", 1);
    await m.time.advance(3000);
    expect(stream.lines()).toEqual([]);
    m.answers.set(5000, "refused");
    await m.time.advance(1000);
    expect(stream.lines()).toEqual([`#2 ${serviceId} UP->DOWN`]);
    await stream.stop();
  });

  it("sends a resync snapshot when the events after N are no longer retained, or N is unknown", async () => {
    const m = await monitor({ retentionPerCaller: 3 });
    const { serviceId } = await setup(m);
    for (let i = 0; i < 6; i++) {
      m.answers.set(5000, i % 2 === 0 ? "up" : "refused");
      await m.time.advance(1000);
    }
    expect(await m.log.position("bot")).toEqual({ lastSequence: 6, firstRetained: 4 });
    const old = collect(m, "bot", 1);
    const ahead = collect(m, "bot", 99);
    const edge = collect(m, "bot", 3);
    await m.time.settle();
    expect(old.lines()).toEqual([`#6 snapshot resync [${serviceId}=DOWN]`]);
    expect(ahead.lines()).toEqual([`#6 snapshot resync [${serviceId}=DOWN]`]);
    expect(edge.lines()).toEqual([`#4 ${serviceId} UP->DOWN`, `#5 ${serviceId} DOWN->UP`, `#6 ${serviceId} UP->DOWN`]);
    await Promise.all([old.stop(), ahead.stop(), edge.stop()]);
  });

  it("replay_from_start sends every event from #1, then live, with no snapshot; plain after 0 still gets one", async () => {
    const m = await monitor();
    const { serviceId } = await setup(m);
    const early = collect(m, "bot", "start");
    await m.time.settle();
    expect(early.lines()).toEqual([]); // an empty log: nothing to replay yet
    for (const answer of ["up", "refused", "up"]) {
      m.answers.set(5000, answer);
      await m.time.advance(1000);
    }
    const history = [`#1 ${serviceId} UNSPECIFIED->UP`, `#2 ${serviceId} UP->DOWN`, `#3 ${serviceId} DOWN->UP`];
    expect(early.lines()).toEqual(history);
    const late = collect(m, "bot", "start");
    const plain = collect(m, "bot");
    await m.time.settle();
    expect(late.lines()).toEqual(history);
    expect(plain.lines()).toEqual([`#3 snapshot [${serviceId}=UP]`]);
    m.answers.set(5000, "refused");
    await m.time.advance(1000);
    expect(late.lines()).toEqual([...history, `#4 ${serviceId} UP->DOWN`]);
    expect(plain.lines().slice(1)).toEqual([`#4 ${serviceId} UP->DOWN`]);
    await Promise.all([early.stop(), late.stop(), plain.stop()]);
  });

  it("replay_from_start sends a resync snapshot once event 1 is no longer retained", async () => {
    const m = await monitor({ retentionPerCaller: 2 });
    const { serviceId } = await setup(m);
    for (const answer of ["up", "refused", "up"]) {
      m.answers.set(5000, answer);
      await m.time.advance(1000);
    }
    expect(await m.log.position("bot")).toEqual({ lastSequence: 3, firstRetained: 2 });
    const stream = collect(m, "bot", "start");
    await m.time.settle();
    expect(stream.lines()).toEqual([`#3 snapshot resync [${serviceId}=UP]`]);
    m.answers.set(5000, "refused");
    await m.time.advance(1000);
    expect(stream.lines().slice(1)).toEqual([`#4 ${serviceId} UP->DOWN`]);
    await stream.stop();
  });

  it("events raised while no stream is open wait in the log", async () => {
    const m = await monitor();
    const { serviceId } = await setup(m, { grace: 0 });
    m.answers.set(5000, "up");
    await m.time.advance(0);
    const first = collect(m, "bot");
    await m.time.settle();
    const seen = Number(first.events.at(-1)!.sequence);
    await first.stop();
    m.answers.set(5000, "refused");
    await m.time.advance(1000);
    m.answers.set(5000, "up");
    await m.time.advance(1000);
    const again = collect(m, "bot", seen);
    await m.time.settle();
    expect(again.lines()).toEqual([`#2 ${serviceId} UP->DOWN`, `#3 ${serviceId} DOWN->UP`]);
    await again.stop();
  });

  it("several streams of one caller each receive every event", async () => {
    const m = await monitor();
    const { serviceId } = await setup(m);
    const a = collect(m, "bot");
    const b = collect(m, "bot");
    await m.time.settle();
    expect(m.hub.streamCount("bot")).toBe(2);
    m.answers.set(5000, "up");
    await m.time.advance(1000);
    expect(a.lines().slice(1)).toEqual([`#1 ${serviceId} UNSPECIFIED->UP`]);
    expect(b.lines().slice(1)).toEqual(a.lines().slice(1));
    await Promise.all([a.stop(), b.stop()]);
  });

  it("a cancelled stream detaches from the hub (no leaked listeners)", async () => {
    // 20 streams of one caller: above the default limit of 16.
    const m = await monitor({ streamLimits: { perCaller: 20, perConnection: 20 } });
    await setup(m);
    const streams = Array.from({ length: 20 }, () => collect(m, "bot"));
    await m.time.settle();
    expect(m.hub.streamCount()).toBe(20);
    await Promise.all(streams.map((x) => x.stop()));
    await m.time.settle();
    expect(m.hub.streamCount()).toBe(0);
  });
});

describe("Watch: errors and endings", () => {
  it("NOT_FOUND for an unknown caller, INVALID_ARGUMENT for an empty one", async () => {
    const m = await monitor();
    expect(await collect(m, "ghost").done).toMatchObject({ code: Code.NotFound, rawMessage: 'caller "ghost" not found' });
    expect(await collect(m, "").done).toMatchObject({ code: Code.InvalidArgument, rawMessage: "caller_id: must not be empty" });
  });

  it("a stream that falls behind ends with RESOURCE_EXHAUSTED; resuming loses nothing", async () => {
    const m = await monitor({ streamOptions: { bufferLimit: 3, pageSize: 2 } });
    for (let port = 1; port <= 6; port++) await setup(m, { port, polling: 10, grace: 60 });
    m.answers.set(6, "up");
    await m.time.advance(0); // port 6 UP: sequence 1; the others are down, nothing announced yet
    const stream = m.watch.watch({ callerId: "bot" })[Symbol.asyncIterator]();
    const snapshot = await stream.next(); // then stop reading: the client is slow
    expect(describeEvent(snapshot.value!)).toMatch(/^#1 snapshot/);
    for (let port = 1; port <= 5; port++) m.answers.set(port, "up");
    await m.time.advance(10_000); // five UP announcements; the buffer holds three
    const error = await stream.next().then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(error).toMatchObject({ code: Code.ResourceExhausted });
    expect(error!.rawMessage).toBe("stream fell more than 3 events behind; resume with after_sequence=1");
    expect(m.hub.streamCount()).toBe(0);
    const resumed = collect(m, "bot", Number(snapshot.value!.sequence));
    await m.time.settle();
    expect(resumed.events.map((e) => Number(e.sequence))).toEqual([2, 3, 4, 5, 6]);
    await resumed.stop();
  });

  it("unsubscribing and unregistering a service send SubscriptionEnded", async () => {
    const m = await monitor();
    const a = await setup(m, { port: 1 });
    const b = await setup(m, { port: 2 });
    const stream = collect(m, "bot");
    await m.time.settle();
    await m.management.unsubscribe({ callerId: "bot", serviceId: a.serviceId });
    await m.management.unregisterService({ serviceId: b.serviceId });
    await m.time.settle();
    expect(stream.lines().slice(1)).toEqual([`#1 ${a.serviceId} ended: unsubscribed`, `#2 ${b.serviceId} ended: service unregistered`]);
    await stream.stop();
  });

  it("unregistering the caller ends its streams with NOT_FOUND and drops its log", async () => {
    const m = await monitor();
    await setup(m);
    m.answers.set(5000, "up");
    await m.time.advance(0);
    const stream = collect(m, "bot");
    await m.time.settle();
    await m.management.unregisterCaller({ callerId: "bot" });
    expect(await stream.done).toMatchObject({ code: Code.NotFound, rawMessage: 'caller "bot" was unregistered' });
    expect(await m.log.read("bot", 0, 10)).toEqual([]);
  });

  it("rejects an after_sequence beyond 2^53", async () => {
    const m = await monitor();
    await m.management.registerCaller({ callerId: "bot" });
    const error = await watchError(m, { callerId: "bot", afterSequence: 2n ** 60n });
    expect(error).toMatchObject({ code: Code.InvalidArgument });
    expect(error!.rawMessage).toMatch(/^after_sequence: /);
  });

  it("rejects replay_from_start with an after_sequence above 0", async () => {
    const m = await monitor();
    await m.management.registerCaller({ callerId: "bot" });
    const error = await watchError(m, { callerId: "bot", afterSequence: 5n, replayFromStart: true });
    expect(error).toMatchObject({ code: Code.InvalidArgument });
    expect(error!.rawMessage).toBe("replay_from_start: may only be set with after_sequence 0, got after_sequence 5");
    expect(m.hub.streamCount()).toBe(0);
  });
});

describe("engine: checking rules through the RPCs", () => {
  it("checks a new service at once, then once per effective interval however many subscribe", async () => {
    const m = await monitor();
    m.answers.set(5000, "up");
    for (let i = 0; i < 50; i++) await setup(m, { callerId: `c${i}`, polling: 1 });
    const start = m.clock.now();
    await m.time.advance(10_000);
    const times = m.probes.filter((p) => p.port === 5000).map((p) => p.at - start);
    expect(times).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10_000]);
  });

  it("re-plans at once when a faster subscriber arrives, and shows it in GetService", async () => {
    const m = await monitor();
    m.answers.set(5000, "up");
    const { serviceId } = await setup(m, { polling: 30, checkInterval: 30 });
    const start = m.clock.now();
    await m.time.advance(12_000);
    await setup(m, { callerId: "fast", polling: 5 });
    await m.time.advance(10_000);
    expect(m.probes.map((p) => p.at - start)).toEqual([0, 12_000, 17_000, 22_000]);
    const { service } = await m.management.getService({ serviceId });
    expect(Number(service!.state!.effectiveInterval!.seconds)).toBe(5);
    expect(service!.state!.status).toBe(UP);
    expect(timestampMs(service!.state!.lastCheckTime!)).toBe(start + 22_000);
    expect(timestampMs(service!.state!.nextCheckTime!)).toBe(start + 27_000);
  });

  it("announces DOWN at the grace deadline with an extra check, not at the next poll", async () => {
    const m = await monitor();
    m.answers.set(5000, "up");
    const { serviceId } = await setup(m, { polling: 10, grace: 3 });
    const stream = collect(m, "bot");
    const start = m.clock.now();
    await m.time.advance(5000);
    m.answers.set(5000, "refused");
    await m.time.advance(5000); // fails at 10 s
    expect(stream.lines().at(-1)).toBe(`#1 ${serviceId} UNSPECIFIED->UP`);
    await m.time.advance(3000); // 13 s: the deadline
    const down = stream.events.at(-1)!;
    expect(describeEvent(down)).toBe(`#2 ${serviceId} UP->DOWN`);
    expect(timestampMs(down.eventTime!) - start).toBe(13_000);
    expect(down.event.case === "statusChange" && timestampMs(down.event.value.sinceTime!) - start).toBe(10_000);
    expect(m.probes.map((p) => p.at - start)).toEqual([0, 10_000, 13_000]);
    await stream.stop();
  });

  it("announces nothing when the service recovers inside the grace period", async () => {
    const m = await monitor();
    m.answers.set(5000, "up");
    const { serviceId } = await setup(m, { polling: 1, grace: 5 });
    await m.time.advance(1000);
    const stream = collect(m, "bot");
    m.answers.set(5000, "refused");
    await m.time.advance(3000);
    m.answers.set(5000, "up");
    await m.time.advance(10_000);
    expect(stream.lines()).toEqual([`#1 snapshot [${serviceId}=UP]`]);
    await stream.stop();
  });

  it("callers with different graces each hear DOWN at their own deadline", async () => {
    const m = await monitor();
    m.answers.set(5000, "up");
    const a = await setup(m, { callerId: "a", polling: 10, grace: 2 });
    await setup(m, { callerId: "b", polling: 10, grace: 6 });
    await m.time.advance(0); // UP
    const sa = collect(m, "a");
    const sb = collect(m, "b");
    const start = m.clock.now();
    m.answers.set(5000, "refused");
    await m.time.advance(10_000);
    await m.time.advance(10_000);
    const downAt = (x: ReturnType<typeof collect>) =>
      x.events.filter((e) => e.event.case === "statusChange" && e.event.value.status === DOWN).map((e) => timestampMs(e.eventTime!) - start);
    expect(downAt(sa)).toEqual([12_000]);
    expect(downAt(sb)).toEqual([16_000]);
    expect(sa.lines().at(-1)).toBe(`#2 ${a.serviceId} UP->DOWN`);
    await Promise.all([sa.stop(), sb.stop()]);
  });

  it("a new subscription to a known status hears it right away (rule 5)", async () => {
    const m = await monitor();
    m.answers.set(5000, "refused");
    const { serviceId } = await setup(m, { callerId: "first", polling: 1 });
    await m.time.advance(20_000);
    await setup(m, { callerId: "late", grace: 5 });
    const stream = collect(m, "late");
    await m.time.settle();
    // Down for 20 s > grace 5 s: DOWN at once, in the snapshot and the log.
    expect(stream.lines()).toEqual([`#1 snapshot [${serviceId}=DOWN]`]);
    expect((await m.log.read("late", 0, 10)).map((e) => e.event.kind === "status_change" && e.event.status)).toEqual(["down"]);
    await stream.stop();
  });
});

describe("engine: planned outages", () => {
  it("an outage hides a down-and-up; checks go on", async () => {
    const m = await monitor();
    m.answers.set(5000, "up");
    const { serviceId } = await setup(m, { polling: 1 });
    await m.time.advance(0);
    const start = m.clock.now();
    await m.management.schedulePlannedOutage({ serviceId, startTime: timestampFromMs(start), endTime: timestampFromMs(start + 10_000) });
    const stream = collect(m, "bot");
    m.answers.set(5000, "refused");
    await m.time.advance(4000);
    m.answers.set(5000, "up");
    await m.time.advance(10_000);
    expect(stream.lines()).toEqual([`#1 snapshot [${serviceId}=UP]`]);
    expect(m.probes.filter((p) => p.at > start && p.at < start + 10_000).length).toBeGreaterThanOrEqual(9);
    const { service } = await m.management.getService({ serviceId });
    expect(service!.state!.inPlannedOutage).toBe(false);
    await stream.stop();
  });

  it("an outage that ends while down announces DOWN at its end", async () => {
    const m = await monitor();
    m.answers.set(5000, "up");
    const { serviceId } = await setup(m, { polling: 10, grace: 2 });
    await m.time.advance(0);
    const start = m.clock.now();
    await m.management.schedulePlannedOutage({
      serviceId,
      startTime: timestampFromMs(start + 1000),
      endTime: timestampFromMs(start + 15_500),
      reason: "maintenance",
    });
    const stream = collect(m, "bot");
    m.answers.set(5000, "refused");
    await m.time.advance(30_000);
    const down = stream.events.find((e) => e.event.case === "statusChange")!;
    expect(describeEvent(down)).toBe(`#2 ${serviceId} UP->DOWN`);
    expect(timestampMs(down.eventTime!) - start).toBe(15_500);
    await stream.stop();
  });

  it("cancelling the outage one is inside reconciles at once", async () => {
    const m = await monitor();
    m.answers.set(5000, "up");
    const { serviceId } = await setup(m, { polling: 10, grace: 0 });
    await m.time.advance(0);
    const start = m.clock.now();
    const { outage } = await m.management.schedulePlannedOutage({ serviceId, startTime: timestampFromMs(start), endTime: timestampFromMs(start + 3_600_000) });
    m.answers.set(5000, "refused");
    await m.time.advance(10_000);
    expect((await m.log.position("bot")).lastSequence).toBe(1);
    await m.management.cancelPlannedOutage({ outageId: outage!.id });
    expect((await m.log.read("bot", 1, 10)).map((e) => e.event.kind === "status_change" && e.event.status)).toEqual(["down"]);
  });
});

describe("engine: restart", () => {
  it("recovers announced states: a restart neither repeats nor drops an announcement", async () => {
    const dir = mkdtempSync(join(tmpdir(), "watch-restart-"));
    const storePath = join(dir, "monitor.db");
    const m1 = await monitor({ storePath });
    m1.answers.set(5000, "up");
    const { serviceId } = await setup(m1, { polling: 1 });
    await m1.time.advance(2000);
    expect((await m1.log.position("bot")).lastSequence).toBe(1);
    await m1.close();

    const m2 = await monitor({ storePath });
    m2.answers.set(5000, "up");
    const stream = collect(m2, "bot", 1);
    await m2.time.advance(5000);
    expect(stream.lines()).toEqual([]); // still UP: nothing repeated
    m2.answers.set(5000, "refused");
    await m2.time.advance(2000);
    expect(stream.lines()).toEqual([`#2 ${serviceId} UP->DOWN`]);
    await stream.stop();
  });

  it("keeps a failure's down_since across a restart: DOWN comes at down_since + grace, not grace after the restart", async () => {
    const storePath = join(mkdtempSync(join(tmpdir(), "watch-restart-")), "monitor.db");
    const m1 = await monitor({ storePath });
    m1.answers.set(5000, "refused");
    const { serviceId } = await setup(m1, { polling: 5, grace: 30 });
    const downSince = m1.clock.now();
    await m1.time.advance(12_000); // failing for 12 s of its 30 s grace: nothing announced yet
    expect(await m1.log.read("bot")).toEqual([]);
    await m1.close();

    const m2 = await monitor({ storePath, startMs: m1.clock.now() + 3000 }); // down 3 s
    m2.answers.set(5000, "refused");
    expect(m2.engine.stateOf(serviceId)?.observation).toMatchObject({ status: "down", sinceMs: downSince });
    const stream = collect(m2, "bot", 0);
    await m2.time.advance(14_000); // 29 s after down_since
    expect(stream.lines()).toEqual([`#0 snapshot [${serviceId}=UNSPECIFIED]`]);
    await m2.time.advance(1000); // exactly down_since + 30 s
    expect(stream.lines()).toEqual([`#0 snapshot [${serviceId}=UNSPECIFIED]`, `#1 ${serviceId} UNSPECIFIED->DOWN`]);
    expect((await m2.log.read("bot"))[0]).toMatchObject({ timeMs: downSince + 30_000, event: { sinceMs: downSince } });
    await stream.stop();
  });

  it("keeps checking after a restart with the clock set back an hour, and owes DOWN from the failure it saw", async () => {
    const storePath = join(mkdtempSync(join(tmpdir(), "watch-restart-")), "monitor.db");
    const m1 = await monitor({ storePath });
    m1.answers.set(5000, "refused");
    const { serviceId } = await setup(m1, { polling: 5, grace: 30 });
    await m1.time.advance(10_000);
    await m1.close();

    const m2 = await monitor({ storePath, startMs: m1.clock.now() - 3_600_000 });
    m2.answers.set(5000, "refused");
    const before = m2.probes.length;
    await m2.time.advance(5000);
    expect(m2.probes.length).toBeGreaterThan(before); // not an hour away
    await m2.time.advance(30_000);
    expect((await m2.log.read("bot")).map((e) => e.event.kind === "status_change" && e.event.status)).toEqual(["down"]);
    expect(m2.engine.stateOf(serviceId)?.observation.sinceMs).toBeLessThanOrEqual(m2.clock.now());
  });

  it("spreads first checks after a restart over each service's interval", async () => {
    const storePath = join(mkdtempSync(join(tmpdir(), "watch-restart-")), "monitor.db");
    const m1 = await monitor({ storePath });
    for (let port = 1; port <= 200; port++) {
      await m1.management.registerService({ host: "127.0.0.1", port, checkInterval: s(10) });
    }
    await m1.close();
    const m2 = await monitor({ storePath });
    const start = m2.clock.now();
    await m2.time.advance(9_999);
    const firstChecks = m2.probes.map((p) => p.at - start);
    expect(firstChecks).toHaveLength(200);
    // Spread over [0, 10 s): no single second holds more than a third of them.
    const perSecond = new Map<number, number>();
    for (const t of firstChecks) perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThan(67);
    expect(perSecond.size).toBe(10);
  });
});
