import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { ServiceStatus } from "../../sdk/gen/monitor/v1/resources_pb.js";
import { RegisterServiceRequestSchema } from "../../sdk/gen/monitor/v1/management_service_pb.js";
import { createInMemoryMonitor } from "../support/in-memory-monitor.js";

type Monitor = Awaited<ReturnType<typeof createInMemoryMonitor>>;

/** Asserts that `call` fails with `code` and a message that starts with `message`. */
async function expectError(call: Promise<unknown>, code: Code, message: string | RegExp) {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the call should have failed").toBeInstanceOf(ConnectError);
  const connectError = error as ConnectError;
  expect(Code[connectError.code]).toBe(Code[code]);
  if (typeof message === "string") expect(connectError.rawMessage.startsWith(message), connectError.rawMessage).toBe(true);
  else expect(connectError.rawMessage).toMatch(message);
}

const s = (seconds: number) => durationFromMs(seconds * 1000);

let m: Monitor;
beforeEach(async () => {
  m = await createInMemoryMonitor();
});

async function registerService(host = "db.internal", port = 5432) {
  const { service } = await m.management.registerService({ host, port });
  return service!;
}

describe("RegisterService", () => {
  it("registers with defaults and returns the service", async () => {
    const { service } = await m.management.registerService({ host: "db.internal", port: 5432, displayName: "Main DB" });
    expect(service).toMatchObject({ id: "svc_0001", host: "db.internal", port: 5432, displayName: "Main DB" });
    expect(Number(service!.checkInterval!.seconds)).toBe(30);
    expect(Number(service!.checkTimeout!.seconds)).toBe(2);
    expect(service!.state!.status).toBe(ServiceStatus.UNSPECIFIED);
    expect(timestampMs(service!.createTime!)).toBe(m.clock.now());
    expect(m.registry.getService("svc_0001")).toBeDefined();
  });

  it("accepts IPv4, IPv6 (bare or bracketed) and trailing-dot hostnames", async () => {
    for (const [host, stored] of [
      ["127.0.0.1", "127.0.0.1"],
      ["::1", "::1"],
      ["[fe80::1]", "fe80::1"],
      ["Example.COM.", "example.com."],
    ] as const) {
      const service = await registerService(host, 80);
      expect(service.host).toBe(stored);
    }
  });

  it("keeps explicit interval and timeout", async () => {
    const { service } = await m.management.registerService({
      host: "a.example",
      port: 1,
      checkInterval: s(1),
      checkTimeout: durationFromMs(100),
    });
    expect(Number(service!.checkInterval!.seconds)).toBe(1);
    expect(service!.checkTimeout!.nanos).toBe(100_000_000);
  });

  it.each([
    [{ host: "", port: 80 }, "host: must not be empty"],
    [{ host: "a".repeat(254), port: 80 }, "host: must be at most 253 characters"],
    [{ host: "bad host", port: 80 }, 'host: "bad host" is neither a valid hostname nor an IP address'],
    [{ host: "-lead.example", port: 80 }, "host:"],
    [{ host: "a..b", port: 80 }, "host:"],
    [{ host: "x".repeat(64) + ".example", port: 80 }, "host:"],
    [{ host: "ok.example", port: 0 }, "port: must be between 1 and 65535, got 0"],
    [{ host: "ok.example", port: 65536 }, "port: must be between 1 and 65535, got 65536"],
    [{ host: "ok.example", port: 80, checkInterval: durationFromMs(999) }, "check_interval: must be between 1s and 24h, got 999ms"],
    [{ host: "ok.example", port: 80, checkInterval: s(86401) }, "check_interval: must be between 1s and 24h"],
    [{ host: "ok.example", port: 80, checkInterval: s(-5) }, "check_interval: must be between 1s and 24h"],
    [{ host: "ok.example", port: 80, checkTimeout: durationFromMs(99) }, "check_timeout: must be between 100ms and 60s, got 99ms"],
    [{ host: "ok.example", port: 80, checkTimeout: s(61) }, "check_timeout: must be between 100ms and 60s, got 61s"],
    [{ host: "ok.example", port: 80, displayName: "n".repeat(257) }, "display_name: must be at most 256 characters"],
  ])("rejects %o", async (req, message) => {
    await expectError(m.management.registerService(req), Code.InvalidArgument, message);
    expect(m.registry.listServices()).toHaveLength(0);
  });

  it("rejects a port above 65535 sent on the wire as a uint32", async () => {
    const req = create(RegisterServiceRequestSchema, { host: "ok.example", port: 70000 });
    await expectError(m.management.registerService(req), Code.InvalidArgument, "port:");
  });

  it("refuses a second registration of host:port with ALREADY_EXISTS, case-insensitively", async () => {
    await registerService("db.internal", 5432);
    await expectError(
      m.management.registerService({ host: "DB.internal", port: 5432 }),
      Code.AlreadyExists,
      /db.internal:5432 is already registered as "svc_0001"/,
    );
    await registerService("db.internal", 5433);
    expect(m.registry.listServices()).toHaveLength(2);
  });

  it("answers 100 concurrent registrations, all kept, in a few group-committed writes", async () => {
    const ports = Array.from({ length: 100 }, (_, i) => 1000 + i);
    const before = m.storeWrites();
    await Promise.all(ports.map((port) => m.management.registerService({ host: "h.example", port })));
    expect((await m.store.load()).services.map((x) => x.port).sort()).toEqual(ports);
    expect(m.storeWrites() - before).toBeLessThanOrEqual(3);
  });
});

