import { describe, expect, it } from "vitest";
import type { Announced, AvailabilityEvent, CallerEvent, LoggedEvent } from "../../server/domain/types.js";
import type { AnnouncedEntry, StoreOp } from "../../server/store/store.js";
import { prng } from "../support/prng.js";
import { T0, announced, append, caller, change, contents, ended, logged, put, service, sorted, subscription } from "./contract-fixtures.js";
import type { ContractStores } from "./http-pause-contract.js";

/**
 * The store contract's part for issue 11's availability alerts, run by
 * describeStoreContract for every backend: a subscription's alert rule, the
 * AvailabilityAlert / AvailabilityRecovered events (their figures exact),
 * and the `alerting` flag the store derives from them beside the announced
 * status, the same whether the events come one write at a time or many in one.
 */

function availability(
  kind: AvailabilityEvent["kind"],
  serviceId: string,
  figure: number,
  over: Partial<AvailabilityEvent> = {},
): AvailabilityEvent {
  return { kind, serviceId, host: "127.0.0.1", port: 8080, availability: figure, threshold: 0.8, windowMs: 120_000, ...over };
}
const alert = (serviceId: string, figure = 0.5) => availability("availability_alert", serviceId, figure);
const recovered = (serviceId: string, figure = 0.9) => availability("availability_recovered", serviceId, figure);

const alerting = (callerId: string, serviceId: string, status: Announced["status"], sinceMs: number): AnnouncedEntry => ({
  callerId,
  serviceId,
  announced: { status, sinceMs, alerting: true },
});

/**
 * What the announced rows must be after `events`, worked out one event at a
 * time straight from the rules (not from the stores' fold): a status change
 * sets status and since and keeps alerting, an availability event sets
 * alerting and keeps the rest (a new row: "unknown" since 0), an end deletes.
 */
function expectedAnnounced(events: readonly LoggedEvent[]): AnnouncedEntry[] {
  const rows = new Map<string, AnnouncedEntry>();
  for (const { callerId, event } of events) {
    const key = `${callerId}\u0000${event.serviceId}`;
    const row = rows.get(key)?.announced ?? { status: "unknown", sinceMs: 0 };
    let next: Announced | undefined = row;
    if (event.kind === "status_change") next = { ...row, status: event.status, sinceMs: event.sinceMs };
    else if (event.kind === "availability_alert") next = { ...row, alerting: true };
    else if (event.kind === "availability_recovered") next = { status: row.status, sinceMs: row.sinceMs };
    else if (event.kind === "subscription_ended") next = undefined;
    else if (!rows.has(key)) continue;
    if (next === undefined) rows.delete(key);
    else rows.set(key, { callerId, serviceId: event.serviceId, announced: next });
  }
  return [...rows.values()];
}

