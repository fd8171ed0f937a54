import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CallerEvent, CheckResult, HttpProbeConfig, ServiceConfig } from "../../server/domain/types.js";
import { createInMemoryMonitor, type InMemoryMonitorOptions } from "../support/in-memory-monitor.js";

/**
 * The engine and registry on manual time (no RPC): pausing and resuming a
 * service, an update that changes what is checked, and an HTTP service's
 * details reaching its observation and its callers' events.
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

const tcp = (port: number): Omit<ServiceConfig, "id"> => ({
  host: "127.0.0.1",
  port,
  displayName: "",
  checkIntervalMs: 5000,
  checkTimeoutMs: 1000,
  createdAt: 0,
});

const HTTP_PROBE: HttpProbeConfig = {
  kind: "http",
  url: "http://127.0.0.1:8080/health",
  method: "GET",
  headers: {},
  body: new Uint8Array(),
  acceptedStatuses: [{ min: 200, max: 399 }],
  bodyRegex: "(?P<word>ok)",
  bodyKeyword: "",
  invertBodyMatch: false,
  maxRedirects: 10,
  skipTlsVerify: false,
};

/** A caller "bot" subscribed to the service with the given grace, polling every 5 s. */
async function subscribe(m: Monitor, serviceId: string, graceMs = 0): Promise<void> {
  if (m.registry.getCaller("bot") === undefined) await m.registry.addCaller({ id: "bot", displayName: "", createdAt: 0 });
  await m.registry.setSubscription({ callerId: "bot", serviceId, pollingIntervalMs: 5000, gracePeriodMs: graceMs });
}

/** The caller's log as short lines: "status_change up", "service_paused", ... */
async function events(m: Monitor): Promise<string[]> {
  return (await m.log.read("bot")).map(({ event }) => describe1(event));
}
function describe1(event: CallerEvent): string {
  return event.kind === "status_change" ? `${event.kind} ${event.status}` : event.kind;
}

describe("pause and resume", () => {
  it("stops checking a paused service, tells each subscriber once, and checks again at once on resume", async () => {
    const m = await monitor();
    m.answers.set(7001, "up");
    const service = await m.registry.addService(tcp(7001));
    await subscribe(m, service.id);
    await m.time.advance(0);
    expect(await events(m)).toEqual(["status_change up"]);

    const paused = await m.registry.pauseService(service.id, m.clock.now());
    expect(paused.pausedAt).toBe(m.clock.now());
    const checksAtPause = m.probes.length;
    await m.time.advance(60_000);
    expect(m.probes.length).toBe(checksAtPause);
    expect(m.engine.stateOf(service.id)?.nextCheckAt).toBeUndefined();
    // What was seen stays readable while paused.
    expect(m.engine.stateOf(service.id)?.observation.status).toBe("up");
    expect(m.engine.snapshot("bot")).toMatchObject([{ serviceId: service.id, paused: true }]);

    // A second pause is a no-op: no second event, the same pause time.
    const again = await m.registry.pauseService(service.id, m.clock.now());
    expect(again.pausedAt).toBe(paused.pausedAt);
    expect(await events(m)).toEqual(["status_change up", "service_paused"]);

    const resumedAt = m.clock.now();
    const resumed = await m.registry.resumeService(service.id);
    expect(resumed.pausedAt).toBeUndefined();
    await m.time.advance(0);
    expect(m.probes.at(-1)?.at).toBe(resumedAt);
    // Up again, as the caller last heard: nothing repeated.
    expect(await events(m)).toEqual(["status_change up", "service_paused", "service_resumed"]);
    expect((await m.registry.resumeService(service.id)).pausedAt).toBeUndefined();
    expect(await events(m)).toHaveLength(3);
  });

  it("announces nothing while paused, and counts a failure from the first check after resume", async () => {
    const m = await monitor();
    m.answers.set(7002, "up");
    const service = await m.registry.addService(tcp(7002));
    await subscribe(m, service.id, 10_000);
    await m.time.advance(0);
    await m.registry.pauseService(service.id, m.clock.now());
    m.answers.set(7002, "connection refused");
    await m.time.advance(120_000);
    expect(await events(m)).toEqual(["status_change up", "service_paused"]);

    await m.registry.resumeService(service.id);
    const resumedAt = m.clock.now();
    await m.time.advance(9_000);
    // Within the grace period counted from the first failed check after resume, not from the pause.
    expect(await events(m)).toEqual(["status_change up", "service_paused", "service_resumed"]);
    await m.time.advance(1_000);
    const log = await m.log.read("bot");
    expect(log.map(({ event }) => describe1(event))).toEqual(["status_change up", "service_paused", "service_resumed", "status_change down"]);
    expect(log.at(-1)?.event).toMatchObject({ sinceMs: resumedAt });
  });

  it("keeps a service paused across a restart", async () => {
    const storePath = join(mkdtempSync(join(tmpdir(), "pause-restart-")), "monitor.db");
    const m1 = await monitor({ storePath });
    m1.answers.set(7004, "up");
    const service = await m1.registry.addService(tcp(7004));
    await subscribe(m1, service.id);
    await m1.time.advance(0);
    await m1.registry.pauseService(service.id, m1.clock.now());
    await m1.close();
    monitors.splice(monitors.indexOf(m1), 1);

    const m2 = await monitor({ storePath, startMs: m1.clock.now() + 1000 });
    m2.answers.set(7004, "up");
    expect(m2.registry.getService(service.id)?.pausedAt).toBe(m1.clock.now());
    await m2.time.advance(60_000);
    expect(m2.probes).toEqual([]);
    await m2.registry.resumeService(service.id);
    await m2.time.advance(0);
    expect(m2.probes).toHaveLength(1);
  });
});

