import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataFile } from "lowdb/node";
import { afterEach, describe, expect, it } from "vitest";
import { monitorctlAgainst } from "../support/run-monitorctl-in-process.js";
import { spawnServer, type SpawnedServer } from "../support/spawn-server.js";
import { waitUntil } from "../support/wait-until.js";

/**
 * `--config FILE` on the real server: applied at start, re-applied on edits,
 * refused edits logged with the file and the JSON path while the running
 * state is kept, a refused file at start is exit 1, API-created objects
 * survive, and `monitorctl export` → wipe → `--config` gives the same registry.
 */

const servers: SpawnedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop("SIGKILL")));
});

async function startWith(configPath: string, options: { dataDir?: string } = {}) {
  const server = await spawnServer({ ...options, args: ["--config", configPath] });
  servers.push(server);
  return { server, ...monitorctlAgainst(() => `127.0.0.1:${server.port}`) };
}

function configPath(): string {
  return join(mkdtempSync(join(tmpdir(), "monitor-config-")), "monitor.json");
}

/** Writes as an editor does: a temporary file renamed over the old one (lowdb's writer). */
async function save(path: string, value: unknown): Promise<void> {
  await new DataFile<unknown>(path, { parse: JSON.parse, stringify: (d) => JSON.stringify(d, null, 2) }).write(value);
}

const exported = async (ok: (args: string[]) => Promise<string>) => JSON.parse(await ok(["export"])) as Record<string, unknown>;

const FILE = {
  version: 1,
  services: [
    // Not 127.0.0.1: spawnServer takes the first "address":"127.0.0.1:…" it logs as the bound port, and
    // a service the file registers is logged before the server listens.
    { id: "payments-db", host: "localhost", port: 1, displayName: "Payments DB", checkInterval: "1m", probe: { tcp: { close: "reset" } } },
  ],
  callers: [{ id: "pager", displayName: "Pager" }],
  subscriptions: [{ caller: "pager", service: "payments-db", pollingInterval: "5s", gracePeriod: "30s" }],
  outages: [{ id: "db-upgrade", service: "payments-db", start: "2031-01-01T22:00:00Z", end: "2031-01-01T23:00:00Z", reason: "upgrade" }],
};

