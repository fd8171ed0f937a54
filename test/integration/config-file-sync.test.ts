import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataFile } from "lowdb/node";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigFileError, startConfigFileSync, type ConfigFileSync } from "../../server/config/config-file-sync.js";
import { capturedLogger } from "../support/captured-logger.js";
import { apiCaller, apiService, createFakeRegistry } from "../support/fake-registry.js";
import { waitUntil } from "../support/wait-until.js";

/**
 * startConfigFileSync against a real file in a temporary directory and a
 * fake registry: the first apply, live edits written as editors write them
 * (a new file renamed over the old, through lowdb's writer), refusals that
 * keep the running state, and applies that never overlap.
 */

const NOW = Date.parse("2030-01-01T00:00:00Z");
const syncs: ConfigFileSync[] = [];
afterEach(async () => {
  await Promise.all(syncs.splice(0).map((s) => s.close()));
});

function configPath(): string {
  return join(mkdtempSync(join(tmpdir(), "monitor-config-")), "monitor.json");
}

/** Writes as an editor does: a temporary file renamed over the old one (lowdb's steno writer). */
async function save(path: string, value: unknown): Promise<void> {
  await new DataFile<unknown>(path, { parse: JSON.parse, stringify: (d) => JSON.stringify(d, null, 2) }).write(value);
}

const FILE = {
  version: 1,
  services: [{ id: "payments-db", host: "10.0.0.5", port: 5432 }],
  callers: [{ id: "pager" }],
  subscriptions: [{ caller: "pager", service: "payments-db", pollingInterval: "5s" }],
};

async function start(path: string, fake = createFakeRegistry()) {
  const { logger, lines } = capturedLogger("debug");
  const sync = await startConfigFileSync({ path, registry: fake.registry, logger, now: () => NOW, debounceMs: 50 });
  syncs.push(sync);
  const messages = () => lines.map((l) => String(l["msg"]));
  return { fake, sync, lines, messages };
}

