import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBufCurl, type BufCurl } from "../support/buf-curl.js";
import { spawnServer, type SpawnedServer } from "../support/spawn-server.js";
import { waitUntil } from "../support/wait-until.js";
import { createListener } from "../../simulator/index.js";

/**
 * The real server process, called from the shell the way the README shows:
 * `buf curl` over h2c with the gRPC protocol, JSON bodies, and the schema
 * learned from server reflection alone (no --schema).
 */

let server: SpawnedServer;
let buf: BufCurl;
let url: string;

beforeAll(async () => {
  [server, buf] = await Promise.all([spawnServer(), createBufCurl()]);
  url = server.baseUrl;
});

afterAll(async () => {
  await server?.stop();
  await buf?.dispose();
  if (server !== undefined) await rm(server.dataDir, { recursive: true, force: true });
});

const method = (name: string) => `${url}/monitor.v1.ManagementService/${name}`;

/** A unary call that must succeed; returns the decoded JSON response. */
async function rpc<T>(path: string, body: unknown, ...flags: string[]): Promise<T> {
  const { stdout } = await buf.call(...flags, "-d", JSON.stringify(body), path);
  return JSON.parse(stdout) as T;
}

interface ServiceJson {
  id: string;
  host: string;
  port: number;
  displayName?: string;
  checkInterval?: string;
  checkTimeout?: string;
  createTime?: string;
  state?: Record<string, unknown>;
}

const reflectProtocols = [
  { name: "default", flags: [] },
  { name: "grpc-v1", flags: ["--reflect-protocol", "grpc-v1"] },
  { name: "grpc-v1alpha", flags: ["--reflect-protocol", "grpc-v1alpha"] },
];