export function describeAlertRuleContract(name: string, stores: ContractStores): void {
  describe(`store contract: ${name}: availability alert rules and events`, () => {
    it("keeps a subscription's alert rule across reopen; a put without one removes it, a put with another replaces it", async () => {
      const { store, reopen } = await stores.fresh();
      const ruled = subscription("c1", "s1", { availabilityAlert: { windowMs: 120_000, threshold: 0.8 } });
      // Limits and awkward doubles: a 10 s window, a 24 h one, a fractional one; thresholds 1 and 2/3.
      const others = [
        subscription("c1", "s2", { availabilityAlert: { windowMs: 10_000, threshold: 1 }, managedBy: "config" }),
        subscription("c2", "s1", { availabilityAlert: { windowMs: 86_400_000, threshold: 2 / 3 } }),
        subscription("c2", "s2", { availabilityAlert: { windowMs: 90_000.5, threshold: 0.1 + 0.2 } }),
      ];
      await store.write([
        put.service(service("s1")),
        put.service(service("s2")),
        put.caller(caller("c1")),
        put.caller(caller("c2")),
        put.subscription(ruled),
        ...others.map(put.subscription),
      ]);
      const expected = contents({ subscriptions: [ruled, ...others] }).subscriptions;
      expect(sorted(await store.load()).subscriptions).toEqual(expected);
      await store.close();

      const again = await reopen();
      expect(sorted(await again.load()).subscriptions).toEqual(expected);
      const bare = subscription("c1", "s1");
      const changed = { ...others[0]!, availabilityAlert: { windowMs: 300_000, threshold: 0.95 } };
      await again.write([put.subscription(bare), put.subscription(changed)]);
      const loaded = sorted(await again.load()).subscriptions;
      expect(loaded.find((s) => s.callerId === "c1" && s.serviceId === "s1")).toEqual(bare);
      expect(loaded.find((s) => s.callerId === "c1" && s.serviceId === "s2")).toEqual(changed);
    });

    it("returns availability events exactly as appended, figures to the last bit, with and without a url", async () => {
      const { store, reopen } = await stores.withBasics();
      const events: CallerEvent[] = [
        availability("availability_alert", "s1", 2 / 3, { threshold: 0.1 + 0.2, windowMs: 120_000.25 }),
        availability("availability_recovered", "s1", 1, { threshold: 1, windowMs: 10_000 }),
        availability("availability_alert", "s1", 0, { threshold: Number.MIN_VALUE, windowMs: 86_400_000 }),
        availability("availability_recovered", "s1", 1 - Number.EPSILON / 2, {
          host: "::1",
          port: 8443,
          url: "https://[::1]:8443/health?q=✓",
          threshold: 0.999_999_999_999_9,
        }),
        availability("availability_alert", "s1", 1e-300),
      ];
      const appended = events.map((event, i) => logged("c1", i + 1, event, T0 + 0.5 + i));
      await store.write(appended.map((event) => ({ kind: "append_event", event }) as StoreOp));
      expect(await store.readEvents("c1", 0, 10)).toEqual(appended);
      await store.close();
      const again = await reopen();
      const read = await again.readEvents("c1", 0, 10);
      expect(read).toEqual(appended);
      // toEqual would let -0 or a near value by; the bits must be the same.
      for (const [i, e] of read.entries()) {
        const want = appended[i]!.event as AvailabilityEvent;
        const got = e.event as AvailabilityEvent;
        expect([Object.is(got.availability, want.availability), Object.is(got.threshold, want.threshold)]).toEqual([true, true]);
      }
    });

    it("refuses an availability event whose figures are not figures, committing nothing", async () => {
      const { store } = await stores.withBasics();
      for (const bad of [
        alert("s1", 1.5),
        alert("s1", Number.NaN),
        availability("availability_alert", "s1", 0.5, { threshold: 0 }),
        availability("availability_recovered", "s1", 0.9, { windowMs: -1 }),
        { ...alert("s1"), port: 80.5 },
      ]) {
        await expect(store.write([append("c1", 1, change("s1", "down", T0)), append("c1", 2, bad)])).rejects.toThrow();
      }
      expect(await store.readEvents("c1", 0, 10)).toEqual([]);
      expect((await store.load()).announced).toEqual([]);
    });

    it("an alert sets alerting and keeps the status; a status change keeps alerting; a recovery clears it", async () => {
      const { store, reopen } = await stores.withBasics();
      await store.write([append("c1", 1, change("s1", "down", T0 + 5))]);
      await store.write([append("c1", 2, alert("s1"))]);
      expect((await store.load()).announced).toEqual([alerting("c1", "s1", "down", T0 + 5)]);
      await store.write([append("c1", 3, change("s1", "up", T0 + 9, "down"))]);
      expect((await store.load()).announced).toEqual([alerting("c1", "s1", "up", T0 + 9)]);
      await store.close();
      const again = await reopen();
      expect((await again.load()).announced).toEqual([alerting("c1", "s1", "up", T0 + 9)]);
      await again.write([append("c1", 4, recovered("s1"))]);
      // Omitted when false, as Announced has it.
      expect((await again.load()).announced).toEqual([announced("c1", "s1", "up", T0 + 9)]);
    });

    it("an alert before any status change makes the row: status unknown since 0, alerting", async () => {
      const { store } = await stores.withBasics();
      await store.write([append("c1", 1, alert("s1"))]);
      expect((await store.load()).announced).toEqual([alerting("c1", "s1", "unknown", 0)]);
      await store.write([append("c1", 2, change("s1", "down", T0 + 3))]);
      expect((await store.load()).announced).toEqual([alerting("c1", "s1", "down", T0 + 3)]);
    });

    it("pause and resume leave alerting alone; the subscription's end forgets it, and a new row starts without it", async () => {
      const { store } = await stores.withBasics();
      await store.write([append("c1", 1, change("s1", "down", T0 + 5)), append("c1", 2, alert("s1"))]);
      await store.write([
        append("c1", 3, { kind: "service_paused", serviceId: "s1" }),
        append("c1", 4, { kind: "service_resumed", serviceId: "s1" }),
      ]);
      expect((await store.load()).announced).toEqual([alerting("c1", "s1", "down", T0 + 5)]);
      await store.write([append("c1", 5, ended("s1"))]);
      expect((await store.load()).announced).toEqual([]);
      await store.write([append("c1", 6, change("s1", "up", T0 + 20))]);
      expect((await store.load()).announced).toEqual([announced("c1", "s1", "up", T0 + 20)]);
    });

    it("derives the same rows from many events in one write: ends between alerts and changes start afresh", async () => {
      const { store } = await stores.withBasics();
      await store.write([put.service(service("s2")), put.service(service("s3")), put.service(service("s4"))]);
      // Rows that exist before the write, so a write's effect has something to keep.
      await store.write([append("c1", 1, change("s1", "down", T0 + 1)), append("c1", 2, alert("s2")), append("c1", 3, change("s4", "down", T0 + 4))]);
      const events = [
        // s1: kept status, then alerting set and a later change keeping it.
        alert("s1"),
        change("s1", "up", T0 + 10, "down"),
        // s2: alerting (from before) forgotten by the end; the change after it makes a fresh row.
        ended("s2"),
        change("s2", "down", T0 + 11),
        // s3: alert, end, alert: a fresh row again, unknown since 0.
        alert("s3"),
        ended("s3"),
        alert("s3"),
        // s4: a status change, an end, then a recovery alone: a fresh row, not alerting.
        alert("s4"),
        ended("s4"),
        recovered("s4"),
      ];
      const appended = events.map((event, i) => logged("c1", i + 4, event));
      await store.write(appended.map((event) => ({ kind: "append_event", event }) as StoreOp));
      expect(sorted(await store.load()).announced).toEqual(
        contents({
          announced: [
            alerting("c1", "s1", "up", T0 + 10),
            announced("c1", "s2", "down", T0 + 11),
            alerting("c1", "s3", "unknown", 0),
            announced("c1", "s4", "unknown", 0),
          ],
        }).announced,
      );
    });

    it("put_announced (an import) keeps alerting; delete_caller forgets it", async () => {
      const { store, reopen } = await stores.withBasics();
      await store.write([{ kind: "put_announced", entry: alerting("c1", "s1", "down", T0 + 2) }]);
      await store.close();
      const again = await reopen();
      expect((await again.load()).announced).toEqual([alerting("c1", "s1", "down", T0 + 2)]);
      await again.write([{ kind: "put_announced", entry: announced("c1", "s1", "down", T0 + 2) }]);
      expect((await again.load()).announced).toEqual([announced("c1", "s1", "down", T0 + 2)]);
      await again.write([{ kind: "put_announced", entry: alerting("c1", "s1", "up", T0 + 3) }]);
      await again.write([
        { kind: "delete_subscription", callerId: "c1", serviceId: "s1" },
        { kind: "delete_caller", callerId: "c1" },
      ]);
      expect((await again.load()).announced).toEqual([]);
    });

    it("any split of a seeded random event log into writes derives the rows the rules say", async () => {
      const random = prng(11);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
      const serviceIds = ["s1", "s2", "s3"];
      const makers: ((serviceId: string, i: number) => CallerEvent)[] = [
        (s, i) => change(s, pick(["up", "down"] as const), T0 + i),
        (s) => alert(s, random() * 0.8),
        (s) => recovered(s, 0.8 + random() * 0.2),
        (s) => ended(s),
        (s) => ({ kind: "service_paused", serviceId: s }),
      ];
      for (let round = 0; round < 6; round++) {
        const { store } = await stores.withBasics();
        await store.write([put.service(service("s2")), put.service(service("s3"))]);
        const events = Array.from({ length: 40 }, (_, i) => logged("c1", i + 1, pick(makers)(pick(serviceIds), i)));
        // Round 0: one write; round 1: one event a write; then random chunks.
        let at = 0;
        while (at < events.length) {
          const size = round === 0 ? events.length : round === 1 ? 1 : 1 + Math.floor(random() * 12);
          const chunk = events.slice(at, at + size);
          await store.write(chunk.map((event) => ({ kind: "append_event", event }) as StoreOp));
          at += chunk.length;
          expect(sorted(await store.load()).announced, `round ${round}, after ${at} events`).toEqual(
            contents({ announced: expectedAnnounced(events.slice(0, at)) }).announced,
          );
        }
      }
    });
  });
}