describe("startConfigFileSync", () => {
  it("applies the file at start and logs the counts per kind", async () => {
    const path = configPath();
    await save(path, FILE);
    const { fake, messages } = await start(path);
    expect(fake.data()).toMatchObject({
      services: [{ id: "payments-db", managedBy: "config", createdAt: NOW }],
      callers: [{ id: "pager", managedBy: "config" }],
      subscriptions: [{ callerId: "pager", serviceId: "payments-db", pollingIntervalMs: 5_000, managedBy: "config" }],
    });
    expect(messages()).toContain(
      `config file ${path} applied: services +1 ~0 -0, callers +1 ~0 -0, subscriptions +1 ~0 -0, outages +0 ~0 -0`,
    );
  });

  it("says so when the registry already matches, and changes nothing", async () => {
    const path = configPath();
    await save(path, FILE);
    const first = await start(path);
    await first.sync.close();
    const before = first.fake.mutations.length;
    const again = await start(path, first.fake);
    expect(first.fake.mutations.length).toBe(before);
    expect(again.messages()).toContain(`config file ${path}: the registry already matches it`);
  });

  it("re-applies an edit: a service added, an interval changed, a subscription removed", async () => {
    const path = configPath();
    await save(path, FILE);
    const { fake, messages } = await start(path);
    await save(path, {
      version: 1,
      services: [
        { id: "payments-db", host: "10.0.0.5", port: 5432, checkInterval: "10s" },
        { id: "web", host: "10.0.0.6", port: 443 },
      ],
      callers: [{ id: "pager" }],
    });
    await waitUntil(() => fake.registry.getService("web") !== undefined, 10_000, "the edit applied");
    expect(fake.registry.getService("payments-db")?.checkIntervalMs).toBe(10_000);
    expect(fake.registry.listSubscriptions()).toEqual([]);
    await waitUntil(() => messages().some((m) => m.includes("applied: services +1 ~1 -0")), 10_000, "the apply logged");
    expect(messages()).toContain(`config file ${path} applied: services +1 ~1 -0, callers +0 ~0 -0, subscriptions +0 ~0 -1, outages +0 ~0 -0`);
  });

  it("refuses an invalid edit with the file, the JSON path and the rule, and keeps the running state", async () => {
    const path = configPath();
    await save(path, FILE);
    const { fake, lines } = await start(path);
    const before = fake.data();
    await save(path, { ...FILE, services: [{ id: "payments-db", host: "10.0.0.5", port: 0 }] });
    await waitUntil(() => lines.some((l) => l["level"] === 50), 10_000, "the refusal logged");
    const refusal = lines.find((l) => l["level"] === 50)!;
    expect(refusal["msg"]).toBe(`config file refused, running state kept: ${path}: $.services[0].port: must be between 1 and 65535, got 0`);
    expect(refusal["issues"]).toEqual([{ path: "$.services[0].port", rule: "must be between 1 and 65535, got 0" }]);
    expect(fake.data()).toEqual(before);

    // Not valid JSON at all (a half-typed edit), written in place: refused with where the syntax breaks.
    writeFileSync(path, '{\n  "version": 1,\n  "services": [\n');
    await waitUntil(() => lines.filter((l) => l["level"] === 50).length >= 2, 10_000, "the second refusal logged");
    expect(lines.filter((l) => l["level"] === 50)[1]!["msg"]).toMatch(
      new RegExp(`^config file refused, running state kept: ${path}: not valid JSON: .*(line \\d+ column \\d+|end of JSON input)`),
    );
    expect(fake.data()).toEqual(before);

    // Fixed again: applied.
    await save(path, { ...FILE, callers: [{ id: "pager", displayName: "Pager" }] });
    await waitUntil(() => fake.registry.getCaller("pager")?.displayName === "Pager", 10_000, "the fix applied");
  });

  it("at start, refuses an invalid file with a ConfigFileError naming the file, the path and the rule", async () => {
    const path = configPath();
    await save(path, { version: 1, services: [{ id: "a", host: "10.0.0.5", port: 0 }], callers: [{ id: "x", nmae: "typo" }] });
    const fake = createFakeRegistry();
    const starting = start(path, fake);
    await expect(starting).rejects.toThrow(ConfigFileError);
    await expect(starting).rejects.toThrow(
      `${path}: $.services[0].port: must be between 1 and 65535, got 0; ${path}: $.callers[0].nmae: unknown key; expected one of id, displayName`,
    );
    expect(fake.mutations).toEqual([]);
    await expect(start(join(path, "..", "absent.json"))).rejects.toThrow(`absent.json: not found`);
    await expect(start(join(path, "..", "no-dir", "absent.json"))).rejects.toThrow("not found (nor its directory)");
  });

  it("at start, fails when the registry refuses a change, naming it", async () => {
    const path = configPath();
    await save(path, FILE);
    const fake = createFakeRegistry();
    fake.failNext("addCaller", new Error("database is read-only"));
    await expect(start(path, fake)).rejects.toThrow(
      `${path}: could not add caller pager: database is read-only; could not set subscription pager → payments-db: caller "pager" not found`,
    );
  });

  it("keeps API-created objects, adopts the ones it declares, and logs each adoption", async () => {
    const path = configPath();
    await save(path, { ...FILE, callers: [{ id: "pager" }, { id: "ops" }] });
    const fake = createFakeRegistry({ services: [apiService("svc_api", 7000)], callers: [apiCaller("ops")] });
    const { messages } = await start(path, fake);
    expect(messages()).toContain(`config file ${path} adopts caller ops (created through the API; the file manages it from now on)`);
    expect(fake.registry.getCaller("ops")?.managedBy).toBe("config");
    await save(path, { version: 1 });
    await waitUntil(() => fake.registry.listCallers().length === 0, 10_000, "the empty file applied");
    expect(fake.registry.listServices().map((s) => s.id)).toEqual(["svc_api"]);
  });

  it("never overlaps applies: an edit made during one is applied after it", async () => {
    const path = configPath();
    await save(path, { version: 1 });
    const fake = createFakeRegistry();
    // Hold every addService until released, to edit the file while an apply is in progress.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inFlight = 0;
    let maxInFlight = 0;
    const addService = fake.registry.addService.bind(fake.registry);
    fake.registry.addService = async (input) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await held;
      try {
        return await addService(input);
      } finally {
        inFlight--;
      }
    };
    const { messages } = await start(path, fake);
    await save(path, { version: 1, services: [{ id: "a", host: "10.0.0.1", port: 1 }] });
    await waitUntil(() => inFlight === 1, 10_000, "the first edit's apply to start");
    await save(path, { version: 1, services: [{ id: "a", host: "10.0.0.1", port: 1 }, { id: "b", host: "10.0.0.2", port: 1 }] });
    await new Promise((resolve) => setTimeout(resolve, 300)); // past the debounce: the second edit is queued, not run
    expect(maxInFlight).toBe(1);
    release();
    await waitUntil(() => fake.registry.getService("b") !== undefined, 10_000, "the second edit applied");
    expect(maxInFlight).toBe(1);
    expect(messages().filter((m) => m.includes("could not"))).toEqual([]);
  });

  it("stops watching when closed", async () => {
    const path = configPath();
    await save(path, FILE);
    const { fake, sync } = await start(path);
    await sync.close();
    await save(path, { version: 1 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.registry.getService("payments-db")).toBeDefined();
  });
});
