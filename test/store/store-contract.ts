import { afterEach, describe, expect, it } from "vitest";
import type { Store, StoreOp } from "../../server/store/store.js";
import {
  T0,
  service,
  caller,
  subscription,
  outage,
  observation,
  change,
  ended,
  logged,
  append,
  put,
  sorted,
  EMPTY,
  contents,
  announced,
  sequencesOf,
} from "./contract-fixtures.js";
import { describeAlertRuleContract } from "./alert-rule-contract.js";
import { describeCallerTokenContract } from "./caller-token-contract.js";
import { describeHttpAndPauseContract } from "./http-pause-contract.js";

/**
 * The one contract every Store implementation passes, run unchanged against
 * each backend (the gatus pattern): `describeStoreContract("sqlite", backend)`.
 * It only uses the Store interface, so it holds nothing backend-specific:
 * times are numbers, load() order is not promised (compared sorted),
 * readEvents is ascending. Each test gets a fresh, empty store.
 */

/** How the contract gets stores of one backend. */
export interface StoreBackend {
  /**
   * A fresh, empty store, and a way to open the same store again after
   * close. `cleanup` closes every store `create` and `reopen` returned and
   * deletes what they hold.
   */
  create(options?: { retentionPerCaller?: number }): Promise<{
    store: Store;
    reopen(): Promise<Store>;
    cleanup(): Promise<void>;
  }>;
}

/**
 * A backend from where a store lives: `setUp` makes a fresh place for one
 * (a file, a database) and says how to open a store there and how to remove
 * the place once every store opened on it is closed.
 */
export function reopenableBackend(
  setUp: () => Promise<{ open(options: { retentionPerCaller?: number }): Promise<Store>; remove(): Promise<void> | void }>,
): StoreBackend {
  return {
    async create(options = {}) {
      const place = await setUp();
      const stores: Store[] = [await place.open(options)];
      return {
        store: stores[0]!,
        async reopen() {
          const store = await place.open(options);
          stores.push(store);
          return store;
        },
        async cleanup() {
          for (const store of stores) await store.close();
          await place.remove();
        },
      };
    },
  };
}

