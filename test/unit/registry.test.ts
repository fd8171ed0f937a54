import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MonitorError } from "../../server/domain/monitor-error.js";
import { createLowdbRegistryPersistence } from "../../server/store/lowdb-registry-persistence.js";
import { createMemoryRegistryPersistence } from "../../server/store/memory-registry-persistence.js";
import { openRegistry } from "../../server/store/open-registry.js";
import type { RegistryChange, RegistryPersistence } from "../../server/store/registry.js";
import { createWriteCoalescer } from "../../server/store/write-coalescer.js";

const service = (port: number) => ({
  host: "h.example",
  port,
  displayName: "",
  checkIntervalMs: 30_000,
  checkTimeoutMs: 2000,
  createdAt: Date.parse("2026-01-01T00:00:00Z"),
});

/** The same behaviour over every persistence backend. */
const backends: Array<[string, () => RegistryPersistence]> = [
  ["memory", () => createMemoryRegistryPersistence()],
  ["lowdb file", () => createLowdbRegistryPersistence(join(mkdtempSync(join(tmpdir(), "registry-")), "registry.json"))],
];

describe.each(backends)("registry over %s", (_name, makePersistence) => {
  it("round-trips every kind of record through save and load", async () => {
    const persistence = makePersistence();
    const registry = await openRegistry(persistence);
    const s = await registry.addService(service(80));
    await registry.addCaller({ id: "bot", displayName: "Bot", createdAt: 1_700_000_000_000 });
    await registry.setSubscription({ callerId: "bot", serviceId: s.id, pollingIntervalMs: 5000, gracePeriodMs: 1000 });
    const outage = await registry.addOutage({ serviceId: s.id, startMs: 1_800_000_000_000, endMs: 1_800_000_060_000, reason: "r" });

    const reopened = await openRegistry(persistence);
    expect(reopened.listServices()).toEqual([s]);
    expect(reopened.listCallers()).toEqual([{ id: "bot", displayName: "Bot", createdAt: 1_700_000_000_000 }]);
    expect(reopened.listSubscriptions()).toEqual([{ callerId: "bot", serviceId: s.id, pollingIntervalMs: 5000, gracePeriodMs: 1000 }]);
    expect(reopened.listOutages()).toEqual([outage]);
  });

  it("emits each change after it is durable, in order", async () => {
    const persistence = makePersistence();
    const registry = await openRegistry(persistence);
    const changes: Array<{ kind: RegistryChange["kind"]; durable: number }> = [];
    registry.onChange(async (change) => {
      const saved = await persistence.load();
      changes.push({ kind: change.kind, durable: saved?.services.length ?? 0 });
    });
    const s = await registry.addService(service(1));
    await registry.addCaller({ id: "c", displayName: "", createdAt: 0 });
    await registry.setSubscription({ callerId: "c", serviceId: s.id, pollingIntervalMs: 1000, gracePeriodMs: 0 });
    await registry.removeService(s.id);
    await registry.flush();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(changes.map((c) => c.kind)).toEqual(["service_added", "caller_added", "subscription_set", "service_removed"]);
    expect(changes[0]!.durable).toBe(1);
  });

  it("loses nothing under 200 concurrent mutations", async () => {
    const persistence = makePersistence();
    const registry = await openRegistry(persistence);
    await Promise.all(Array.from({ length: 200 }, (_, i) => registry.addService(service(i + 1))));
    const reopened = await openRegistry(persistence);
    expect(reopened.listServices()).toHaveLength(200);
  });

  it("refuses duplicates and unknown ids with MonitorErrors, changing nothing", async () => {
    const persistence = makePersistence();
    const registry = await openRegistry(persistence);
    const s = await registry.addService(service(1));
    await expect(registry.addService(service(1))).rejects.toMatchObject({ kind: "already_exists" });
    await expect(registry.removeService("svc_x")).rejects.toBeInstanceOf(MonitorError);
    await expect(
      registry.setSubscription({ callerId: "ghost", serviceId: s.id, pollingIntervalMs: 1000, gracePeriodMs: 0 }),
    ).rejects.toMatchObject({ kind: "not_found", message: 'caller "ghost" not found' });
    await expect(registry.removeOutage("out_x")).rejects.toMatchObject({ kind: "not_found" });
    expect(registry.listServices()).toHaveLength(1);
  });
});

describe("lowdb registry file", () => {
  it("is human-readable JSON with ISO times", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "registry-")), "registry.json");
    const registry = await openRegistry(createLowdbRegistryPersistence(file), { newId: () => "svc_1" });
    await registry.addService(service(443));
    const json = JSON.parse(readFileSync(file, "utf8"));
    expect(json).toMatchObject({ version: 1, services: [{ id: "svc_1", port: 443, createdAt: "2026-01-01T00:00:00.000Z" }] });
  });

  it.each([
    ["not JSON", "{oops", /is corrupt \(.*JSON/],
    ["a future version", JSON.stringify({ version: 2 }), /\$\.version: expected 1 \(this server cannot read version 2\)/],
    ["a bad time", JSON.stringify({ version: 1, services: [], callers: [{ id: "c", displayName: "", createdAt: "yesterday" }], subscriptions: [], outages: [] }), /\$\.callers\[0\]\.createdAt: expected an ISO 8601 time/],
  ])("refuses %s, naming the file, and leaves it untouched", async (_what, content, message) => {
    const file = join(mkdtempSync(join(tmpdir(), "registry-")), "registry.json");
    writeFileSync(file, content);
    await expect(openRegistry(createLowdbRegistryPersistence(file))).rejects.toThrow(message);
    await expect(openRegistry(createLowdbRegistryPersistence(file))).rejects.toThrow(file);
    expect(readFileSync(file, "utf8")).toBe(content);
  });
});

describe("write coalescer", () => {
  it("runs at most one save at a time and lets later requests share the next", async () => {
    let running = 0;
    let maxRunning = 0;
    let saves = 0;
    const coalescer = createWriteCoalescer(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      saves++;
      running--;
    });
    await Promise.all(Array.from({ length: 50 }, () => coalescer.request()));
    expect(maxRunning).toBe(1);
    expect(saves).toBe(2);
  });

  it("rejects the waiters of a failed save and recovers for the next", async () => {
    let fail = true;
    const coalescer = createWriteCoalescer(async () => {
      if (fail) throw new Error("disk full");
    });
    await expect(coalescer.request()).rejects.toThrow("disk full");
    fail = false;
    await expect(coalescer.request()).resolves.toBeUndefined();
  });
});
