import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { HistoryRecord, StatusChangeRecord } from "../../server/domain/history-types.js";
import type { AvailabilityAlertRule, CallerEvent, ServiceConfig } from "../../server/domain/types.js";
import type { HistorySink } from "../../server/history/history-sink.js";
import { createInMemoryMonitor, type InMemoryMonitorOptions } from "../support/in-memory-monitor.js";

/**
 * The engine on manual time: what it hands the history (every check, pause
 * markers, observed status changes), and availability alerts decided as
 * checks arrive, under the planned-outage rules, across a restart.
 */

type Monitor = Awaited<ReturnType<typeof createInMemoryMonitor>>;
const monitors: Monitor[] = [];
afterEach(async () => {
  for (const m of monitors.splice(0)) await m.close();
});
async function monitor(options: InMemoryMonitorOptions = {}): Promise<Monitor> {
  const m = await createInMemoryMonitor(options);
  monitors.push(m);
  return m;
}

function recordingSink(): HistorySink & { records: HistoryRecord[]; changes: StatusChangeRecord[] } {
  const records: HistoryRecord[] = [];
  const changes: StatusChangeRecord[] = [];
  return { records, changes, record: (r) => void records.push(r), statusChanged: (c) => void changes.push(c) };
}

const tcp = (port: number, intervalMs = 1000): Omit<ServiceConfig, "id"> => ({
  host: "127.0.0.1",
  port,
  displayName: "",
  checkIntervalMs: intervalMs,
  checkTimeoutMs: 2000,
  createdAt: 0,
});

const RULE: AvailabilityAlertRule = { windowMs: 60_000, threshold: 0.8 };

async function subscribe(m: Monitor, serviceId: string, rule: AvailabilityAlertRule | "no rule" = RULE): Promise<void> {
  if (m.registry.getCaller("bot") === undefined) await m.registry.addCaller({ id: "bot", displayName: "", createdAt: 0 });
  await m.registry.setSubscription({
    callerId: "bot",
    serviceId,
    pollingIntervalMs: 1000,
    gracePeriodMs: 0,
    ...(rule === "no rule" ? {} : { availabilityAlert: rule }),
  });
}

/** The caller's log as short lines. */
async function events(m: Monitor): Promise<string[]> {
  return (await m.log.read("bot")).map(({ event }) => short(event));
}
function short(event: CallerEvent): string {
  switch (event.kind) {
    case "status_change":
      return `status ${event.status}`;
    case "availability_alert":
    case "availability_recovered":
      return `${event.kind} ${event.availability.toFixed(3)}`;
    default:
      return event.kind;
  }
}

describe("what the engine hands the history", () => {
  it("gives every check with its outage flag and standing, every observed change, and a pause marker", async () => {
    const sink = recordingSink();
    const m = await monitor({ historySink: sink });
    m.answers.set(7101, "up");
    const service = await m.registry.addService(tcp(7101, 5000));
    const start = m.clock.now();
    await m.time.advance(10_000); // checks at 0, 5, 10 s
    m.answers.set(7101, "connection refused");
    await m.registry.addOutage({ serviceId: service.id, startMs: start + 12_000, endMs: start + 17_000, reason: "deploy" });
    await m.time.advance(5_000); // 15 s: down, inside the outage
    m.answers.set(7101, "up");
    await m.time.advance(5_000); // 20 s: up again
    await m.registry.pauseService(service.id, m.clock.now());

    const checks = sink.records.filter((r) => r.kind === "check");
    expect(checks.map((r) => [r.at - start, r.status, r.inOutage])).toEqual([
      [0, "up", false],
      [5000, "up", false],
      [10_000, "up", false],
      [15_000, "down", true],
      [20_000, "up", false],
    ]);
    // Twice the interval plus the timeout.
    expect(checks.every((r) => r.maxSpanMs === 2 * 5000 + 2000)).toBe(true);
    expect(checks[3]).toMatchObject({ serviceId: service.id, detail: "connection refused", latencyMs: 0.5 });
    expect(sink.records.at(-1)).toEqual({ kind: "pause", serviceId: service.id, at: start + 20_000 });
    expect(sink.changes.map((c) => [c.at - start, c.previous, c.status, c.detail])).toEqual([
      [0, "unknown", "up", ""],
      [15_000, "up", "down", "connection refused"],
      [20_000, "down", "up", ""],
    ]);
  });
});

