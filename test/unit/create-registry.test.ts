import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MonitorError } from "../../server/domain/monitor-error.js";
import type { RegistryChange } from "../../server/store/registry.js";
import { openSqliteStore } from "../../server/store/sqlite-store.js";
import type { Store } from "../../server/store/store.js";
import { failable } from "../support/failable-store.js";
import { createStoreStack } from "../support/store-stack.js";

const service = (port: number, host = "h.example") => ({
  host,
  port,
  displayName: "",
  checkIntervalMs: 30_000,
  checkTimeoutMs: 2000,
  createdAt: Date.parse("2026-01-01T00:00:00Z"),
});
const caller = (id: string) => ({ id, displayName: "", createdAt: 0 });
const sub = (callerId: string, serviceId: string) => ({ callerId, serviceId, pollingIntervalMs: 5000, gracePeriodMs: 1000 });

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function stack(options: { path?: string; store?: Store } = {}) {
  const s = await createStoreStack({ now: () => 1000, ...options });
  closers.push(() => s.store.close());
  return s;
}

describe("the registry over the store", () => {
  it("round-trips every kind of record through a restart", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "registry-")), "monitor.db");
    const first = await createStoreStack({ now: () => 1000, path });
    const s = await first.registry.addService({ ...service(80), probe: { kind: "tcp", closeMode: "reset" } });
    await first.registry.addCaller(caller("bot"));
    await first.registry.setSubscription(sub("bot", s.id));
    const outage = await first.registry.addOutage({ serviceId: s.id, startMs: 1_800_000_000_000, endMs: 1_800_000_060_000, reason: "r" });
    await first.store.close();

    const again = await stack({ path });
    expect(again.registry.listServices()).toEqual([s]);
    expect(again.registry.listCallers()).toEqual([caller("bot")]);
    expect(again.registry.listSubscriptions()).toEqual([sub("bot", s.id)]);
    expect(again.registry.listOutages()).toEqual([outage]);
  });

  it("lets exactly one of two concurrent registrations of one address through", async () => {
    const { registry } = await stack();
    const results = await Promise.allSettled([registry.addService(service(5432, "db.internal")), registry.addService(service(5432, "DB.internal"))]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ kind: "already_exists" });
    expect(registry.listServices()).toHaveLength(1);
  });

  it("plans each mutation against the ones before it in the same batch", async () => {
    const { registry } = await stack();
    const s = await registry.addService(service(1));
    await registry.addCaller(caller("c"));
    // Same turn: the removal is planned first, so the subscription finds no service.
    const [removed, subscribed] = await Promise.allSettled([registry.removeService(s.id), registry.setSubscription(sub("c", s.id))]);
    expect(removed.status).toBe("fulfilled");
    expect(subscribed).toMatchObject({ status: "rejected", reason: { kind: "not_found" } });
    expect(registry.listSubscriptions()).toEqual([]);
  });

  it("shows a change in memory and tells listeners only once it is durable", async () => {
    const { registry, store } = await stack();
    const seen: string[] = [];
    registry.onChange(async (change: RegistryChange) => {
      const onDisk = await store.load();
      seen.push(`${change.kind}: ${onDisk.services.length} on disk, ${registry.listServices().length} in memory`);
    });
    const pending = registry.addService(service(1));
    // Planned and written on a later turn: nothing shows yet.
    expect(registry.listServices()).toEqual([]);
    await pending;
    expect(seen).toEqual(["service_added: 1 on disk, 1 in memory"]);
  });

  it("answers UNAVAILABLE when the write fails, changes nothing, and works once the store does", async () => {
    const { store, state } = failable(await openSqliteStore({ path: ":memory:" }));
    const { registry } = await stack({ store });
    const heard: string[] = [];
    registry.onChange((change) => void heard.push(change.kind));
    const s = await registry.addService(service(1));
    state.failing = true;
    await expect(registry.addService(service(2))).rejects.toMatchObject({ kind: "unavailable" });
    await expect(registry.removeService(s.id)).rejects.toBeInstanceOf(MonitorError);
    expect(registry.listServices().map((x) => x.port)).toEqual([1]);
    expect(heard).toEqual(["service_added"]);
    state.failing = false;
    // A retry is not refused as a duplicate: the failed attempt left nothing.
    await registry.addService(service(2));
    expect((await store.load()).services.map((x) => x.port).sort()).toEqual([1, 2]);
    expect(registry.listServices().map((x) => x.port)).toEqual([1, 2]);
  });

  it("commits an unregistered service's SubscriptionEnded for every subscriber in the same write", async () => {
    const { registry, store, log, writes } = await stack();
    const s = await registry.addService(service(1));
    for (const id of ["a", "b", "c"]) {
      await registry.addCaller(caller(id));
      await registry.setSubscription(sub(id, s.id));
    }
    const before = writes();
    await registry.removeService(s.id);
    expect(writes() - before).toBe(1);
    for (const id of ["a", "b", "c"]) {
      expect((await log.read(id)).map((e) => e.event)).toEqual([
        { kind: "subscription_ended", serviceId: s.id, reason: "service unregistered" },
      ]);
    }
    expect((await store.load()).subscriptions).toEqual([]);
  });

  it("drops an unregistered caller's log with it, and a caller registered again continues its sequence", async () => {
    const { registry, log } = await stack();
    const s = await registry.addService(service(1));
    await registry.addCaller(caller("c"));
    await registry.setSubscription(sub("c", s.id));
    await registry.removeSubscription("c", s.id);
    expect(await log.position("c")).toEqual({ lastSequence: 1, firstRetained: 1 });
    await registry.removeCaller("c");
    expect(await log.read("c")).toEqual([]);
    await registry.addCaller(caller("c"));
    await registry.setSubscription(sub("c", s.id));
    await registry.removeSubscription("c", s.id);
    expect((await log.read("c")).map((e) => e.sequence)).toEqual([2]);
  });

  it("updates a service in place and refuses an address another service has", async () => {
    const { registry } = await stack();
    const a = await registry.addService(service(1));
    await registry.addService(service(2));
    await registry.addCaller(caller("c"));
    await registry.setSubscription(sub("c", a.id));
    const moved = await registry.updateService({ ...a, port: 3, checkIntervalMs: 10_000 });
    expect(registry.getService(a.id)).toEqual(moved);
    expect(registry.listSubscriptions({ serviceId: a.id })).toHaveLength(1);
    await expect(registry.updateService({ ...a, port: 2 })).rejects.toMatchObject({ kind: "already_exists" });
    await expect(registry.updateService({ ...a, id: "svc_none" })).rejects.toMatchObject({ kind: "not_found" });
  });

  it("applies edits in flight together each to the result of the one before, so none is lost", async () => {
    const { registry } = await stack();
    const a = await registry.addService(service(1));
    // Submitted in one turn: one batch, planned in order against memory as each leaves it.
    const [named, slowed] = await Promise.all([
      registry.editService(a.id, (current) => ({ ...current, displayName: "named" })),
      registry.editService(a.id, (current) => ({ ...current, checkIntervalMs: 60_000 })),
    ]);
    expect(named).toMatchObject({ displayName: "named", checkIntervalMs: a.checkIntervalMs });
    expect(slowed).toMatchObject({ displayName: "named", checkIntervalMs: 60_000 });
    expect(registry.getService(a.id)).toEqual(slowed);
    // An edit that refuses fails alone and changes nothing.
    await expect(
      registry.editService(a.id, () => {
        throw new MonitorError("invalid_argument", "service.display_name: too long");
      }),
    ).rejects.toMatchObject({ kind: "invalid_argument" });
    await expect(registry.editService("svc_none", (current) => current)).rejects.toMatchObject({ kind: "not_found" });
    expect(registry.getService(a.id)).toEqual(slowed);
  });

  it("takes chosen ids (the config file's) and refuses one in use", async () => {
    const { registry } = await stack();
    const s = await registry.addService({ ...service(1), id: "payments-db", managedBy: "config" });
    expect(s).toMatchObject({ id: "payments-db", managedBy: "config" });
    await expect(registry.addService({ ...service(2), id: "payments-db" })).rejects.toMatchObject({ kind: "already_exists" });
    const outage = await registry.addOutage({ id: "upgrade", serviceId: s.id, startMs: 0, endMs: 1, reason: "" });
    expect(outage.id).toBe("upgrade");
    await expect(registry.addOutage({ id: "upgrade", serviceId: s.id, startMs: 0, endMs: 1, reason: "" })).rejects.toMatchObject({
      kind: "already_exists",
    });
  });

  it("group-commits concurrent mutations: 100 registrations in a few writes", async () => {
    const { registry, writes } = await stack();
    const before = writes();
    await Promise.all(Array.from({ length: 100 }, (_, i) => registry.addService(service(1000 + i))));
    expect(registry.listServices()).toHaveLength(100);
    expect(writes() - before).toBeLessThanOrEqual(2);
  });

  it("keeps a caller's token hash through a rename, and only a rotation replaces it", async () => {
    const { registry } = await stack();
    const first = "a".repeat(64);
    const second = "b".repeat(64);
    await registry.addCaller({ ...caller("bot"), tokenHash: first });
    // A rename (or a config re-sync) knows nothing of tokens: it must not erase the stored one.
    const renamed = await registry.updateCaller({ ...caller("bot"), displayName: "Bot" });
    expect(renamed).toEqual({ ...caller("bot"), displayName: "Bot", tokenHash: first });
    // Even a stray tokenHash on an update is not a rotation.
    await registry.updateCaller({ ...caller("bot"), displayName: "Bot", tokenHash: second } as ReturnType<typeof caller>);
    expect(registry.getCaller("bot")?.tokenHash).toBe(first);
    const rotated = await registry.rotateCallerToken("bot", second);
    expect(rotated).toEqual({ ...caller("bot"), displayName: "Bot", tokenHash: second });
    await expect(registry.rotateCallerToken("nobody", first)).rejects.toMatchObject({ kind: "not_found" });
  });

  it("lets a rotation and a rename submitted together both stand", async () => {
    const { registry } = await stack();
    await registry.addCaller({ ...caller("bot"), tokenHash: "a".repeat(64) });
    await Promise.all([registry.rotateCallerToken("bot", "b".repeat(64)), registry.updateCaller({ ...caller("bot"), displayName: "Renamed" })]);
    expect(registry.getCaller("bot")).toEqual({ ...caller("bot"), displayName: "Renamed", tokenHash: "b".repeat(64) });
    await Promise.all([registry.updateCaller({ ...caller("bot"), displayName: "Again" }), registry.rotateCallerToken("bot", "c".repeat(64))]);
    expect(registry.getCaller("bot")).toEqual({ ...caller("bot"), displayName: "Again", tokenHash: "c".repeat(64) });
  });
});
