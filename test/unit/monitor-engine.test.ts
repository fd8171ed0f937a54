import { afterEach, describe, expect, it } from "vitest";
import type { CheckResult, ServiceConfig } from "../../server/domain/types.js";
import { createEventHub } from "../../server/engine/event-hub.js";
import type { EngineObserver } from "../../server/engine/engine-observer.js";
import { createMonitorEngine, RETRY_UNSAVED_MS, type MonitorEngine } from "../../server/engine/monitor-engine.js";
import type { ProbeTarget } from "../../server/engine/probe.js";
import { createCheckByKind } from "../../server/engine/check-by-kind.js";
import type { HttpCheckResult, HttpProbeTarget } from "../../server/engine/http-probe.js";
import { createManualTime } from "../support/manual-time.js";
import { openSqliteStore } from "../../server/store/sqlite-store.js";
import { failable } from "../support/failable-store.js";
import { createStoreStack } from "../support/store-stack.js";

/**
 * The engine on manual time with a probe the test answers by hand, so every
 * check's start and end is under the test's control: concurrency, queue
 * order, results of removed services, and what the observer hears.
 */
async function engineUnderTest(options: { maxConcurrentChecks?: number; observer?: EngineObserver } = {}) {
  const time = createManualTime();
  const hub = createEventHub();
  const { store: flaky, state: storeState } = failable(await openSqliteStore({ path: ":memory:" }));
  const { registry, queue, log, store } = await createStoreStack({ now: time.clock.now, hub, store: flaky });
  /** Checks in flight, in the order they started; resolve one to finish it. */
  const running: Array<{ port: number; target: ProbeTarget | HttpProbeTarget; finish: (status: "up" | "down") => void }> = [];
  const tcp = (target: ProbeTarget) =>
    new Promise<CheckResult>((resolve) => {
      const at = time.clock.now();
      running.push({
        port: target.port,
        target,
        finish: (status) => resolve({ status, at, latencyMs: 1, detail: status === "up" ? "" : "connection refused" }),
      });
    });
  const http = (target: HttpProbeTarget) =>
    new Promise<HttpCheckResult>((resolve) => {
      const at = time.clock.now();
      const httpStatus = Number(new URL(target.url).port);
      running.push({
        port: httpStatus,
        target,
        finish: (status) =>
          resolve({
            status,
            at,
            latencyMs: 3,
            detail: status === "up" ? "" : "status 503 not in 200–399",
            httpStatus: status === "up" ? 200 : 503,
            phases: { dnsMs: 0, connectMs: 1, tlsMs: 0, firstByteMs: 1, totalMs: 3 },
            tlsExpiresAt: undefined,
            captures: { groups: ["ok"], named: { word: "ok" } },
          }),
      });
    });
  const errors: Array<[unknown, string]> = [];
  const engine = createMonitorEngine({
    registry,
    queue,
    hub,
    prepareCheck: createCheckByKind({ tcp, http }),
    clock: time.clock,
    timers: time.timers,
    ...(options.maxConcurrentChecks === undefined ? {} : { maxConcurrentChecks: options.maxConcurrentChecks }),
    ...(options.observer === undefined ? {} : { observer: options.observer }),
    onError: (error, context) => void errors.push([error, context]),
  });
  engine.start();
  const addService = (port: number, extra: Partial<Pick<ServiceConfig, "probe">> = {}) =>
    registry.addService({ host: "127.0.0.1", port, displayName: "", checkIntervalMs: 10_000, checkTimeoutMs: 1000, createdAt: 0, ...extra });
  /** Finishes the running check of `port` and lets the engine react. */
  const finish = async (port: number, status: "up" | "down") => {
    const index = running.findIndex((check) => check.port === port);
    if (index < 0) throw new Error(`no check of port ${port} is running`);
    running.splice(index, 1)[0]!.finish(status);
    await time.settle();
  };
  /** Finishes the running check of `port` without waiting: whatever else this turn submits shares its batch. */
  const finishNow = (port: number, status: "up" | "down") => {
    const index = running.findIndex((check) => check.port === port);
    if (index < 0) throw new Error(`no check of port ${port} is running`);
    running.splice(index, 1)[0]!.finish(status);
  };
  return { time, registry, log, store, storeState, engine, running, errors, addService, finish, finishNow };
}

let engine: MonitorEngine | undefined;
afterEach(() => engine?.stop());