/** Runs the store contract against `backend`; `name` appears in the test names. */
export function describeStoreContract(name: string, backend: StoreBackend): void {
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function fresh(options?: { retentionPerCaller?: number }) {
    const handle = await backend.create(options);
    cleanups.push(handle.cleanup);
    return handle;
  }

  /** A store holding one service `s1`, one caller `c1` and its subscription to s1. */
  async function withBasics(options?: { retentionPerCaller?: number }) {
    const handle = await fresh(options);
    await handle.store.write([put.service(service("s1")), put.caller(caller("c1")), put.subscription(subscription("c1", "s1"))]);
    return handle;
  }

  describe(`store contract: ${name}: contents`, () => {
    it("loads empty when new", async () => {
      const { store } = await fresh();
      expect(sorted(await store.load())).toEqual(EMPTY);
      expect(await store.readEvents("c1", 0, 10)).toEqual([]);
      expect(await store.firstRetained("c1")).toBeUndefined();
    });

    it("has a description for logs", async () => {
      const { store } = await fresh();
      expect(store.description).toMatch(/\S/);
    });

    it("keeps every entity and field across close and reopen", async () => {
      const { store, reopen } = await fresh();
      const services = [
        service("s1"),
        service("s2", { probe: { kind: "tcp", closeMode: "reset" }, managedBy: "config", displayName: "" }),
        service("s3", { probe: { kind: "tcp", closeMode: "fin" }, host: "db.example.internal", port: 65535 }),
      ];
      const callers = [caller("c1"), caller("c2", { managedBy: "config", displayName: "Ops bot ✓" })];
      const subscriptions = [
        subscription("c1", "s1"),
        subscription("c1", "s2", { managedBy: "config", gracePeriodMs: 0, pollingIntervalMs: 1_000 }),
        subscription("c2", "s1", { gracePeriodMs: 86_400_000 }),
      ];
      const outages = [
        outage("o1", "s1"),
        // Fractional milliseconds: the API's Timestamps carry nanos.
        outage("o2", "s2", { managedBy: "config", startMs: T0 + 0.5, endMs: T0 + 1000.25, reason: "" }),
      ];
      const observations = [
        { serviceId: "s1", observation: observation() },
        { serviceId: "s2", observation: observation({ status: "unknown", sinceMs: 0, lastCheckAt: undefined, lastLatencyMs: 0, detail: "" }) },
        // Latencies come from performance.now(), so they are fractional.
        { serviceId: "s3", observation: observation({ status: "up", lastLatencyMs: 0.123456789, detail: "" }) },
      ];
      await store.write([
        ...services.map(put.service),
        ...callers.map(put.caller),
        ...subscriptions.map(put.subscription),
        ...outages.map(put.outage),
        ...observations.map((o) => put.observation(o.serviceId, o.observation)),
      ]);
      await store.write([append("c1", 1, change("s1", "down", T0 + 5)), append("c2", 1, change("s1", "up", T0 + 9.5))]);
      const expected = contents({
        services,
        callers,
        subscriptions,
        outages,
        observations,
        announced: [announced("c1", "s1", "down", T0 + 5), announced("c2", "s1", "up", T0 + 9.5)],
        sequences: [
          { callerId: "c1", lastSequence: 1 },
          { callerId: "c2", lastSequence: 1 },
        ],
      });
      expect(sorted(await store.load())).toEqual(expected);
      await store.close();

      const again = await reopen();
      const loaded = sorted(await again.load());
      expect(loaded).toEqual(expected);
      // Absent optional fields stay absent (not present as undefined), and a
      // required field that may be undefined stays present.
      expect(Object.keys(loaded.services[0]!)).not.toContain("probe");
      expect(Object.keys(loaded.services[0]!)).not.toContain("managedBy");
      expect(Object.keys(loaded.callers[0]!)).not.toContain("managedBy");
      expect(Object.keys(loaded.subscriptions[0]!)).not.toContain("managedBy");
      expect(Object.keys(loaded.outages[0]!)).not.toContain("managedBy");
      expect(loaded.observations[1]!.observation).toHaveProperty("lastCheckAt", undefined);
      expect(await again.readEvents("c2", 0, 10)).toEqual([logged("c2", 1, change("s1", "up", T0 + 9.5))]);
    });

    it("put replaces the entity with the same key, including clearing optional fields", async () => {
      const { store, reopen } = await fresh();
      await store.write([
        put.service(service("s1", { probe: { kind: "tcp", closeMode: "reset" }, managedBy: "config" })),
        put.caller(caller("c1", { managedBy: "config" })),
        put.subscription(subscription("c1", "s1", { managedBy: "config" })),
        put.outage(outage("o1", "s1", { managedBy: "config" })),
        put.observation("s1", observation()),
      ]);
      const s1 = service("s1", { host: "::1", port: 9, displayName: "renamed", checkIntervalMs: 1_000, checkTimeoutMs: 100 });
      const c1 = caller("c1", { displayName: "renamed" });
      const sub = subscription("c1", "s1", { pollingIntervalMs: 60_000, gracePeriodMs: 0 });
      const o1 = outage("o1", "s1", { startMs: T0, endMs: T0 + 1, reason: "moved" });
      const obs = observation({ status: "up", sinceMs: T0 + 100, lastCheckAt: undefined, lastLatencyMs: 3, detail: "" });
      await store.write([put.service(s1), put.caller(c1), put.subscription(sub), put.outage(o1), put.observation("s1", obs)]);
      const expected = contents({
        services: [s1],
        callers: [c1],
        subscriptions: [sub],
        outages: [o1],
        observations: [{ serviceId: "s1", observation: obs }],
      });
      expect(sorted(await store.load())).toEqual(expected);
      await store.close();
      expect(sorted(await (await reopen()).load())).toEqual(expected);
    });

    it("an outage can move to another service", async () => {
      const { store } = await fresh();
      await store.write([put.service(service("s1")), put.service(service("s2")), put.outage(outage("o1", "s1"))]);
      await store.write([put.outage(outage("o1", "s2"))]);
      expect((await store.load()).outages).toEqual([outage("o1", "s2")]);
    });

    it("deletes each kind of entity, and delete_service takes its observation with it", async () => {
      const { store, reopen } = await fresh();
      await store.write([
        put.service(service("s1")),
        put.service(service("s2")),
        put.caller(caller("c1")),
        put.caller(caller("c2")),
        put.subscription(subscription("c1", "s1")),
        put.subscription(subscription("c2", "s2")),
        put.outage(outage("o1", "s1")),
        put.outage(outage("o2", "s2")),
        put.observation("s1", observation()),
        put.observation("s2", observation()),
      ]);
      await store.write([
        { kind: "delete_subscription", callerId: "c1", serviceId: "s1" },
        { kind: "delete_outage", outageId: "o1" },
        { kind: "delete_service", serviceId: "s1" },
        { kind: "delete_caller", callerId: "c1" },
      ]);
      const expected = contents({
        services: [service("s2")],
        callers: [caller("c2")],
        subscriptions: [subscription("c2", "s2")],
        outages: [outage("o2", "s2")],
        observations: [{ serviceId: "s2", observation: observation() }],
      });
      expect(sorted(await store.load())).toEqual(expected);
      await store.close();
      expect(sorted(await (await reopen()).load())).toEqual(expected);
    });

    it("applies the ops of a write in order: a subscription deleted before its service", async () => {
      const { store } = await withBasics();
      await store.write([
        { kind: "delete_subscription", callerId: "c1", serviceId: "s1" },
        { kind: "delete_service", serviceId: "s1" },
        put.service(service("s1", { displayName: "back" })),
      ]);
      const loaded = await store.load();
      expect(loaded.subscriptions).toEqual([]);
      expect(loaded.services).toEqual([service("s1", { displayName: "back" })]);
    });

    it("an empty write changes nothing", async () => {
      const { store } = await withBasics();
      const before = sorted(await store.load());
      await store.write([]);
      expect(sorted(await store.load())).toEqual(before);
    });
  });

  describe(`store contract: ${name}: a write that breaks a rule commits nothing`, () => {
    it("a subscription to a missing caller", async () => {
      const { store } = await fresh();
      await expect(
        store.write([put.service(service("A")), put.subscription(subscription("nobody", "A"))]),
      ).rejects.toThrow();
      expect(sorted(await store.load())).toEqual(EMPTY);
    });

    it("a subscription to a missing service", async () => {
      const { store } = await fresh();
      await expect(store.write([put.caller(caller("c1")), put.subscription(subscription("c1", "nothing"))])).rejects.toThrow();
      expect(sorted(await store.load())).toEqual(EMPTY);
    });

    it("an outage or observation of a missing service", async () => {
      const { store } = await fresh();
      await expect(store.write([put.caller(caller("c1")), put.outage(outage("o1", "nothing"))])).rejects.toThrow();
      await expect(store.write([put.caller(caller("c1")), put.observation("nothing", observation())])).rejects.toThrow();
      expect(sorted(await store.load())).toEqual(EMPTY);
    });

    it("deleting a service that still has a subscription or an outage (deletes do not cascade)", async () => {
      const { store } = await withBasics();
      await store.write([put.service(service("s2")), put.outage(outage("o2", "s2"))]);
      const before = sorted(await store.load());
      await expect(store.write([{ kind: "delete_service", serviceId: "s1" }])).rejects.toThrow();
      await expect(store.write([{ kind: "delete_service", serviceId: "s2" }])).rejects.toThrow();
      // The wrong order of the right ops fails too.
      await expect(
        store.write([{ kind: "delete_service", serviceId: "s1" }, { kind: "delete_subscription", callerId: "c1", serviceId: "s1" }]),
      ).rejects.toThrow();
      expect(sorted(await store.load())).toEqual(before);
    });

    it("deleting a caller that still has a subscription", async () => {
      const { store } = await withBasics();
      await store.write([append("c1", 1, change("s1", "up", T0))]);
      const before = sorted(await store.load());
      await expect(store.write([{ kind: "delete_caller", callerId: "c1" }])).rejects.toThrow();
      expect(sorted(await store.load())).toEqual(before);
      expect(await sequencesOf(store, "c1")).toEqual([1]);
    });

    it("a duplicate sequence, with everything before it in the write", async () => {
      const { store } = await withBasics();
      await store.write([append("c1", 1, change("s1", "up", T0))]);
      const before = sorted(await store.load());
      await expect(
        store.write([
          put.service(service("B")),
          append("c1", 2, change("s1", "down", T0 + 1)),
          append("c1", 2, change("s1", "up", T0 + 2)),
        ]),
      ).rejects.toThrow();
      expect(sorted(await store.load())).toEqual(before);
      expect(await sequencesOf(store, "c1")).toEqual([1]);
      // The store is still usable, and the failed write left nothing pending.
      await store.write([append("c1", 2, change("s1", "down", T0 + 3))]);
      expect(await sequencesOf(store, "c1")).toEqual([1, 2]);
      expect((await store.load()).announced).toEqual([announced("c1", "s1", "down", T0 + 3)]);
    });
  });

  describe(`store contract: ${name}: event logs`, () => {
    it("appends numbered events per caller; load reports each caller's last sequence", async () => {
      const { store, reopen } = await withBasics();
      await store.write([put.caller(caller("c2")), put.subscription(subscription("c2", "s1"))]);
      await store.write([append("c1", 1, change("s1", "up", T0)), append("c2", 1, change("s1", "up", T0))]);
      await store.write([append("c1", 2, change("s1", "down", T0 + 10, "up"), T0 + 11)]);
      expect(await store.readEvents("c1", 0, 10)).toEqual([
        logged("c1", 1, change("s1", "up", T0)),
        logged("c1", 2, change("s1", "down", T0 + 10, "up"), T0 + 11),
      ]);
      expect(await store.readEvents("c2", 0, 10)).toEqual([logged("c2", 1, change("s1", "up", T0))]);
      const expectSequences = async (s: Store) =>
        expect(sorted(await s.load()).sequences).toEqual([
          { callerId: "c1", lastSequence: 2 },
          { callerId: "c2", lastSequence: 1 },
        ]);
      await expectSequences(store);
      await store.close();
      const again = await reopen();
      await expectSequences(again);
      await again.write([append("c1", 3, ended("s1"))]);
      expect(await sequencesOf(again, "c1")).toEqual([1, 2, 3]);
    });

    it("returns an event exactly as appended, every field of both kinds", async () => {
      const { store } = await withBasics();
      const events = [
        logged("c1", 1, { kind: "status_change", serviceId: "s1", host: "::1", port: 1, previous: "unknown", status: "down", sinceMs: T0 + 0.5, detail: "timed out after 2000 ms" }),
        logged("c1", 2, { kind: "status_change", serviceId: "s1", host: "h", port: 65535, previous: "down", status: "up", sinceMs: T0 + 2, detail: "" }),
        logged("c1", 3, ended("s1", "service unregistered")),
        logged("c1", 4, ended("s1", "unsubscribed")),
      ];
      await store.write(events.map((event): StoreOp => ({ kind: "append_event", event })));
      expect(await store.readEvents("c1", 0, 10)).toEqual(events);
    });

    it("keeps a caller's events after the service they name is gone", async () => {
      const { store } = await withBasics();
      await store.write([append("c1", 1, change("s1", "up", T0))]);
      await store.write([
        append("c1", 2, ended("s1", "service unregistered")),
        { kind: "delete_subscription", callerId: "c1", serviceId: "s1" },
        { kind: "delete_service", serviceId: "s1" },
      ]);
      expect(await sequencesOf(store, "c1")).toEqual([1, 2]);
      expect((await store.load()).announced).toEqual([]);
    });

    it("reads pages: afterSequence is exclusive, limit caps, ascending", async () => {
      const { store } = await withBasics();
      await store.write(Array.from({ length: 10 }, (_, i) => append("c1", i + 1, change("s1", i % 2 ? "down" : "up", T0 + i))));
      expect((await store.readEvents("c1", 0, 3)).map((e) => e.sequence)).toEqual([1, 2, 3]);
      expect((await store.readEvents("c1", 3, 3)).map((e) => e.sequence)).toEqual([4, 5, 6]);
      expect((await store.readEvents("c1", 8, 100)).map((e) => e.sequence)).toEqual([9, 10]);
      expect(await store.readEvents("c1", 10, 100)).toEqual([]);
      expect(await store.readEvents("c1", 0, 0)).toEqual([]);
      expect(await store.readEvents("other", 0, 100)).toEqual([]);
      expect(await store.firstRetained("c1")).toBe(1);
    });

    it("prunes each caller's log to the retention, one write at a time or many in one", async () => {
      const { store, reopen } = await withBasics({ retentionPerCaller: 3 });
      await store.write([put.caller(caller("c2")), put.subscription(subscription("c2", "s1"))]);
      for (let i = 1; i <= 5; i++) await store.write([append("c1", i, change("s1", "up", T0 + i))]);
      await store.write(Array.from({ length: 7 }, (_, i) => append("c2", i + 1, change("s1", "up", T0 + i))));
      expect(await sequencesOf(store, "c1")).toEqual([3, 4, 5]);
      expect(await sequencesOf(store, "c2")).toEqual([5, 6, 7]);
      expect(await store.firstRetained("c1")).toBe(3);
      expect(await store.firstRetained("c2")).toBe(5);
      await store.close();
      const again = await reopen();
      expect(await sequencesOf(again, "c1")).toEqual([3, 4, 5]);
      expect(await again.firstRetained("c1")).toBe(3);
      expect(sorted(await again.load()).sequences).toEqual([
        { callerId: "c1", lastSequence: 5 },
        { callerId: "c2", lastSequence: 7 },
      ]);
    });

    it("keeps the default retention far above a handful of events", async () => {
      const { store } = await withBasics();
      await store.write(Array.from({ length: 500 }, (_, i) => append("c1", i + 1, change("s1", "up", T0 + i))));
      expect(await store.firstRetained("c1")).toBe(1);
      expect((await store.readEvents("c1", 0, 1_000)).length).toBe(500);
    });
  });

  describe(`store contract: ${name}: announced state`, () => {
    it("is set by status_change, replaced by a later one and forgotten by subscription_ended", async () => {
      const { store, reopen } = await withBasics();
      await store.write([put.service(service("s2")), put.subscription(subscription("c1", "s2"))]);
      await store.write([append("c1", 1, change("s1", "up", T0)), append("c1", 2, change("s2", "down", T0 + 1))]);
      expect(sorted(await store.load()).announced).toEqual([announced("c1", "s1", "up", T0), announced("c1", "s2", "down", T0 + 1)]);
      await store.write([append("c1", 3, change("s1", "down", T0 + 5, "up"))]);
      await store.write([append("c1", 4, ended("s2"))]);
      expect(sorted(await store.load()).announced).toEqual([announced("c1", "s1", "down", T0 + 5)]);
      await store.close();
      expect(sorted(await (await reopen()).load()).announced).toEqual([announced("c1", "s1", "down", T0 + 5)]);
    });

    it("follows the order of the events within one write", async () => {
      const { store } = await withBasics();
      await store.write([put.service(service("s2")), put.subscription(subscription("c1", "s2"))]);
      await store.write([
        append("c1", 1, change("s1", "up", T0)),
        append("c1", 2, ended("s1")),
        append("c1", 3, ended("s2")),
        append("c1", 4, change("s2", "up", T0 + 1)),
        append("c1", 5, change("s2", "down", T0 + 2, "up")),
      ]);
      expect((await store.load()).announced).toEqual([announced("c1", "s2", "down", T0 + 2)]);
    });

    it("put_announced sets it without an event, in order with the events of the write", async () => {
      const { store } = await withBasics();
      await store.write([{ kind: "put_announced", entry: announced("c1", "s1", "down", T0 + 3) }]);
      expect((await store.load()).announced).toEqual([announced("c1", "s1", "down", T0 + 3)]);
      expect(await store.readEvents("c1", 0, 10)).toEqual([]);
      await store.write([
        append("c1", 1, change("s1", "up", T0 + 4, "down")),
        { kind: "put_announced", entry: announced("c1", "s1", "unknown", 0) },
      ]);
      expect((await store.load()).announced).toEqual([announced("c1", "s1", "unknown", 0)]);
      await store.write([
        { kind: "put_announced", entry: announced("c1", "s1", "up", T0 + 8) },
        append("c1", 2, ended("s1")),
      ]);
      expect((await store.load()).announced).toEqual([]);
    });
  });

  describe(`store contract: ${name}: caller counters`, () => {
    it("delete_caller drops the caller's events and announced state but keeps its last sequence", async () => {
      const { store, reopen } = await withBasics();
      await store.write([put.caller(caller("c2")), put.subscription(subscription("c2", "s1"))]);
      await store.write([
        append("c1", 1, change("s1", "up", T0)),
        append("c1", 2, change("s1", "down", T0 + 1, "up")),
        append("c2", 1, change("s1", "up", T0)),
      ]);
      await store.write([
        append("c1", 3, ended("s1")),
        { kind: "delete_subscription", callerId: "c1", serviceId: "s1" },
        { kind: "delete_caller", callerId: "c1" },
      ]);
      const check = async (s: Store) => {
        const loaded = sorted(await s.load());
        expect(loaded.callers).toEqual([caller("c2")]);
        expect(loaded.announced).toEqual([announced("c2", "s1", "up", T0)]);
        expect(loaded.sequences).toEqual([
          { callerId: "c1", lastSequence: 3 },
          { callerId: "c2", lastSequence: 1 },
        ]);
        expect(await s.readEvents("c1", 0, 10)).toEqual([]);
        expect(await s.firstRetained("c1")).toBeUndefined();
        expect(await sequencesOf(s, "c2")).toEqual([1]);
      };
      await check(store);
      await store.close();
      const again = await reopen();
      await check(again);

      // Re-registered, the caller continues after its old last sequence.
      await again.write([put.caller(caller("c1")), put.subscription(subscription("c1", "s1"))]);
      await again.write([append("c1", 4, change("s1", "up", T0 + 9))]);
      expect(await sequencesOf(again, "c1")).toEqual([4]);
      expect(await again.firstRetained("c1")).toBe(4);
      expect(sorted(await again.load()).sequences).toContainEqual({ callerId: "c1", lastSequence: 4 });
    });

    it("delete_caller in the same write as the caller's appends takes their announced state with it", async () => {
      const { store } = await withBasics();
      await store.write([
        { kind: "delete_subscription", callerId: "c1", serviceId: "s1" },
        append("c1", 1, change("s1", "up", T0)),
        { kind: "delete_caller", callerId: "c1" },
      ]);
      const loaded = await store.load();
      expect(loaded.announced).toEqual([]);
      expect(loaded.sequences).toEqual([{ callerId: "c1", lastSequence: 1 }]);
      expect(await store.readEvents("c1", 0, 10)).toEqual([]);
    });

    it("set_last_sequence raises a counter and never lowers it", async () => {
      const { store, reopen } = await withBasics();
      await store.write([{ kind: "set_last_sequence", callerId: "c1", lastSequence: 40 }]);
      expect((await store.load()).sequences).toEqual([{ callerId: "c1", lastSequence: 40 }]);
      expect(await store.firstRetained("c1")).toBeUndefined();
      await store.write([{ kind: "set_last_sequence", callerId: "c1", lastSequence: 7 }]);
      expect((await store.load()).sequences).toEqual([{ callerId: "c1", lastSequence: 40 }]);
      await store.write([append("c1", 41, change("s1", "up", T0))]);
      await store.write([{ kind: "set_last_sequence", callerId: "c1", lastSequence: 12 }]);
      expect((await store.load()).sequences).toEqual([{ callerId: "c1", lastSequence: 41 }]);
      // A caller that never had an event, nor a caller row (an import of a removed caller).
      await store.write([{ kind: "set_last_sequence", callerId: "gone", lastSequence: 9 }]);
      await store.close();
      expect(sorted(await (await reopen()).load()).sequences).toEqual([
        { callerId: "c1", lastSequence: 41 },
        { callerId: "gone", lastSequence: 9 },
      ]);
    });

    it("set_last_sequence in the same write as appends, either order, keeps the highest", async () => {
      const { store } = await withBasics();
      await store.write([append("c1", 1, change("s1", "up", T0)), { kind: "set_last_sequence", callerId: "c1", lastSequence: 20 }]);
      expect((await store.load()).sequences).toEqual([{ callerId: "c1", lastSequence: 20 }]);
      await store.write([{ kind: "set_last_sequence", callerId: "c1", lastSequence: 21 }, append("c1", 30, change("s1", "down", T0))]);
      expect((await store.load()).sequences).toEqual([{ callerId: "c1", lastSequence: 30 }]);
      expect(await sequencesOf(store, "c1")).toEqual([1, 30]);
    });
  });

  describe(`store contract: ${name}: size`, () => {
    it("takes a write of 10,000 ops", async () => {
      const { store, reopen } = await fresh();
      const n = 2_500;
      const ids = Array.from({ length: n }, (_, i) => `svc-${String(i).padStart(5, "0")}`);
      await store.write([
        put.caller(caller("c1")),
        ...ids.map((id) => put.service(service(id))),
        ...ids.map((id) => put.subscription(subscription("c1", id))),
        ...ids.map((id) => put.observation(id, observation())),
        ...ids.map((id, i) => append("c1", i + 1, change(id, "up", T0 + i))),
      ]);
      await store.close();
      const again = await reopen();
      const loaded = await again.load();
      expect(loaded.services.length).toBe(n);
      expect(loaded.subscriptions.length).toBe(n);
      expect(loaded.observations.length).toBe(n);
      expect(loaded.announced.length).toBe(n);
      expect(loaded.sequences).toEqual([{ callerId: "c1", lastSequence: n }]);
      expect(await sequencesOf(again, "c1")).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    });

    it("a tick's worth of events to many callers in one write", async () => {
      const { store } = await fresh({ retentionPerCaller: 5 });
      const callers = Array.from({ length: 1_000 }, (_, i) => `caller-${i}`);
      await store.write([put.service(service("s1")), ...callers.map((id) => put.caller(caller(id)))]);
      // Ten events per caller in one write: counters, pruning and announced once per caller.
      const ops: StoreOp[] = [];
      for (let round = 1; round <= 10; round++) {
        for (const id of callers) ops.push(append(id, round, change("s1", round % 2 ? "up" : "down", T0 + round)));
      }
      await store.write(ops);
      const loaded = await store.load();
      expect(loaded.sequences.length).toBe(1_000);
      expect(loaded.sequences.every((s) => s.lastSequence === 10)).toBe(true);
      expect(loaded.announced.every((a) => a.announced.status === "down" && a.announced.sinceMs === T0 + 10)).toBe(true);
      expect(await sequencesOf(store, "caller-999")).toEqual([6, 7, 8, 9, 10]);
    });
  });

  // Issue 10: HTTP checks, paused services, check details, notes, the pause events.
  describeHttpAndPauseContract(name, { fresh, withBasics });

  // Issue 11: availability alert rules, their events and the alerting flag.
  describeAlertRuleContract(name, { fresh, withBasics });

  // Issue 12: the hash of each caller's token.
  describeCallerTokenContract(name, { fresh, withBasics });

  describe(`store contract: ${name}: lifecycle`, () => {
    it("close is idempotent", async () => {
      const { store } = await fresh();
      await store.close();
      await store.close();
    });

    it("a closed store refuses work", async () => {
      const { store } = await withBasics();
      await store.close();
      await expect(store.load()).rejects.toThrow();
      await expect(store.write([put.service(service("s2"))])).rejects.toThrow();
      await expect(store.readEvents("c1", 0, 10)).rejects.toThrow();
    });
  });
}