describe("update that changes the target", () => {
  it("starts the observation over and says so in the next notification", async () => {
    const m = await monitor();
    m.answers.set(7010, "up");
    const service = await m.registry.addService(tcp(7010));
    await subscribe(m, service.id);
    await m.time.advance(0);
    m.answers.set(7011, "connection refused");
    await m.registry.updateService({ ...service, port: 7011 });
    expect(m.engine.stateOf(service.id)?.observation.status).toBe("unknown");
    await m.time.advance(0);
    const log = await m.log.read("bot");
    expect(log.at(-1)?.event).toMatchObject({
      kind: "status_change",
      status: "down",
      port: 7011,
      detail: "connection refused; check target changed from 127.0.0.1:7010 to 127.0.0.1:7011",
    });
    // The note belongs to the first status period after the change only.
    m.answers.set(7011, "up");
    await m.time.advance(5000);
    expect((await m.log.read("bot")).at(-1)?.event).toMatchObject({ status: "up", detail: "" });
  });

  it("keeps the observation when only how the target is judged changes", async () => {
    const m = await monitor();
    m.answers.set(7012, "up");
    const service = await m.registry.addService(tcp(7012));
    await m.time.advance(0);
    await m.registry.updateService({ ...service, displayName: "renamed", probe: { kind: "tcp", closeMode: "reset" } });
    expect(m.engine.stateOf(service.id)?.observation.status).toBe("up");
  });

  it("keeps the pause state whatever the update says", async () => {
    const m = await monitor();
    const service = await m.registry.addService(tcp(7013));
    const paused = await m.registry.pauseService(service.id, 1234);
    const { pausedAt: _, ...withoutPause } = paused;
    expect((await m.registry.updateService({ ...withoutPause, displayName: "x" })).pausedAt).toBe(1234);
    expect((await m.registry.updateService({ ...service, pausedAt: 99, displayName: "y" })).pausedAt).toBe(1234);
  });
});

describe("an HTTP service", () => {
  it("is checked by its own probe, and its HTTP details reach the observation and the caller's event", async () => {
    const m = await monitor();
    const details: Omit<CheckResult, "at"> = {
      status: "down",
      latencyMs: 12,
      detail: "status 503 not in 200–399",
      http: {
        statusCode: 503,
        phases: { dnsMs: 0, connectMs: 1, tlsMs: 0, firstByteMs: 10, totalMs: 12 },
        tlsExpiresAt: undefined,
        captures: [],
        namedCaptures: {},
      },
    };
    m.answers.set(8080, details);
    const service = await m.registry.addService({ ...tcp(8080), probe: HTTP_PROBE });
    await subscribe(m, service.id);
    await m.time.advance(0);
    expect(m.engine.stateOf(service.id)?.observation).toMatchObject({ status: "down", http: details.http });
    expect((await m.log.read("bot")).at(-1)?.event).toEqual({
      kind: "status_change",
      serviceId: service.id,
      host: "127.0.0.1",
      port: 8080,
      url: "http://127.0.0.1:8080/health",
      previous: "unknown",
      status: "down",
      sinceMs: m.clock.now(),
      detail: "status 503 not in 200–399",
      http: details.http,
    });
    expect(m.engine.snapshot("bot")).toMatchObject([{ url: "http://127.0.0.1:8080/health", paused: false }]);
  });

  it("may share a host:port with a TCP service and with other HTTP checks, but not a method and URL", async () => {
    const m = await monitor();
    await m.registry.addService(tcp(8080));
    const first = await m.registry.addService({ ...tcp(8080), probe: HTTP_PROBE });
    await m.registry.addService({ ...tcp(8080), probe: { ...HTTP_PROBE, url: "http://127.0.0.1:8080/other" } });
    await m.registry.addService({ ...tcp(8080), probe: { ...HTTP_PROBE, method: "HEAD" } });
    await expect(m.registry.addService({ ...tcp(8080), probe: HTTP_PROBE })).rejects.toMatchObject({
      kind: "already_exists",
      message: `service http://127.0.0.1:8080/health is already registered as "${first.id}"`,
    });
  });
});