describe("GetService / ListServices / UnregisterService", () => {
  it("gets a service with the engine's state", async () => {
    const service = await registerService();
    m.states.set(service.id, {
      observation: { status: "down", sinceMs: 1000, lastCheckAt: 5000, lastLatencyMs: 1.5, detail: "connection refused" },
      effectiveIntervalMs: 5000,
      inPlannedOutage: true,
      nextCheckAt: 10_000,
    });
    const got = (await m.management.getService({ serviceId: service.id })).service!;
    expect(got.state!.status).toBe(ServiceStatus.DOWN);
    expect(got.state!.detail).toBe("connection refused");
    expect(timestampMs(got.state!.sinceTime!)).toBe(1000);
    expect(timestampMs(got.state!.lastCheckTime!)).toBe(5000);
    expect(Number(got.state!.effectiveInterval!.seconds)).toBe(5);
    expect(got.state!.inPlannedOutage).toBe(true);
    expect(timestampMs(got.state!.nextCheckTime!)).toBe(10_000);
  });

  it("NOT_FOUND for an unknown id, INVALID_ARGUMENT for an empty one", async () => {
    await expectError(m.management.getService({ serviceId: "svc_nope" }), Code.NotFound, 'service "svc_nope" not found');
    await expectError(m.management.getService({ serviceId: "" }), Code.InvalidArgument, "service_id: must not be empty");
    await expectError(m.management.unregisterService({ serviceId: "svc_nope" }), Code.NotFound, 'service "svc_nope" not found');
    await expectError(m.management.unregisterService({}), Code.InvalidArgument, "service_id:");
  });

  it("pages through services with opaque tokens, stable under deletion", async () => {
    for (let port = 1; port <= 25; port++) await registerService("h.example", port);
    const seen: string[] = [];
    let token = "";
    let pages = 0;
    do {
      const res = await m.management.listServices({ pageSize: 10, pageToken: token });
      seen.push(...res.services.map((x) => x.id));
      token = res.nextPageToken;
      pages++;
      // Delete an already-listed service mid-way: the cursor must not skip anything.
      if (pages === 1) await m.management.unregisterService({ serviceId: seen[0]! });
    } while (token !== "");
    expect(pages).toBe(3);
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
  });

  it("defaults page_size to 100 and caps it at 1000", async () => {
    await Promise.all(Array.from({ length: 150 }, (_, i) => m.management.registerService({ host: "h.example", port: i + 1 })));
    const first = await m.management.listServices({});
    expect(first.services).toHaveLength(100);
    expect(first.nextPageToken).not.toBe("");
    const all = await m.management.listServices({ pageSize: 5000 });
    expect(all.services).toHaveLength(150);
    expect(all.nextPageToken).toBe("");
  });

  it("rejects a negative page_size and a forged page_token", async () => {
    await expectError(m.management.listServices({ pageSize: -1 }), Code.InvalidArgument, "page_size: must not be negative");
    await expectError(m.management.listServices({ pageToken: "garbage!" }), Code.InvalidArgument, "page_token:");
    await expectError(m.management.listCallers({ pageToken: Buffer.from("x").toString("base64url") }), Code.InvalidArgument, "page_token:");
  });

  it("unregistering a service removes its subscriptions and outages", async () => {
    const service = await registerService();
    const other = await registerService("other.example", 1);
    await m.management.registerCaller({ callerId: "bot" });
    await m.management.subscribe({ callerId: "bot", serviceId: service.id });
    await m.management.subscribe({ callerId: "bot", serviceId: other.id });
    await m.management.schedulePlannedOutage({
      serviceId: service.id,
      startTime: timestampFromMs(m.clock.now()),
      endTime: timestampFromMs(m.clock.now() + 60_000),
    });
    await m.management.unregisterService({ serviceId: service.id });
    const subs = await m.management.listSubscriptions({ callerId: "bot" });
    expect(subs.subscriptions.map((x) => x.serviceId)).toEqual([other.id]);
    expect((await m.management.listPlannedOutages({})).outages).toHaveLength(0);
    expect(m.registry.getService(service.id)).toBeUndefined();
  });
});

