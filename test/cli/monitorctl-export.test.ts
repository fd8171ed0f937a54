import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManagementService } from "../../sdk/gen/monitor/v1/management_service_pb.js";
import { monitorctlAgainst } from "../support/run-monitorctl-in-process.js";
import { spawnServer, type SpawnedServer } from "../support/spawn-server.js";

/** `monitorctl export`: the registry, read through the API, printed as a config file. */

let server: SpawnedServer;
beforeAll(async () => {
  server = await spawnServer();
});
afterAll(async () => {
  await server.stop("SIGKILL");
});

const { ctl, ok } = monitorctlAgainst(() => `127.0.0.1:${server.port}`);
const idOf = (printed: string, prefix: string) => new RegExp(`${prefix}_\\w+`).exec(printed)![0];

describe("monitorctl export", () => {
  it("prints an empty registry as a file with only its version and empty lists", async () => {
    expect(await ok(["export"])).toBe(
      '{\n  "version": 1,\n  "services": [],\n  "callers": [],\n  "subscriptions": [],\n  "outages": []\n}\n',
    );
  });

  it("prints every setting of every object, in a stable order, as 2-space JSON", async () => {
    const web = idOf(await ok(["services", "add", "127.0.0.1:1", "--name", "web", "--interval", "1m", "--timeout", "1.5s"]), "svc");
    const db = idOf(await ok(["services", "add", "[::1]:5432", "--close", "reset"]), "svc");
    await ok(["callers", "add", "pager", "--name", "Pager"]);
    await ok(["callers", "add", "dashboard"]);
    await ok(["subscribe", "pager", web, "--interval", "5s", "--grace", "30s"]);
    await ok(["subscribe", "dashboard", db]);
    await ok(["subscribe", "dashboard", web, "--grace", "500ms"]);
    const later = idOf(await ok(["outages", "add", db, "--start", "2031-01-02T00:00:00Z", "--for", "1h"]), "out");
    const sooner = idOf(await ok(["outages", "add", web, "--start", "2031-01-01T00:00:00Z", "--end", "2031-01-01T00:30:00Z", "--reason", "upgrade"]), "out");

    const printed = await ok(["export"]);
    const [first, second] = [web, db].sort();
    const services = {
      [web]: { id: web, host: "127.0.0.1", port: 1, displayName: "web", checkInterval: "1m", checkTimeout: "1.5s" },
      // Defaults are written out, so the file does not change meaning if a default does.
      [db]: { id: db, host: "::1", port: 5432, checkInterval: "30s", checkTimeout: "2s", probe: { tcp: { close: "reset" } } },
    };
    expect(JSON.parse(printed)).toEqual({
      version: 1,
      services: [services[first!], services[second!]],
      callers: [{ id: "dashboard" }, { id: "pager", displayName: "Pager" }],
      subscriptions: [
        ...[
          { caller: "dashboard", service: db, pollingInterval: "30s", gracePeriod: "0s" },
          { caller: "dashboard", service: web, pollingInterval: "1m", gracePeriod: "500ms" },
        ].sort((a, b) => (a.service < b.service ? -1 : 1)),
        { caller: "pager", service: web, pollingInterval: "5s", gracePeriod: "30s" },
      ],
      outages: [
        { id: sooner, service: web, start: "2031-01-01T00:00:00.000Z", end: "2031-01-01T00:30:00.000Z", reason: "upgrade" },
        { id: later, service: db, start: "2031-01-02T00:00:00.000Z", end: "2031-01-02T01:00:00.000Z" },
      ],
    });
    expect(printed).toBe(`${JSON.stringify(JSON.parse(printed), null, 2)}\n`);
    // Stable: the same registry prints byte for byte the same file.
    expect(await ok(["export"])).toBe(printed);
  });

  it("writes an HTTP check with its URL and every setting as the server applies it, and no host or port", async () => {
    const management = createClient(ManagementService, createGrpcTransport({ baseUrl: server.baseUrl }));
    const { service: hook } = await management.registerService({
      displayName: "hook",
      probe: {
        case: "http",
        value: {
          url: "http://127.0.0.1:9/hook#ignored",
          method: "post",
          headers: { "X-B": "2", "X-A": "1" },
          body: new TextEncoder().encode("ping"),
          acceptedStatuses: [{ min: 200, max: 204 }, { min: 418 }],
          bodyKeyword: "pong",
        },
      },
    });
    const { service: page } = await management.registerService({ probe: { case: "http", value: { url: "https://[::1]:8443/" } } });
    // A paused service is exported like any other: pausing is not configuration.
    await management.pauseService({ serviceId: page!.id });

    const printed = JSON.parse(await ok(["export"])) as { services: { id: string }[] };
    expect(printed.services.find((s) => s.id === hook!.id)).toEqual({
      id: hook!.id,
      displayName: "hook",
      checkInterval: "30s",
      checkTimeout: "2s",
      probe: {
        http: {
          // As stored: normalised (no fragment), the method upper case, headers by name, defaults written out.
          url: "http://127.0.0.1:9/hook",
          method: "POST",
          headers: { "X-A": "1", "X-B": "2" },
          body: "ping",
          expect: "200-204,418",
          bodyKeyword: "pong",
          invert: false,
          maxRedirects: 10,
          skipTlsVerify: false,
        },
      },
    });
    expect(printed.services.find((s) => s.id === page!.id)).toEqual({
      id: page!.id,
      checkInterval: "30s",
      checkTimeout: "2s",
      probe: { http: { url: "https://[::1]:8443/", method: "GET", expect: "200-399", maxRedirects: 10, skipTlsVerify: false } },
    });
  });

  it("takes no arguments, and says what it is for in --help", async () => {
    expect(await ctl(["export", "extra"])).toMatchObject({ code: 2, stderr: expect.stringContaining('expected no arguments, got "extra"') });
    expect(await ok(["export", "--help"])).toContain("print the registry as a config file (for --config)");
    expect(await ok(["--help"])).toMatch(/monitorctl export +print the registry as a config file/);
  });
});