describe("--config", () => {
  it("applies the file at start: every object it declares exists, with its settings", async () => {
    const path = configPath();
    await save(path, FILE);
    const { server, ok } = await startWith(path);
    expect(await exported(ok)).toEqual({
      version: 1,
      services: [{ id: "payments-db", host: "localhost", port: 1, displayName: "Payments DB", checkInterval: "1m", checkTimeout: "2s", probe: { tcp: { close: "reset" } } }],
      callers: [{ id: "pager", displayName: "Pager" }],
      subscriptions: [{ caller: "pager", service: "payments-db", pollingInterval: "5s", gracePeriod: "30s" }],
      outages: [{ id: "db-upgrade", service: "payments-db", start: "2031-01-01T22:00:00.000Z", end: "2031-01-01T23:00:00.000Z", reason: "upgrade" }],
    });
    expect(server.output()).toContain(`config file ${path} applied: services +1 ~0 -0, callers +1 ~0 -0, subscriptions +1 ~0 -0, outages +1 ~0 -0`);
  });

  it("re-applies edits; refuses an invalid one with the file and the JSON path, keeping the state; never removes API objects", async () => {
    const path = configPath();
    await save(path, FILE);
    const { server, ok } = await startWith(path);
    const apiService = /svc_\w+/.exec(await ok(["services", "add", "127.0.0.1:2", "--name", "by-hand"]))![0];
    await ok(["callers", "add", "ops"]);
    await ok(["subscribe", "ops", "payments-db"]);

    // A service added, an interval changed, a subscription removed.
    await save(path, {
      ...FILE,
      services: [{ ...FILE.services[0], checkInterval: "10s" }, { id: "web", host: "localhost", port: 3 }],
      subscriptions: [],
    });
    await waitUntil(async () => (await ok(["services", "ls"])).includes("web"), 10_000, "the edit applied");
    const edited = await exported(ok);
    expect(edited["services"]).toEqual([
      { id: "payments-db", host: "localhost", port: 1, displayName: "Payments DB", checkInterval: "10s", checkTimeout: "2s", probe: { tcp: { close: "reset" } } },
      { id: apiService, host: "127.0.0.1", port: 2, displayName: "by-hand", checkInterval: "30s", checkTimeout: "2s" },
      { id: "web", host: "localhost", port: 3, checkInterval: "30s", checkTimeout: "2s" },
    ].sort((a, b) => (a.id < b.id ? -1 : 1)));
    // pager's subscription left the file; ops' was made through the API, on a managed service, and stays.
    expect(edited["subscriptions"]).toEqual([{ caller: "ops", service: "payments-db", pollingInterval: "1m", gracePeriod: "0s" }]);

    // An invalid edit: refused, logged with the file and the JSON path, nothing changed.
    await save(path, { ...FILE, services: [{ ...FILE.services[0], port: 0 }] });
    const refusal = `config file refused, running state kept: ${path}: $.services[0].port: must be between 1 and 65535, got 0`;
    await waitUntil(() => server.output().includes(refusal), 10_000, "the refusal logged");
    expect(await exported(ok)).toEqual(edited);

    // A file that declares nothing removes what it managed, and only that.
    writeFileSync(path, '{ "version": 1 }\n');
    await waitUntil(async () => !(await ok(["services", "ls"])).includes("payments-db"), 10_000, "the empty file applied");
    expect(await exported(ok)).toEqual({
      version: 1,
      services: [{ id: apiService, host: "127.0.0.1", port: 2, displayName: "by-hand", checkInterval: "30s", checkTimeout: "2s" }],
      callers: [{ id: "ops" }],
      subscriptions: [],
      outages: [],
    });
  });

  it("at start, a refused file stops the server: exit 1 with the file, the path and the rule", async () => {
    const path = configPath();
    await save(path, { ...FILE, callers: [{ id: "pager", nmae: "typo" }] });
    await expect(spawnServer({ args: ["--config", path] })).rejects.toThrow(
      new RegExp(`exited with 1 before listening[\\s\\S]*${path.replace(/[.]/g, "\\.")}: \\$\\.callers\\[0\\]\\.nmae: unknown key`),
    );
  });

  it("keeps a subscription's availability alert rule: applied, exported, stored across a restart, removed with its key", async () => {
    const path = configPath();
    const rule = { window: "10m", threshold: 0.99 };
    const withRule = { ...FILE, subscriptions: [{ ...FILE.subscriptions[0], availabilityAlert: { window: "10m" } }] };
    await save(path, { ...withRule, subscriptions: [{ ...FILE.subscriptions[0], availabilityAlert: rule }] });
    const first = await startWith(path);
    expect((await exported(first.ok))["subscriptions"]).toEqual([{ ...FILE.subscriptions[0], availabilityAlert: rule }]);

    // Restarted on its data dir: the store kept the rule, so the file already matches.
    await first.server.stop("SIGTERM");
    servers.splice(servers.indexOf(first.server), 1);
    const second = await startWith(path, { dataDir: first.server.dataDir });
    expect(second.server.output()).toContain(`config file ${path}: the registry already matches it`);

    // The default threshold, then no rule at all.
    await save(path, withRule);
    await waitUntil(async () => JSON.stringify((await exported(second.ok))["subscriptions"]).includes('"threshold":0.8'), 10_000, "the default threshold applied");
    expect((await exported(second.ok))["subscriptions"]).toEqual([{ ...FILE.subscriptions[0], availabilityAlert: { window: "10m", threshold: 0.8 } }]);
    await save(path, FILE);
    await waitUntil(async () => !JSON.stringify((await exported(second.ok))["subscriptions"]).includes("availabilityAlert"), 10_000, "the rule removed");
    expect((await exported(second.ok))["subscriptions"]).toEqual(FILE.subscriptions);
  });

  it("round trip: export, wipe the data dir, start with the file → the same registry", async () => {
    const empty = configPath();
    await save(empty, { version: 1 });
    const first = await startWith(empty);
    const db = /svc_\w+/.exec(await first.ok(["services", "add", "[::1]:5432", "--name", "db", "--interval", "2m", "--timeout", "750ms", "--close", "fin"]))![0];
    const web = /svc_\w+/.exec(await first.ok(["services", "add", "localhost:8080"]))![0];
    await first.ok(["callers", "add", "pager", "--name", "Pager"]);
    await first.ok(["callers", "add", "dashboard"]);
    await first.ok(["subscribe", "pager", db, "--interval", "5s", "--grace", "1.5s"]);
    await first.ok(["subscribe", "dashboard", web]);
    await first.ok(["outages", "add", web, "--start", "+1h", "--for", "30m", "--reason", "deploy"]);
    const file = await first.ok(["export"]);

    const path = configPath();
    writeFileSync(path, file);
    // A fresh data dir: nothing but the file.
    const second = await startWith(path);
    expect(await second.ok(["export"])).toBe(file);
    expect(second.server.output()).toContain(`config file ${path} applied: services +2 ~0 -0, callers +2 ~0 -0, subscriptions +2 ~0 -0, outages +1 ~0 -0`);

    // Restarted on its data dir with the same file: nothing to do.
    await second.server.stop("SIGTERM");
    servers.splice(servers.indexOf(second.server), 1);
    const third = await startWith(path, { dataDir: second.server.dataDir });
    expect(await third.ok(["export"])).toBe(file);
    expect(third.server.output()).toContain(`config file ${path}: the registry already matches it`);
  });
});
