import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { DataFile } from "lowdb/node";
import { afterEach, describe, expect, it } from "vitest";
import { ManagementService } from "../../sdk/gen/monitor/v1/management_service_pb.js";
import { ServiceStatus } from "../../sdk/gen/monitor/v1/resources_pb.js";
import { createHttpListener, type SimHttpListener } from "../../simulator/index.js";
import { monitorctlAgainst } from "../support/run-monitorctl-in-process.js";
import { spawnServer, type SpawnedServer } from "../support/spawn-server.js";
import { waitUntil } from "../support/wait-until.js";

/**
 * HTTP(S) checks in a `--config` file on the real server: checked like any
 * other service, edited in place (the subscription stays), a pause made
 * through the API outlives every reload, and export → fresh server → export
 * gives the same file, which a restart on the same data dir finds matching
 * (the store gives the probe back as it was written).
 */

const servers: SpawnedServer[] = [];
const listeners: SimHttpListener[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop("SIGKILL")));
  await Promise.all(listeners.splice(0).map((l) => l.close()));
});

async function startWith(configPath: string, options: { dataDir?: string } = {}) {
  const server = await spawnServer({ ...options, args: ["--config", configPath] });
  servers.push(server);
  const management = createClient(ManagementService, createGrpcTransport({ baseUrl: server.baseUrl }));
  return { server, management, ...monitorctlAgainst(() => `127.0.0.1:${server.port}`) };
}

function configPath(): string {
  return join(mkdtempSync(join(tmpdir(), "monitor-config-http-")), "monitor.json");
}

/** Writes as an editor does: a temporary file renamed over the old one (lowdb's writer). */
async function save(path: string, value: unknown): Promise<void> {
  await new DataFile<unknown>(path, { parse: JSON.parse, stringify: (d) => JSON.stringify(d, null, 2) }).write(value);
}

describe("--config with HTTP checks", () => {
  it("checks an HTTP service of the file, updates it in place on an edit, and never resumes a paused one", async () => {
    const web = createHttpListener();
    listeners.push(web);
    await web.up();
    const url = web.url("/health");
    const file = (http: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      version: 1,
      services: [{ id: "web", checkInterval: "1s", probe: { http: { url, ...http } }, ...extra }],
      callers: [{ id: "pager" }],
      subscriptions: [{ caller: "pager", service: "web", gracePeriod: "5s" }],
    });
    const path = configPath();
    await save(path, file({ expect: "200-299", bodyKeyword: "ok" }));
    const { server, management } = await startWith(path);
    const get = async () => (await management.getService({ serviceId: "web" })).service!;

    await waitUntil(async () => (await get()).state?.status === ServiceStatus.UP, 10_000, "web checked UP over HTTP");
    expect(await get()).toMatchObject({ host: "127.0.0.1", port: web.port(), probe: { case: "http", value: { url, bodyKeyword: "ok" } } });

    await management.pauseService({ serviceId: "web" });
    // A settings change: applied in place, as UpdateService would.
    await save(path, file({ expect: "200-299,503", bodyKeyword: "ok" }, { displayName: "Web" }));
    await waitUntil(async () => (await get()).displayName === "Web", 10_000, "the edit applied");
    const edited = await get();
    expect(edited.paused).toBe(true);
    expect(edited.probe).toMatchObject({ case: "http", value: { acceptedStatuses: [{ min: 200, max: 299 }, { min: 503, max: 503 }] } });
    expect((await management.listSubscriptions({ serviceId: "web" })).subscriptions).toMatchObject([{ callerId: "pager", serviceId: "web" }]);
    expect(server.output()).toContain(`config file ${path} applied: services +0 ~1 -0, callers +0 ~0 -0, subscriptions +0 ~0 -0, outages +0 ~0 -0`);
    expect(server.output()).not.toContain("service resumed");
  });

  it("round trip: HTTP services made through the API, exported, given to a fresh server, then a restart finds them matching", async () => {
    const empty = configPath();
    await save(empty, { version: 1 });
    const first = await startWith(empty);
    await first.management.registerService({
      displayName: "shop",
      checkInterval: durationFromMs(10_000),
      checkTimeout: durationFromMs(5_000),
      probe: {
        case: "http",
        value: {
          url: "https://shop.example.com/health",
          method: "POST",
          headers: { Accept: "application/json", "X-Token": "s3cret" },
          // Bytes that are not UTF-8 text: exported as base64.
          body: new Uint8Array([0x00, 0xff, 0x10]),
          acceptedStatuses: [{ min: 200, max: 299 }, { min: 304 }],
          bodyRegex: "status: (?<status>\\w+)",
          invertBodyMatch: true,
          maxRedirects: 0,
          skipTlsVerify: true,
        },
      },
    });
    const head = (await first.management.registerService({ probe: { case: "http", value: { url: "http://[::1]:9/ready", method: "HEAD" } } })).service!;
    await first.management.registerService({ host: "::1", port: 9 });
    await first.management.pauseService({ serviceId: head.id });
    const file = await first.ok(["export"]);
    expect(JSON.parse(file)).toMatchObject({
      services: expect.arrayContaining([
        { id: head.id, checkInterval: "30s", checkTimeout: "2s", probe: { http: { url: "http://[::1]:9/ready", method: "HEAD", expect: "200-399", maxRedirects: 10, skipTlsVerify: false } } },
      ]),
    });

    const path = configPath();
    writeFileSync(path, file);
    const second = await startWith(path);
    expect(await second.ok(["export"])).toBe(file);
    expect(second.server.output()).toContain(`config file ${path} applied: services +3 ~0 -0`);
    // Pausing is not configuration: the fresh server's copy runs.
    expect((await second.management.getService({ serviceId: head.id })).service?.paused).toBe(false);

    await second.server.stop("SIGTERM");
    servers.splice(servers.indexOf(second.server), 1);
    const third = await startWith(path, { dataDir: second.server.dataDir });
    expect(await third.ok(["export"])).toBe(file);
    expect(third.server.output()).toContain(`config file ${path}: the registry already matches it`);
  });
});