describe("callers", () => {
  it("registers, lists, pages and unregisters callers", async () => {
    const { caller } = await m.management.registerCaller({ callerId: "pager-bot", displayName: "Pager" });
    expect(caller).toMatchObject({ id: "pager-bot", displayName: "Pager" });
    await m.management.registerCaller({ callerId: "a@b.example" });
    await m.management.registerCaller({ callerId: "x:y_z-1.2" });
    const page = await m.management.listCallers({ pageSize: 2 });
    expect(page.callers.map((c) => c.id)).toEqual(["a@b.example", "pager-bot"]);
    const rest = await m.management.listCallers({ pageSize: 2, pageToken: page.nextPageToken });
    expect(rest.callers.map((c) => c.id)).toEqual(["x:y_z-1.2"]);
    expect(rest.nextPageToken).toBe("");
    await m.management.unregisterCaller({ callerId: "pager-bot" });
    expect((await m.management.listCallers({})).callers).toHaveLength(2);
  });

  it.each([
    ["", "caller_id: must not be empty"],
    ["has space", "caller_id: may contain only letters, digits and . _ : @ -"],
    ["é", "caller_id: may contain only"],
    ["c".repeat(129), "caller_id: must be at most 128 characters"],
  ])("rejects caller id %j", async (callerId, message) => {
    await expectError(m.management.registerCaller({ callerId }), Code.InvalidArgument, message);
  });

  it("ALREADY_EXISTS for a taken id, NOT_FOUND to unregister an unknown one", async () => {
    await m.management.registerCaller({ callerId: "bot" });
    await expectError(m.management.registerCaller({ callerId: "bot" }), Code.AlreadyExists, 'caller "bot" is already registered');
    await expectError(m.management.unregisterCaller({ callerId: "ghost" }), Code.NotFound, 'caller "ghost" not found');
    await expectError(m.management.unregisterCaller({ callerId: "" }), Code.InvalidArgument, "caller_id:");
  });

  it("unregistering a caller removes its subscriptions only", async () => {
    const service = await registerService();
    await m.management.registerCaller({ callerId: "a" });
    await m.management.registerCaller({ callerId: "b" });
    await m.management.subscribe({ callerId: "a", serviceId: service.id });
    await m.management.subscribe({ callerId: "b", serviceId: service.id });
    await m.management.unregisterCaller({ callerId: "a" });
    const subs = await m.management.listSubscriptions({ serviceId: service.id });
    expect(subs.subscriptions.map((x) => x.callerId)).toEqual(["b"]);
  });
});