describe("buf curl against the real server", () => {
  it.each(reflectProtocols)("lists the served services ($name reflection)", async ({ flags }) => {
    const { stdout } = await buf.call(...flags, "--list-services", url);
    expect(stdout.trim().split("\n")).toEqual(
      expect.arrayContaining([
        "monitor.v1.ManagementService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
      ]),
    );
  });

  it.each(reflectProtocols.map((p, i) => ({ ...p, port: 5400 + i })))(
    "registers a service and gets it back ($name reflection)",
    async ({ flags, port }) => {
      // snake_case in one request, lowerCamelCase in the other: protobuf JSON accepts both.
      const registered = await rpc<{ service: ServiceJson }>(
        method("RegisterService"),
        { host: "127.0.0.1", port, display_name: `db ${port}`, check_interval: "5s" },
        ...flags,
      );
      expect(registered.service).toMatchObject({
        host: "127.0.0.1",
        port,
        displayName: `db ${port}`,
        checkInterval: "5s",
        checkTimeout: "2s",
      });
      expect(registered.service.id).not.toBe("");
      expect(Date.parse(registered.service.createTime ?? "")).not.toBeNaN();

      const got = await rpc<{ service: ServiceJson }>(
        method("GetService"),
        { serviceId: registered.service.id },
        ...flags,
      );
      // State is observed, not configured: compare everything else.
      const { state: _registeredState, ...configured } = registered.service;
      const { state: _gotState, ...gotConfigured } = got.service;
      expect(gotConfigured).toEqual(configured);
    },
  );

  it.each([
    { body: { host: "127.0.0.1", port: 0 }, field: "port" },
    { body: { host: "not a host!", port: 80 }, field: "host" },
    { body: { host: "127.0.0.1", port: 80, check_interval: "0.5s" }, field: "check_interval" },
    { body: { host: "127.0.0.1", port: 80, check_timeout: "61s" }, field: "check_timeout" },
  ])("answers INVALID_ARGUMENT naming $field", async ({ body, field }) => {
    const { exitCode, stdout, stderr } = await buf.run("-d", JSON.stringify(body), method("RegisterService"));
    expect(stdout).toBe("");
    const error = JSON.parse(stderr) as { code: string; message: string };
    expect(error.code).toBe("invalid_argument");
    expect(error.message.startsWith(`${field}: `), error.message).toBe(true);
    // buf curl exits with 8 × the gRPC code; INVALID_ARGUMENT is 3.
    expect(exitCode).toBe(24);
  });

  it("answers NOT_FOUND and ALREADY_EXISTS with their codes", async () => {
    const missing = await buf.run("-d", '{"service_id":"svc_missing"}', method("GetService"));
    expect(JSON.parse(missing.stderr)).toMatchObject({ code: "not_found", message: expect.stringContaining("svc_missing") });
    expect(missing.exitCode).toBe(40);

    await rpc(method("RegisterCaller"), { caller_id: "dup-bot" });
    const duplicate = await buf.run("-d", '{"caller_id":"dup-bot"}', method("RegisterCaller"));
    expect(JSON.parse(duplicate.stderr)).toMatchObject({ code: "already_exists", message: expect.stringContaining("dup-bot") });
    expect(duplicate.exitCode).toBe(48);
  });

  it("runs the README walk-through: caller, subscription, planned outage", async () => {
    const { service } = await rpc<{ service: ServiceJson }>(method("RegisterService"), {
      host: "127.0.0.1",
      port: 5432,
      display_name: "primary database",
    });
    const { caller } = await rpc<{ caller: { id: string; displayName: string } }>(method("RegisterCaller"), {
      caller_id: "ops-bot",
      display_name: "Ops bot",
    });
    expect(caller).toMatchObject({ id: "ops-bot", displayName: "Ops bot" });

    const { subscription } = await rpc<{ subscription: unknown }>(method("Subscribe"), {
      caller_id: "ops-bot",
      service_id: service.id,
      polling_interval: "5s",
      grace_period: "10s",
    });
    expect(subscription).toEqual({
      callerId: "ops-bot",
      serviceId: service.id,
      pollingInterval: "5s",
      gracePeriod: "10s",
    });

    // RFC 3339 in whole seconds, which is also how protobuf JSON prints them back.
    const hour = 3_600_000;
    const rfc3339 = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
    const startTime = rfc3339(Date.now() + hour);
    const endTime = rfc3339(Date.now() + 2 * hour);
    const { outage } = await rpc<{ outage: Record<string, string> }>(method("SchedulePlannedOutage"), {
      service_id: service.id,
      start_time: startTime,
      end_time: endTime,
      reason: "database upgrade",
    });
    expect(outage).toMatchObject({ serviceId: service.id, startTime, endTime, reason: "database upgrade" });
    const { outages } = await rpc<{ outages: unknown[] }>(method("ListPlannedOutages"), { service_id: service.id });
    expect(outages).toEqual([outage]);

    const listed = await rpc<{ services: ServiceJson[] }>(method("ListServices"), {});
    expect(listed.services.map((s) => s.id)).toContain(service.id);
  });

  it.each(reflectProtocols)("reports SERVING from grpc.health.v1.Health/Check ($name reflection)", async ({ flags }) => {
    const health = await rpc(`${url}/grpc.health.v1.Health/Check`, {}, ...flags);
    expect(health).toEqual({ status: "SERVING" });
  });
});

describe("buf curl Watch", () => {
  it("opens a Watch stream with reflection alone and prints events as they arrive", async () => {
    const listener = createListener({ port: 0 });
    const port = await listener.up();
    try {
      const { service } = await rpc<{ service: ServiceJson }>(method("RegisterService"), { host: "127.0.0.1", port, check_interval: "1s" });
      await rpc(method("RegisterCaller"), { caller_id: "shell-watcher" });
      await rpc(method("Subscribe"), { caller_id: "shell-watcher", service_id: service.id, polling_interval: "1s" });
      const stream = buf.stream("-d", '{"caller_id":"shell-watcher"}', `${url}/monitor.v1.WatchService/Watch`);
      try {
        await waitUntil(() => stream.output().includes('"snapshot"'), 15_000, "the snapshot in buf curl's output");
        await waitUntil(() => stream.output().includes('"status": "SERVICE_STATUS_UP"'), 15_000, "UP in buf curl's output");
        await listener.down();
        await waitUntil(() => stream.output().includes('"status": "SERVICE_STATUS_DOWN"'), 15_000, "DOWN in buf curl's output");
        expect(stream.output()).toContain('"detail": "connection refused"');
        expect(stream.output()).toContain('"previousStatus": "SERVICE_STATUS_UP"');
      } finally {
        stream.stop();
      }
    } finally {
      await listener.close();
    }
  });
});