describe("the monitor engine", () => {
  it("runs at most maxConcurrentChecks checks and starts queued services in the order they came due", async () => {
    const t = await engineUnderTest({ maxConcurrentChecks: 2 });
    engine = t.engine;
    for (const port of [1001, 1002, 1003, 1004]) await t.addService(port);
    await t.time.advance(0);
    expect(t.running.map((check) => check.port)).toEqual([1001, 1002]);
    expect(t.engine.stats()).toMatchObject({ inFlight: 2, waiting: 2, checksStarted: 2, services: 4 });
    await t.finish(1002, "up");
    expect(t.running.map((check) => check.port)).toEqual([1001, 1003]);
    await t.finish(1001, "up");
    await t.finish(1003, "down");
    expect(t.running.map((check) => check.port)).toEqual([1004]);
    expect(t.engine.stats()).toMatchObject({ inFlight: 1, waiting: 0, checksStarted: 4, checksCompleted: 3 });
  });

  it("never checks one service twice at once, and plans the next check when the running one completes", async () => {
    const t = await engineUnderTest();
    engine = t.engine;
    const service = await t.addService(2001);
    await t.time.advance(0);
    expect(t.running).toHaveLength(1);
    // Long past the interval, the check is still running: no second one starts.
    await t.time.advance(60_000);
    expect(t.running).toHaveLength(1);
    expect(t.engine.stateOf(service.id)?.nextCheckAt).toBeUndefined();
    await t.finish(2001, "up");
    const state = t.engine.stateOf(service.id);
    expect(state?.observation.status).toBe("up");
    // Its interval ran out while it ran: the next check is due at once, not 10 s on.
    expect(state?.nextCheckAt).toBe(t.time.clock.now());
  });

  it("hands the probe each service's own close mode, and none for a service that chose none", async () => {
    const t = await engineUnderTest();
    engine = t.engine;
    await t.addService(6001, { probe: { kind: "tcp", closeMode: "reset" } });
    await t.addService(6002);
    await t.time.advance(0);
    expect(t.running.map((check) => [check.port, "closeMode" in check.target ? check.target.closeMode : "http", check.target.timeoutMs])).toEqual([
      [6001, "reset", 1000],
      [6002, undefined, 1000],
    ]);
  });

  it("drops the result of a check whose service was unregistered while it ran, and ends its subscriptions", async () => {
    const t = await engineUnderTest();
    engine = t.engine;
    await t.registry.addCaller({ id: "c", displayName: "", createdAt: 0 });
    const service = await t.addService(3001);
    await t.registry.setSubscription({ callerId: "c", serviceId: service.id, pollingIntervalMs: 5000, gracePeriodMs: 0 });
    await t.time.advance(0);
    expect(t.running).toHaveLength(1);
    await t.registry.removeService(service.id);
    await t.finish(3001, "up");
    expect(t.engine.stateOf(service.id)).toBeUndefined();
    const events = (await t.log.read("c")).map((logged) => logged.event.kind);
    expect(events).toEqual(["subscription_ended"]);
    expect(t.errors).toEqual([]);
  });

  it("drops the result of a check that was running when the service was paused, and plans no other", async () => {
    const t = await engineUnderTest();
    engine = t.engine;
    await t.registry.addCaller({ id: "c", displayName: "", createdAt: 0 });
    const service = await t.addService(3101);
    await t.registry.setSubscription({ callerId: "c", serviceId: service.id, pollingIntervalMs: 5000, gracePeriodMs: 0 });
    await t.time.advance(0);
    expect(t.running).toHaveLength(1);
    await t.registry.pauseService(service.id, t.time.clock.now());
    await t.finish(3101, "down");
    await t.time.advance(60_000);
    expect(t.running).toHaveLength(0);
    expect(t.engine.stateOf(service.id)?.observation.status).toBe("unknown");
    expect((await t.log.read("c")).map((logged) => logged.event.kind)).toEqual(["service_paused"]);
    expect(t.errors).toEqual([]);
  });

  it("keeps checks of a paused and at once resumed service 1 s apart: the dropped check may still be running", async () => {
    const t = await engineUnderTest();
    engine = t.engine;
    const service = await t.addService(3111);
    await t.time.advance(0);
    expect(t.running.map((check) => check.port)).toEqual([3111]);
    const startedAt = t.time.clock.now();
    await t.registry.pauseService(service.id, startedAt);
    await t.registry.resumeService(service.id);
    await t.time.advance(0);
    expect(t.running.map((check) => check.port)).toEqual([3111]); // only the one already running
    expect(t.engine.stateOf(service.id)?.nextCheckAt).toBe(startedAt + 1000);
    await t.time.advance(1000);
    expect(t.running.map((check) => check.port)).toEqual([3111, 3111]);
  });

  it("saves the result of a check that ends in the batch that pauses its service, as memory shows it", async () => {
    const t = await engineUnderTest();
    engine = t.engine;
    const service = await t.addService(3131);
    await t.time.advance(0);
    // The result and the pause in one turn: one batch, the pause planned first.
    t.finishNow(3131, "down");
    const paused = t.registry.pauseService(service.id, t.time.clock.now());
    await paused;
    await t.time.settle();
    expect(t.engine.stateOf(service.id)?.observation.status).toBe("down");
    expect((await t.store.load()).observations.map((o) => o.observation.status)).toEqual(["down"]);
  });

  it("names a target change made while paused in the first notification after resume", async () => {
    const t = await engineUnderTest();
    engine = t.engine;
    await t.registry.addCaller({ id: "c", displayName: "", createdAt: 0 });
    const service = await t.addService(3121);
    await t.registry.setSubscription({ callerId: "c", serviceId: service.id, pollingIntervalMs: 5000, gracePeriodMs: 0 });
    await t.time.advance(0);
    await t.finish(3121, "up");
    await t.registry.pauseService(service.id, t.time.clock.now());
    await t.registry.updateService({ ...t.registry.getService(service.id)!, port: 3122 });
    await t.time.advance(5000);
    await t.registry.resumeService(service.id);
    await t.time.advance(0);
    await t.finish(3122, "down");
    expect((await t.log.read("c")).at(-1)?.event).toMatchObject({
      kind: "status_change",
      status: "down",
      detail: "connection refused; check target changed from 127.0.0.1:3121 to 127.0.0.1:3122",
    });
  });

  it("hands an HTTP service's settings to the HTTP probe, its timeout covering the whole exchange", async () => {
    const t = await engineUnderTest();
    engine = t.engine;
    const probe = {
      kind: "http",
      url: "https://127.0.0.1:3201/health",
      method: "POST",
      headers: { "x-token": "t" },
      body: new TextEncoder().encode("{}"),
      acceptedStatuses: [{ min: 200, max: 299 }],
      bodyRegex: "",
      bodyKeyword: "ok",
      invertBodyMatch: true,
      maxRedirects: 0,
      skipTlsVerify: true,
    } as const;
    const service = await t.addService(3201, { probe });
    await t.time.advance(0);
    expect(t.running.map((check) => check.target)).toEqual([
      {
        url: probe.url,
        method: "POST",
        headers: { "x-token": "t" },
        body: probe.body,
        acceptedStatuses: [{ min: 200, max: 299 }],
        bodyRegex: "",
        bodyKeyword: "ok",
        invertBodyMatch: true,
        maxRedirects: 0,
        skipTlsVerify: true,
        timeoutMs: 1000,
      },
    ]);
    await t.finish(3201, "up");
    expect(t.engine.stateOf(service.id)?.observation.http).toEqual({
      statusCode: 200,
      phases: { dnsMs: 0, connectMs: 1, tlsMs: 0, firstByteMs: 1, totalMs: 3 },
      tlsExpiresAt: undefined,
      captures: ["ok"],
      namedCaptures: { word: "ok" },
    });
  });

  it("tells the observer of checks and of each announced status with its caller count", async () => {
    const seen: string[] = [];
    const observer: EngineObserver = {
      checkStarted: (id, plannedAt, startedAt) => seen.push(`started ${id} late ${startedAt - plannedAt}`),
      checkFinished: (service: ServiceConfig, result) => seen.push(`finished ${service.port} ${result.status}`),
      announced: (service, status, detail, callers) => seen.push(`announced ${service.port} ${status} "${detail}" to ${callers}`),
    };
    const t = await engineUnderTest({ observer });
    engine = t.engine;
    for (const id of ["a", "b"]) await t.registry.addCaller({ id, displayName: "", createdAt: 0 });
    const service = await t.addService(4001);
    for (const callerId of ["a", "b"]) {
      await t.registry.setSubscription({ callerId, serviceId: service.id, pollingIntervalMs: 5000, gracePeriodMs: 0 });
    }
    await t.time.advance(0);
    await t.finish(4001, "down");
    expect(seen).toEqual([
      `started ${service.id} late 0`,
      "finished 4001 down",
      'announced 4001 down "connection refused" to 2',
    ]);
  });

  it("survives a throwing observer: the error is reported and announcements still happen", async () => {
    const t = await engineUnderTest({
      observer: {
        checkFinished: () => {
          throw new Error("metrics bug");
        },
      },
    });
    engine = t.engine;
    await t.registry.addCaller({ id: "c", displayName: "", createdAt: 0 });
    const service = await t.addService(5001);
    await t.registry.setSubscription({ callerId: "c", serviceId: service.id, pollingIntervalMs: 5000, gracePeriodMs: 0 });
    await t.time.advance(0);
    await t.finish(5001, "up");
    expect((await t.log.read("c")).map((logged) => logged.event.kind)).toEqual(["status_change"]);
    expect(t.errors.map(([, context]) => context)).toEqual(["engine observer checkFinished"]);
  });

  describe("a batch that carries registry changes and check results together", () => {
    /** A service checked UP once, with caller c subscribed and told UP; its next check running. */
    async function upAndCheckingAgain() {
      const t = await engineUnderTest();
      engine = t.engine;
      await t.registry.addCaller({ id: "c", displayName: "", createdAt: 0 });
      const service = await t.addService(7001);
      await t.registry.setSubscription({ callerId: "c", serviceId: service.id, pollingIntervalMs: 5000, gracePeriodMs: 0 });
      await t.time.advance(0);
      await t.finish(7001, "up");
      await t.time.advance(5000);
      expect(t.running.map((check) => check.port)).toEqual([7001]);
      return { t, service };
    }
    const statuses = async (t: Awaited<ReturnType<typeof engineUnderTest>>) =>
      (await t.log.read("c")).map((e) => (e.event.kind === "status_change" ? `${e.sequence}:${e.event.status}` : `${e.sequence}:ended`));

    it("announces a DOWN once when the subscription changes in the same batch as the failed check", async () => {
      const { t, service } = await upAndCheckingAgain();
      const changed = t.registry.setSubscription({ callerId: "c", serviceId: service.id, pollingIntervalMs: 2000, gracePeriodMs: 0 });
      t.finishNow(7001, "down");
      await changed;
      await t.time.settle();
      expect(await statuses(t)).toEqual(["1:up", "2:down"]);
      expect(t.engine.snapshot("c").map((entry) => entry.announced.status)).toEqual(["down"]);
    });

    it("announces a DOWN once when the caller unsubscribes and subscribes again in the same batch as the failed check", async () => {
      const { t, service } = await upAndCheckingAgain();
      const sub = { callerId: "c", serviceId: service.id, pollingIntervalMs: 5000, gracePeriodMs: 0 };
      const again = Promise.all([t.registry.removeSubscription("c", service.id), t.registry.setSubscription(sub)]);
      t.finishNow(7001, "down");
      await again;
      await t.time.settle();
      expect(await statuses(t)).toEqual(["1:up", "2:ended", "3:down"]);
    });

    it("still tells a new subscriber the status when the service is updated in the same batch", async () => {
      const { t, service } = await upAndCheckingAgain();
      await t.finish(7001, "up");
      await t.registry.addCaller({ id: "late", displayName: "", createdAt: 0 });
      await Promise.all([
        t.registry.setSubscription({ callerId: "late", serviceId: service.id, pollingIntervalMs: 5000, gracePeriodMs: 0 }),
        t.registry.updateService({ ...service, displayName: "renamed" }),
      ]);
      await t.time.settle();
      expect((await t.log.read("late")).map((e) => e.event.kind === "status_change" && e.event.status)).toEqual(["up"]);
    });

    it("starts the observation over, in memory and in the store, when an update moves the service", async () => {
      const { t, service } = await upAndCheckingAgain();
      await t.finish(7001, "down");
      expect((await t.store.load()).observations[0]?.observation.status).toBe("down");
      await t.registry.updateService({ ...service, port: 7002 });
      await t.time.settle();
      expect(t.engine.stateOf(service.id)?.observation.status).toBe("unknown");
      expect((await t.store.load()).observations.map((o) => o.observation.status)).toEqual(["unknown"]);
    });
  });

  it("checks again within seconds, not an interval, when the store could not save what a check decided", async () => {
    const t = await engineUnderTest();
    engine = t.engine;
    await t.registry.addCaller({ id: "c", displayName: "", createdAt: 0 });
    const service = await t.addService(8001); // checked every 10 s
    await t.registry.setSubscription({ callerId: "c", serviceId: service.id, pollingIntervalMs: 10_000, gracePeriodMs: 0 });
    await t.time.advance(0);
    t.storeState.failing = true;
    await t.finish(8001, "down");
    expect(await t.log.read("c")).toEqual([]);
    expect(t.errors.map(([, context]) => context)).toEqual([`committing the evaluation of service ${service.id}`]);
    t.storeState.failing = false;
    await t.time.advance(RETRY_UNSAVED_MS);
    expect(t.running.map((check) => check.port)).toEqual([8001]);
    await t.finish(8001, "down");
    expect((await t.log.read("c")).map((e) => e.event.kind === "status_change" && e.event.status)).toEqual(["down"]);
  });
});