describe("subscriptions", () => {
  let serviceId: string;
  beforeEach(async () => {
    serviceId = (await registerService()).id;
    await m.management.registerCaller({ callerId: "bot" });
  });

  it("subscribes with the service's interval and no grace by default", async () => {
    const { subscription } = await m.management.subscribe({ callerId: "bot", serviceId });
    expect(subscription).toMatchObject({ callerId: "bot", serviceId });
    expect(Number(subscription!.pollingInterval!.seconds)).toBe(30);
    expect(Number(subscription!.gracePeriod?.seconds ?? 0)).toBe(0);
  });

  it("subscribing again updates the existing subscription (upsert)", async () => {
    await m.management.subscribe({ callerId: "bot", serviceId, pollingInterval: s(10), gracePeriod: s(5) });
    await m.management.subscribe({ callerId: "bot", serviceId, pollingInterval: s(2), gracePeriod: s(0) });
    const { subscriptions } = await m.management.listSubscriptions({});
    expect(subscriptions).toHaveLength(1);
    expect(Number(subscriptions[0]!.pollingInterval!.seconds)).toBe(2);
    expect(Number(subscriptions[0]!.gracePeriod?.seconds ?? 0)).toBe(0);
  });

  it.each([
    [{ pollingInterval: durationFromMs(500) }, "polling_interval: must be between 1s and 24h, got 500ms"],
    [{ pollingInterval: s(86_401) }, "polling_interval: must be between 1s and 24h"],
    [{ gracePeriod: s(-1) }, "grace_period: must be between 0ms and 24h, got -1s"],
    [{ gracePeriod: s(86_401) }, "grace_period: must be between 0ms and 24h"],
  ])("rejects %o", async (extra, message) => {
    await expectError(m.management.subscribe({ callerId: "bot", serviceId, ...extra }), Code.InvalidArgument, message);
    expect(m.registry.listSubscriptions()).toHaveLength(0);
  });

  it("NOT_FOUND for an unknown caller or service; INVALID_ARGUMENT for empty ids", async () => {
    await expectError(m.management.subscribe({ callerId: "ghost", serviceId }), Code.NotFound, 'caller "ghost" not found');
    await expectError(m.management.subscribe({ callerId: "bot", serviceId: "svc_x" }), Code.NotFound, 'service "svc_x" not found');
    await expectError(m.management.subscribe({ callerId: "", serviceId }), Code.InvalidArgument, "caller_id:");
    await expectError(m.management.subscribe({ callerId: "bot", serviceId: "" }), Code.InvalidArgument, "service_id:");
  });

  it("unsubscribes; NOT_FOUND when not subscribed", async () => {
    await m.management.subscribe({ callerId: "bot", serviceId });
    await m.management.unsubscribe({ callerId: "bot", serviceId });
    expect((await m.management.listSubscriptions({})).subscriptions).toHaveLength(0);
    await expectError(m.management.unsubscribe({ callerId: "bot", serviceId }), Code.NotFound, /not subscribed/);
    await expectError(m.management.unsubscribe({ callerId: "", serviceId }), Code.InvalidArgument, "caller_id:");
  });

  it("filters by caller, by service, by both, or neither", async () => {
    const other = (await registerService("other.example", 1)).id;
    await m.management.registerCaller({ callerId: "amy" });
    await m.management.subscribe({ callerId: "bot", serviceId });
    await m.management.subscribe({ callerId: "bot", serviceId: other });
    await m.management.subscribe({ callerId: "amy", serviceId });
    const keys = async (req: { callerId?: string; serviceId?: string }) =>
      (await m.management.listSubscriptions(req)).subscriptions.map((x) => `${x.callerId}/${x.serviceId}`);
    expect(await keys({})).toEqual([`amy/${serviceId}`, `bot/${serviceId}`, `bot/${other}`]);
    expect(await keys({ callerId: "bot" })).toEqual([`bot/${serviceId}`, `bot/${other}`]);
    expect(await keys({ serviceId })).toEqual([`amy/${serviceId}`, `bot/${serviceId}`]);
    expect(await keys({ callerId: "amy", serviceId: other })).toEqual([]);
    await expectError(m.management.listSubscriptions({ callerId: "ghost" }), Code.NotFound, 'caller "ghost"');
    await expectError(m.management.listSubscriptions({ serviceId: "svc_x" }), Code.NotFound, 'service "svc_x"');
  });
});

