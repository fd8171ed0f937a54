import { describe, expect, it } from "vitest";
import type { LoggedEvent, ServiceConfig } from "../../server/domain/types.js";
import { createEventHub } from "../../server/engine/event-hub.js";
import { logRegistryChanges } from "../../server/logging/log-registry-changes.js";
import { withStreamLogging } from "../../server/logging/log-watch-streams.js";
import { createLoggingObserver } from "../../server/logging/logging-observer.js";
import { createStoreStack } from "../support/store-stack.js";
import { capturedLogger } from "../support/captured-logger.js";

/**
 * The lines an operator reads (issue 8, item 5): registrations from the
 * registry's change feed, announcements from the engine observer, Watch
 * streams from the hub decorator. Levels are pino's numbers: 20 debug, 30 info.
 */

const service: ServiceConfig = {
  id: "svc_1",
  host: "::1",
  port: 5432,
  displayName: "db",
  checkIntervalMs: 30_000,
  checkTimeoutMs: 2000,
  createdAt: 0,
};

describe("registry change log", () => {
  it("writes one info line per durable change, naming ids and addresses", async () => {
    const { registry } = await createStoreStack({ now: () => 0, newId: (prefix) => `${prefix}_1` });
    const { logger, lines } = capturedLogger();
    const stop = logRegistryChanges(registry, logger);

    await registry.addService({ host: "127.0.0.1", port: 5432, displayName: "db", checkIntervalMs: 30_000, checkTimeoutMs: 2000, createdAt: 0 });
    await registry.addCaller({ id: "ops-bot", displayName: "Ops bot", createdAt: 0 });
    await registry.setSubscription({ callerId: "ops-bot", serviceId: "svc_1", pollingIntervalMs: 5000, gracePeriodMs: 10_000 });
    await registry.setSubscription({ callerId: "ops-bot", serviceId: "svc_1", pollingIntervalMs: 5000, gracePeriodMs: 0 });
    await registry.addOutage({ serviceId: "svc_1", startMs: Date.UTC(2031, 0, 1, 2), endMs: Date.UTC(2031, 0, 1, 3), reason: "upgrade" });
    await registry.removeOutage("out_1");
    await registry.removeSubscription("ops-bot", "svc_1");
    await registry.removeCaller("ops-bot");
    await registry.removeService("svc_1");
    stop();
    await registry.addCaller({ id: "after-stop", displayName: "", createdAt: 0 });

    expect(lines.map((line) => [line["level"], line["msg"]])).toEqual([
      [30, "service registered: svc_1 127.0.0.1:5432"],
      [30, "caller registered: ops-bot"],
      [30, "subscription set: ops-bot → svc_1"],
      [30, "subscription changed: ops-bot → svc_1"],
      [30, "outage scheduled: out_1 for svc_1"],
      [30, "outage cancelled: out_1 for svc_1"],
      [30, "subscription removed: ops-bot → svc_1"],
      [30, "caller unregistered: ops-bot"],
      [30, "service unregistered: svc_1 127.0.0.1:5432"],
    ]);
    expect(lines[0]).toMatchObject({ serviceId: "svc_1", address: "127.0.0.1:5432", name: "db" });
    expect(lines[2]).toMatchObject({ callerId: "ops-bot", serviceId: "svc_1", pollingIntervalMs: 5000, gracePeriodMs: 10_000 });
    expect(lines[4]).toMatchObject({ outageId: "out_1", start: "2031-01-01T02:00:00.000Z", end: "2031-01-01T03:00:00.000Z", reason: "upgrade" });
  });
});

describe("logging observer", () => {
  it("logs each announcement at info with the service, address, status, detail and how many callers heard it", () => {
    const { logger, lines } = capturedLogger("info");
    const observer = createLoggingObserver(logger);
    observer.announced?.(service, "down", "connection refused", 3);
    observer.announced?.(service, "up", "", 1);
    observer.checkFinished?.(service, { status: "up", at: 0, latencyMs: 1, detail: "" });
    expect(lines).toEqual([
      {
        level: 30,
        serviceId: "svc_1",
        address: "[::1]:5432",
        status: "down",
        detail: "connection refused",
        callers: 3,
        msg: "DOWN: svc_1 [::1]:5432 (connection refused) announced to 3 callers",
      },
      { level: 30, serviceId: "svc_1", address: "[::1]:5432", status: "up", detail: "", callers: 1, msg: "UP: svc_1 [::1]:5432 announced to 1 caller" },
    ]);
  });

  it("logs checks at trace only", () => {
    const { logger, lines } = capturedLogger("trace");
    createLoggingObserver(logger).checkFinished?.(service, { status: "down", at: 0, latencyMs: 2, detail: "connection refused" });
    expect(lines).toEqual([{ level: 10, serviceId: "svc_1", status: "down", latencyMs: 2, detail: "connection refused", msg: "check svc_1: down" }]);
  });
});

describe("watch stream log", () => {
  const event: LoggedEvent = {
    callerId: "ops-bot",
    sequence: 1,
    timeMs: 0,
    event: { kind: "subscription_ended", serviceId: "svc_1", reason: "unsubscribed" },
  } as LoggedEvent;

  it("logs opened and closed at debug, once each, however the stream ends, and still delivers", () => {
    const { logger, lines } = capturedLogger("debug");
    const hub = withStreamLogging(createEventHub(), logger);
    const pushed: LoggedEvent[] = [];
    const ended: string[] = [];
    const sink = { push: (e: LoggedEvent) => pushed.push(e), end: (error: Error) => ended.push(error.message) };

    const detachFirst = hub.attach("ops-bot", sink);
    hub.attach("ops-bot", sink);
    hub.publish([event]);
    expect(pushed).toHaveLength(2);
    expect(hub.streamCount("ops-bot")).toBe(2);

    detachFirst();
    detachFirst();
    hub.endAll(new Error("server is shutting down"));
    expect(ended).toEqual(["server is shutting down"]);
    expect(hub.streamCount()).toBe(0);

    expect(lines.map((line) => [line["level"], line["msg"], line["callerStreams"], line["streams"]])).toEqual([
      [20, "watch stream opened: ops-bot", 1, 1],
      [20, "watch stream opened: ops-bot", 2, 2],
      [20, "watch stream closed: ops-bot (stream ended)", 1, 1],
      [20, "watch stream closed: ops-bot (server is shutting down)", 0, 0],
    ]);
  });

  it("writes nothing at info", () => {
    const { logger, lines } = capturedLogger("info");
    const hub = withStreamLogging(createEventHub(), logger);
    hub.attach("ops-bot", { push: () => {}, end: () => {} })();
    expect(lines).toEqual([]);
  });
});
