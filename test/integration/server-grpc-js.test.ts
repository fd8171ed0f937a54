import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createGrpcJsClients, status, type GrpcError, type GrpcJsClients } from "../support/grpc-js-client.js";
import { runServerToExit, spawnServer, type SpawnedServer } from "../support/spawn-server.js";

/** The real server process on port 0, called through grpc-js. */

let server: SpawnedServer | undefined;
let client: GrpcJsClients | undefined;
afterEach(async () => {
  client?.close();
  client = undefined;
  await server?.stop("SIGKILL");
  server = undefined;
});

async function start(dataDir?: string) {
  server = await spawnServer(dataDir === undefined ? {} : { dataDir });
  client = createGrpcJsClients(server.port);
  return { server, client };
}

async function expectCode(call: Promise<unknown>, code: number, detail: RegExp) {
  const error = (await call.then(() => undefined, (e: unknown) => e)) as GrpcError | undefined;
  expect(error, "the call should have failed").toBeDefined();
  expect(status[error!.code]).toBe(status[code]);
  expect(error!.details).toMatch(detail);
}

type Service = { id: string; host: string; port: number };

describe("the server over grpc-js", () => {
  it("serves every ManagementService RPC with the documented codes", async () => {
    const { client: c } = await start();
    const { service } = await c.unary<{ service: Service }>("management", "RegisterService", {
      host: "127.0.0.1",
      port: 9,
      display_name: "discard",
      check_interval: { seconds: 5 },
    });
    expect(service).toMatchObject({ host: "127.0.0.1", port: 9, display_name: "discard" });
    await expectCode(c.unary("management", "RegisterService", { host: "127.0.0.1", port: 9 }), status.ALREADY_EXISTS, /already registered/);
    await expectCode(c.unary("management", "RegisterService", { host: "127.0.0.1", port: 0 }), status.INVALID_ARGUMENT, /^port: /);

    const got = await c.unary<{ service: Service & { state: { status: string } } }>("management", "GetService", { service_id: service.id });
    expect(got.service.id).toBe(service.id);
    await expectCode(c.unary("management", "GetService", { service_id: "svc_missing" }), status.NOT_FOUND, /svc_missing/);
    const listed = await c.unary<{ services: Service[]; next_page_token: string }>("management", "ListServices", { page_size: 10 });
    expect(listed.services.map((x) => x.id)).toEqual([service.id]);

    await c.unary("management", "RegisterCaller", { caller_id: "ops-bot", display_name: "Ops" });
    await expectCode(c.unary("management", "RegisterCaller", { caller_id: "ops-bot" }), status.ALREADY_EXISTS, /ops-bot/);
    await expectCode(c.unary("management", "RegisterCaller", { caller_id: "bad id" }), status.INVALID_ARGUMENT, /^caller_id: /);
    expect((await c.unary<{ callers: { id: string }[] }>("management", "ListCallers", {})).callers.map((x) => x.id)).toEqual(["ops-bot"]);

    const sub = await c.unary<{ subscription: { polling_interval: { seconds: string } } }>("management", "Subscribe", {
      caller_id: "ops-bot",
      service_id: service.id,
      polling_interval: { seconds: 2 },
      grace_period: { seconds: 3 },
    });
    expect(sub.subscription.polling_interval.seconds).toBe("2");
    await expectCode(
      c.unary("management", "Subscribe", { caller_id: "ops-bot", service_id: service.id, polling_interval: { nanos: 5 } }),
      status.INVALID_ARGUMENT,
      /^polling_interval: /,
    );
    expect((await c.unary<{ subscriptions: unknown[] }>("management", "ListSubscriptions", { caller_id: "ops-bot" })).subscriptions).toHaveLength(1);

    const now = Math.floor(Date.now() / 1000);
    const { outage } = await c.unary<{ outage: { id: string } }>("management", "SchedulePlannedOutage", {
      service_id: service.id,
      start_time: { seconds: now },
      end_time: { seconds: now + 3600 },
      reason: "upgrade",
    });
    await expectCode(
      c.unary("management", "SchedulePlannedOutage", { service_id: service.id, start_time: { seconds: now }, end_time: { seconds: now - 1 } }),
      status.INVALID_ARGUMENT,
      /^end_time: /,
    );
    expect((await c.unary<{ outages: unknown[] }>("management", "ListPlannedOutages", { service_id: service.id })).outages).toHaveLength(1);
    await c.unary("management", "CancelPlannedOutage", { outage_id: outage.id });
    await expectCode(c.unary("management", "CancelPlannedOutage", { outage_id: outage.id }), status.NOT_FOUND, /planned outage/);

    await c.unary("management", "Unsubscribe", { caller_id: "ops-bot", service_id: service.id });
    await expectCode(c.unary("management", "Unsubscribe", { caller_id: "ops-bot", service_id: service.id }), status.NOT_FOUND, /not subscribed/);
    await c.unary("management", "UnregisterCaller", { caller_id: "ops-bot" });
    await c.unary("management", "UnregisterService", { service_id: service.id });
    expect((await c.unary<{ services: unknown[] }>("management", "ListServices", {})).services).toHaveLength(0);
  });

  it("keeps 100 concurrent registrations through SIGKILL and restart", async () => {
    const { server: first, client: c } = await start();
    const ports = Array.from({ length: 100 }, (_, i) => 20_000 + i);
    const results = await Promise.allSettled(ports.map((port) => c.unary("management", "RegisterService", { host: "127.0.0.1", port })));
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    await c.unary("management", "RegisterCaller", { caller_id: "last-one" });
    // Killed right after the last mutation answered: nothing may be lost.
    expect(await first.stop("SIGKILL")).toBe("SIGKILL");
    c.close();

    const { client: again } = await start(first.dataDir);
    const listed = await again.unary<{ services: Service[] }>("management", "ListServices", { page_size: 1000 });
    expect(listed.services.map((s) => s.port).sort()).toEqual(ports);
    expect((await again.unary<{ callers: { id: string }[] }>("management", "ListCallers", {})).callers.map((x) => x.id)).toEqual(["last-one"]);
  });

  it("reports health, and on SIGTERM goes NOT_SERVING, ends streams with UNAVAILABLE and exits 0", async () => {
    const { server: s, client: c } = await start();
    expect(await c.unary("health", "Check", { service: "" })).toEqual({ status: "SERVING" });
    expect(await c.unary("health", "Check", { service: "monitor.v1.ManagementService" })).toEqual({ status: "SERVING" });
    await expectCode(c.unary("health", "Check", { service: "no.such.Service" }), status.NOT_FOUND, /no.such.Service/);

    const stream = c.healthWatch({ service: "" });
    const seen: string[] = [];
    const ended = new Promise<GrpcError>((resolve) => {
      stream.on("data", (msg: { status: string }) => {
        seen.push(msg.status);
        if (seen.length === 1) void s.stop("SIGTERM");
      });
      stream.on("error", (error: GrpcError) => resolve(error));
    });
    const error = await ended;
    expect(seen).toEqual(["SERVING", "NOT_SERVING"]);
    expect(status[error.code]).toBe("UNAVAILABLE");
    expect(await s.stop()).toBe(0);
  });
});

describe("a corrupt registry file of the previous release", () => {
  it("stops the server with an error naming the file, and leaves the file untouched", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "monitor-corrupt-"));
    const file = join(dataDir, "registry.json");
    const garbage = '{"version": 1, "services": [ {"id": "svc_1", "host": ';
    writeFileSync(file, garbage);
    const { code, output } = await runServerToExit(dataDir);
    expect(code).toBe(1);
    expect(output).toContain(`${file}: not a registry this server can import`);
    expect(readFileSync(file, "utf8")).toBe(garbage);
  });

  it("also refuses a well-formed file with a wrong field, naming the field", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "monitor-corrupt-"));
    const file = join(dataDir, "registry.json");
    const content = JSON.stringify({ version: 1, services: [{ id: "svc_1", host: "h", port: "80" }], callers: [], subscriptions: [], outages: [] });
    writeFileSync(file, content);
    const { code, output } = await runServerToExit(dataDir);
    expect(code).toBe(1);
    expect(output).toContain("$.services[0].port: expected a non-negative integer");
    expect(readFileSync(file, "utf8")).toBe(content);
  });
});