describe("status changes across a pause and an update", () => {
  it("records one incident for a service down before a pause and down after it; a new target starts over", async () => {
    const sink = recordingSink();
    const m = await monitor({ historySink: sink });
    const service = await m.registry.addService(tcp(7111, 5000));
    const start = m.clock.now();
    await m.time.advance(5_000); // down at 0 and 5 s
    await m.registry.pauseService(service.id, m.clock.now());
    await m.time.advance(60_000);
    await m.registry.resumeService(service.id);
    await m.time.advance(5_000); // down again after resume: the same incident
    m.answers.set(7111, "up");
    await m.time.advance(5_000);
    expect(sink.changes.map((c) => [c.previous, c.status])).toEqual([
      ["unknown", "down"],
      ["down", "up"],
    ]);
    // Up before a pause and after it: nothing new.
    await m.registry.pauseService(service.id, m.clock.now());
    await m.registry.resumeService(service.id);
    await m.time.advance(5_000);
    expect(sink.changes).toHaveLength(2);
    // Another target's history starts from nothing known.
    await m.registry.updateService({ ...m.registry.getService(service.id)!, port: 7112 });
    m.answers.set(7112, "up");
    await m.time.advance(5_000);
    expect(sink.changes.map((c) => [c.previous, c.status])).toEqual([
      ["unknown", "down"],
      ["down", "up"],
      ["unknown", "up"],
    ]);
    expect(sink.changes[0]!.at).toBe(start);
  });
});

describe("availability alerts", () => {
  it("alerts once when the window's availability drops below the threshold, and recovers once", async () => {
    const m = await monitor();
    m.answers.set(7201, "up");
    const service = await m.registry.addService(tcp(7201));
    await subscribe(m, service.id);
    await m.time.advance(70_000);
    expect(await events(m)).toEqual(["status up"]);

    // 20 s down in a 60 s window: below 0.8 once more than 12 s of it is down.
    m.answers.set(7201, "connection refused");
    await m.time.advance(20_000);
    m.answers.set(7201, "up");
    await m.time.advance(10_000);
    const afterDown = await events(m);
    expect(afterDown.filter((e) => e.startsWith("availability"))).toHaveLength(1);
    expect(afterDown[0]).toBe("status up");
    expect(afterDown[1]).toBe("status down");
    // 13 s down of 60 is the first time it is below 0.8 (0.783).
    expect(afterDown[2]).toBe("availability_alert 0.783");
    expect(afterDown[3]).toBe("status up");
    expect(m.engine.snapshot("bot")[0]?.announced.alerting).toBe(true);

    // Back at or above 0.8 once no more than 12 s of the last 60 are down.
    await m.time.advance(60_000);
    const all = await events(m);
    expect(all.slice(4)).toEqual(["availability_recovered 0.800"]);
    expect(m.engine.snapshot("bot")[0]?.announced.alerting).toBeUndefined();
  });

  it("decides nothing until the window is covered", async () => {
    const m = await monitor();
    const service = await m.registry.addService(tcp(7202));
    await subscribe(m, service.id);
    await m.time.advance(59_000);
    expect(await events(m)).toEqual(["status down"]);
    await m.time.advance(2_000);
    expect(await events(m)).toEqual(["status down", "availability_alert 0.000"]);
  });

  it("says nothing inside a planned outage and reconciles when it ends", async () => {
    const m = await monitor();
    m.answers.set(7203, "up");
    const service = await m.registry.addService(tcp(7203));
    await subscribe(m, service.id);
    await m.time.advance(60_000);
    const now = m.clock.now();
    await m.registry.addOutage({ serviceId: service.id, startMs: now, endMs: now + 30_000, reason: "maintenance" });
    m.answers.set(7203, "connection refused");
    await m.time.advance(29_000);
    expect(await events(m)).toEqual(["status up"]);
    // After the outage the service is still down: its time outside the outage decides.
    await m.time.advance(20_000);
    const log = await events(m);
    expect(log.slice(0, 2)).toEqual(["status up", "status down"]);
    expect(log.filter((e) => e.startsWith("availability_alert"))).toHaveLength(1);
  });

  it("does not alert a caller without a rule, and forgets the window when none is left", async () => {
    const m = await monitor();
    const service = await m.registry.addService(tcp(7204));
    await subscribe(m, service.id, "no rule");
    await m.time.advance(120_000);
    expect(await events(m)).toEqual(["status down"]);
    expect(m.engine.snapshot("bot")[0]?.announced.alerting).toBeUndefined();
  });

  it("keeps an alert across a restart: no second alert, one recovery", async () => {
    const storePath = join(mkdtempSync(join(tmpdir(), "alert-restart-")), "monitor.db");
    const m1 = await monitor({ storePath });
    const service = await m1.registry.addService(tcp(7205));
    await subscribe(m1, service.id);
    await m1.time.advance(61_000);
    expect(await events(m1)).toEqual(["status down", "availability_alert 0.000"]);
    await m1.close();
    monitors.splice(monitors.indexOf(m1), 1);

    const m2 = await monitor({ storePath, startMs: m1.clock.now() + 1000 });
    expect(m2.engine.snapshot("bot")[0]?.announced.alerting).toBe(true);
    await m2.time.advance(90_000);
    // Still down: the alert stands, nothing repeated.
    expect(await events(m2)).toEqual(["status down", "availability_alert 0.000"]);
    m2.answers.set(7205, "up");
    await m2.time.advance(90_000);
    expect(await events(m2)).toEqual(["status down", "availability_alert 0.000", "status up", "availability_recovered 0.800"]);
  });
});