describe("planned outages", () => {
  let serviceId: string;
  const at = (offsetMs: number) => timestampFromMs(m.clock.now() + offsetMs);
  beforeEach(async () => {
    serviceId = (await registerService()).id;
  });

  it("schedules, lists (current and future only) and cancels", async () => {
    const { outage } = await m.management.schedulePlannedOutage({
      serviceId,
      startTime: at(60_000),
      endTime: at(120_000),
      reason: "kernel upgrade",
    });
    expect(outage).toMatchObject({ id: "out_0002", serviceId, reason: "kernel upgrade" });
    expect(timestampMs(outage!.startTime!)).toBe(m.clock.now() + 60_000);
    // An outage that already started is fine as long as it has not ended.
    await m.management.schedulePlannedOutage({ serviceId, startTime: at(-60_000), endTime: at(30_000) });
    expect((await m.management.listPlannedOutages({ serviceId })).outages.map((o) => o.reason)).toEqual(["", "kernel upgrade"]);
    await m.time.advance(40_000);
    expect((await m.management.listPlannedOutages({})).outages.map((o) => o.id)).toEqual(["out_0002"]);
    await m.management.cancelPlannedOutage({ outageId: "out_0002" });
    expect((await m.management.listPlannedOutages({ serviceId })).outages).toHaveLength(0);
  });

  it.each([
    [{ startTime: undefined, endTime: 60_000 }, "start_time: is required"],
    [{ startTime: 0, endTime: undefined }, "end_time: is required"],
    [{ startTime: 60_000, endTime: 60_000 }, "end_time: must be after start_time"],
    [{ startTime: 60_000, endTime: 30_000 }, "end_time: must be after start_time"],
    [{ startTime: -120_000, endTime: -60_000 }, "end_time: must be in the future"],
  ])("rejects %o", async ({ startTime, endTime }, message) => {
    await expectError(
      m.management.schedulePlannedOutage({
        serviceId,
        ...(startTime === undefined ? {} : { startTime: at(startTime) }),
        ...(endTime === undefined ? {} : { endTime: at(endTime) }),
      }),
      Code.InvalidArgument,
      message,
    );
  });

  it("rejects an over-long reason, an unknown service and an unknown outage", async () => {
    await expectError(
      m.management.schedulePlannedOutage({ serviceId, startTime: at(0), endTime: at(1000), reason: "r".repeat(1025) }),
      Code.InvalidArgument,
      "reason: must be at most 1024 characters",
    );
    await expectError(
      m.management.schedulePlannedOutage({ serviceId: "svc_x", startTime: at(0), endTime: at(1000) }),
      Code.NotFound,
      'service "svc_x"',
    );
    await expectError(m.management.cancelPlannedOutage({ outageId: "out_x" }), Code.NotFound, 'planned outage "out_x" not found');
    await expectError(m.management.cancelPlannedOutage({ outageId: "" }), Code.InvalidArgument, "outage_id:");
    await expectError(m.management.listPlannedOutages({ serviceId: "svc_x" }), Code.NotFound, 'service "svc_x"');
  });
});

describe("errors at the boundary", () => {
  it("turns an unexpected failure into INTERNAL without leaking it, and reports it", async () => {
    const service = await registerService();
    // A broken state source is a bug, not a refusal.
    vi.spyOn(m.states, "get").mockImplementation(() => {
      throw new Error("secret detail");
    });
    await expectError(m.management.getService({ serviceId: service.id }), Code.Internal, "internal error");
    expect(m.internalErrors).toHaveLength(1);
  });
});

describe("health", () => {
  it("reports SERVING for the server and each service, NOT_FOUND for unknown names", async () => {
    expect((await m.health.check({ service: "" })).status).toBe(1);
    expect((await m.health.check({ service: "monitor.v1.ManagementService" })).status).toBe(1);
    await expectError(m.health.check({ service: "nope.Service" }), Code.NotFound, 'unknown service "nope.Service"');
    const listed = await m.health.list({});
    expect(Object.keys(listed.statuses).sort()).toEqual(["", "monitor.v1.ManagementService", "monitor.v1.WatchService"]);
  });

  it("Watch sends the current status, each change, and SERVICE_UNKNOWN for unknown names", async () => {
    const abort = new AbortController();
    const seen: number[] = [];
    const stream = m.health.watch({ service: "monitor.v1.WatchService" }, { signal: abort.signal });
    for await (const res of stream) {
      seen.push(res.status);
      if (seen.length === 1) m.healthStatus.setAll(2);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([1, 2]);
    const unknown = m.health.watch({ service: "nope" });
    for await (const res of unknown) {
      expect(res.status).toBe(3);
      break;
    }
  });
});

describe("wire encoding of engine state", () => {
  it("serializes a sub-millisecond latency (fractional ms) without losing precision", async () => {
    const service = await registerService();
    m.states.set(service.id, {
      observation: { status: "up", sinceMs: 1000, lastCheckAt: 5000, lastLatencyMs: 13.910519000000931, detail: "" },
      effectiveIntervalMs: 1000,
      inPlannedOutage: false,
      nextCheckAt: 6000,
    });
    const got = (await m.management.getService({ serviceId: service.id })).service!;
    expect(got.state!.lastLatency).toMatchObject({ seconds: 0n, nanos: 13_910_519 });
    const listed = await m.management.listServices({});
    expect(listed.services[0]!.state!.lastLatency!.nanos).toBe(13_910_519);
  });
});
