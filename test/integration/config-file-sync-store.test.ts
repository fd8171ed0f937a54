import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataFile } from "lowdb/node";
import { afterEach, describe, expect, it } from "vitest";
import { startConfigFileSync, type ConfigFileSync } from "../../server/config/config-file-sync.js";
import { capturedLogger } from "../support/captured-logger.js";
import { createStoreStack } from "../support/store-stack.js";
import { waitUntil } from "../support/wait-until.js";

/**
 * The config file sync against the server's real store side (SQLite store,
 * registry model, commit queue, registry): what the file manages is stored
 * as managed and survives a reopen, and a service the file removes ends its
 * subscriptions with the event UnregisterService commits.
 */

const NOW = Date.parse("2030-01-01T00:00:00Z");
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function save(path: string, value: unknown): Promise<void> {
  await new DataFile<unknown>(path, { parse: JSON.parse, stringify: (d) => JSON.stringify(d, null, 2) }).write(value);
}

const FILE = {
  version: 1,
  services: [
    { id: "payments-db", host: "127.0.0.1", port: 5432, probe: { tcp: { close: "fin" } } },
    { id: "web", host: "127.0.0.1", port: 443 },
  ],
  callers: [{ id: "pager" }],
  subscriptions: [
    { caller: "pager", service: "payments-db", gracePeriod: "10s" },
    { caller: "pager", service: "web" },
  ],
  outages: [{ id: "db-upgrade", service: "payments-db", start: "2030-01-01T22:00:00Z", end: "2030-01-01T23:00:00Z" }],
};

async function open(dbPath: string) {
  const stack = await createStoreStack({ path: dbPath, now: () => NOW });
  cleanups.push(() => stack.store.close());
  return stack;
}

async function sync(path: string, registry: Awaited<ReturnType<typeof open>>["registry"]): Promise<ConfigFileSync> {
  const { logger } = capturedLogger("info");
  const running = await startConfigFileSync({ path, registry, logger, now: () => NOW, debounceMs: 50 });
  cleanups.push(() => running.close());
  return running;
}

describe("startConfigFileSync on the real store", () => {
  it("stores what the file declares as managed, durably, and a removed service ends its subscriptions", async () => {
    const dir = mkdtempSync(join(tmpdir(), "monitor-config-store-"));
    const path = join(dir, "monitor.json");
    const dbPath = join(dir, "monitor.db");
    await save(path, FILE);
    const stack = await open(dbPath);
    const running = await sync(path, stack.registry);
    expect(stack.registry.getService("payments-db")).toEqual({
      id: "payments-db",
      host: "127.0.0.1",
      port: 5432,
      displayName: "",
      checkIntervalMs: 30_000,
      checkTimeoutMs: 2_000,
      probe: { kind: "tcp", closeMode: "fin" },
      createdAt: NOW,
      managedBy: "config",
    });
    await running.close();

    // Reopened from disk: the same rows, still marked managed.
    await stack.store.close();
    const reopened = await open(dbPath);
    expect(reopened.contents.services.map((s) => [s.id, s.managedBy])).toEqual([
      ["payments-db", "config"],
      ["web", "config"],
    ]);
    expect(reopened.contents.callers.map((c) => c.managedBy)).toEqual(["config"]);
    expect(reopened.contents.subscriptions.map((s) => s.managedBy)).toEqual(["config", "config"]);
    expect(reopened.contents.outages).toEqual([
      expect.objectContaining({ id: "db-upgrade", managedBy: "config", startMs: Date.parse("2030-01-01T22:00:00Z") }),
    ]);

    // Starting again over the same file changes nothing; removing a service ends pager's subscription to it.
    const writesBefore = reopened.writes();
    await sync(path, reopened.registry);
    expect(reopened.writes()).toBe(writesBefore);
    await save(path, { ...FILE, services: [FILE.services[1]], subscriptions: [FILE.subscriptions[1]], outages: [] });
    await waitUntil(() => reopened.registry.getService("payments-db") === undefined, 10_000, "the removal applied");
    const events = await reopened.log.read("pager");
    expect(events.map((e) => e.event)).toContainEqual({ kind: "subscription_ended", serviceId: "payments-db", reason: "service unregistered" });
    expect(reopened.registry.listOutages()).toEqual([]);
    expect(reopened.registry.listSubscriptions().map((s) => s.serviceId)).toEqual(["web"]);
  });

  it("keeps the token of a caller it adopts or edits, so a re-sync never erases a rotated token", async () => {
    const dir = mkdtempSync(join(tmpdir(), "monitor-config-store-"));
    const path = join(dir, "monitor.json");
    const stack = await open(join(dir, "monitor.db"));
    // Registered through the API (RegisterCaller stores a token hash), then rotated.
    await stack.registry.addCaller({ id: "pager", displayName: "", createdAt: NOW, tokenHash: "a".repeat(64) });
    await stack.registry.rotateCallerToken("pager", "b".repeat(64));
    // The file adopts it (managedBy changes) ...
    await save(path, { version: 1, callers: [{ id: "pager" }] });
    await sync(path, stack.registry);
    expect(stack.registry.getCaller("pager")).toMatchObject({ managedBy: "config", tokenHash: "b".repeat(64) });
    // ... and an edit of its display name re-syncs it: the token stays.
    await save(path, { version: 1, callers: [{ id: "pager", displayName: "Pager" }] });
    await waitUntil(() => stack.registry.getCaller("pager")?.displayName === "Pager", 10_000, "the rename applied");
    expect(stack.registry.getCaller("pager")?.tokenHash).toBe("b".repeat(64));
    await stack.store.close();
    const reopened = await open(join(dir, "monitor.db"));
    expect(reopened.contents.callers).toEqual([expect.objectContaining({ id: "pager", displayName: "Pager", tokenHash: "b".repeat(64) })]);
  });
});
