import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyAnnouncement, decide, NOTHING_ANNOUNCED } from "../../server/domain/notification.js";
import { observe, UNOBSERVED } from "../../server/domain/observe.js";
import type { Announced, Announcement, Millis, Observation } from "../../server/domain/types.js";
import { inAnyOutage, PROPERTY_SEED, timelineArbitrary, type Timeline } from "./timeline-arbitrary.js";

/**
 * The notification rules (docs/architecture.md) as properties of any
 * history: the engine's loop is replayed on the injected clock — decide after
 * every check, at every grace deadline (the scheduler checks then, so it is a
 * decision moment too) and when an outage window ends — and every
 * announcement is recorded with the moment it was made.
 */

interface Made {
  readonly atMs: Millis;
  readonly announcement: Announcement;
  readonly observation: Observation;
}

type Moment = { readonly kind: "check"; readonly index: number; readonly at: Millis } | { readonly kind: "tick"; readonly at: Millis };

/** `subscribedAt`: the subscription is created then (rule 5: a decision moment too); earlier moments do not concern it. */
function replay(timeline: Timeline, subscribedAt = 0): Made[] {
  const { results, outages, gracePeriodMs } = timeline;
  // Ticks (outage ends, and each result time + grace as a potential deadline) sort after a check at the same instant.
  const moments: Moment[] = [
    ...results.map((r, index): Moment => ({ kind: "check", index, at: r.at })),
    ...outages.map((w): Moment => ({ kind: "tick", at: w.endMs })),
    ...results.map((r): Moment => ({ kind: "tick", at: r.at + gracePeriodMs })),
    { kind: "tick", at: subscribedAt } satisfies Moment,
  ].sort((a, b) => a.at - b.at || (a.kind === b.kind ? 0 : a.kind === "check" ? -1 : 1));
  let observation = UNOBSERVED;
  let announced: Announced = NOTHING_ANNOUNCED;
  const made: Made[] = [];
  for (const moment of moments) {
    if (moment.kind === "check") observation = observe(observation, results[moment.index]!);
    if (observation.status === "unknown" || moment.at < subscribedAt) continue;
    const announcement = decide({
      serviceId: "svc",
      announced,
      observation,
      gracePeriodMs,
      now: moment.at,
      inOutage: inAnyOutage(outages, moment.at),
    });
    if (announcement === undefined) continue;
    made.push({ atMs: moment.at, announcement, observation });
    announced = applyAnnouncement(announced, announcement);
  }
  return made;
}

const params = { seed: PROPERTY_SEED, numRuns: 400 };

describe("notification rules, over random histories", () => {
  it("never announces the same status twice in a row, and each names the one before as previous", () => {
    fc.assert(
      fc.property(timelineArbitrary, (timeline) => {
        const made = replay(timeline);
        let previous: Announced["status"] = "unknown";
        for (const { announcement } of made) {
          expect(announcement.status).not.toBe(previous);
          expect(announcement.previous).toBe(previous);
          previous = announcement.status;
        }
      }),
      params,
    );
  });

  it("announces DOWN only once the service has failed for the whole grace period, every check since down_since failing", () => {
    fc.assert(
      fc.property(timelineArbitrary, (timeline) => {
        for (const { atMs, announcement } of replay(timeline)) {
          if (announcement.status !== "down") continue;
          expect(atMs - announcement.sinceMs).toBeGreaterThanOrEqual(timeline.gracePeriodMs);
          const during = timeline.results.filter((r) => r.at >= announcement.sinceMs && r.at <= atMs);
          expect(during.length).toBeGreaterThan(0);
          expect(during.every((r) => r.status === "down")).toBe(true);
        }
      }),
      params,
    );
  });

  it("a failure that recovers before its grace period ends announces nothing", () => {
    fc.assert(
      fc.property(timelineArbitrary, (timeline) => {
        const { results, gracePeriodMs } = timeline;
        const made = replay(timeline);
        for (let i = 0; i < results.length; i++) {
          const start = results[i]!;
          if (start.status !== "down" || (i > 0 && results[i - 1]!.status === "down")) continue;
          const recovery = results.slice(i).find((r) => r.status === "up");
          if (recovery === undefined || recovery.at - start.at >= gracePeriodMs) continue;
          expect(made.filter((m) => m.announcement.status === "down" && m.announcement.sinceMs === start.at)).toEqual([]);
        }
      }),
      params,
    );
  });

  it("announces nothing inside a planned outage window", () => {
    fc.assert(
      fc.property(timelineArbitrary, (timeline) => {
        for (const { atMs } of replay(timeline)) expect(inAnyOutage(timeline.outages, atMs)).toBe(false);
      }),
      params,
    );
  });

  it("at an outage's end, the caller is told the current status if it differs from the last announced one (DOWN once past grace)", () => {
    fc.assert(
      fc.property(timelineArbitrary, (timeline) => {
        const made = replay(timeline);
        for (const w of timeline.outages) {
          if (inAnyOutage(timeline.outages, w.endMs)) continue; // another window still covers the end
          const before = timeline.results.filter((r) => r.at <= w.endMs);
          if (before.length === 0) continue;
          const observation = before.reduce(observe, UNOBSERVED);
          const told = made.filter((m) => m.atMs <= w.endMs).at(-1)?.announcement.status ?? "unknown";
          const owed =
            observation.status === "up" || (observation.status === "down" && w.endMs - observation.sinceMs >= timeline.gracePeriodMs);
          if (owed) expect(told).toBe(observation.status);
        }
      }),
      params,
    );
  });

  it("after the last decision moment, what was announced matches the service's settled status", () => {
    fc.assert(
      fc.property(timelineArbitrary, (timeline) => {
        const made = replay(timeline);
        const last = timeline.results.at(-1)!;
        const observation = timeline.results.reduce(observe, UNOBSERVED);
        const end = Math.max(last.at + timeline.gracePeriodMs, ...timeline.outages.map((w) => w.endMs));
        const told = made.at(-1)?.announcement.status ?? "unknown";
        // Every outage is over and every deadline passed: nothing is owed any more.
        if (!inAnyOutage(timeline.outages, end)) expect(told).toBe(observation.status);
      }),
      params,
    );
  });

  it("a new subscription hears the current status at once, unless in an outage or a failure still inside its grace", () => {
    fc.assert(
      fc.property(timelineArbitrary, fc.integer({ min: 0, max: 2_500_000 }), (timeline, subscribedAt) => {
        const made = replay(timeline, subscribedAt);
        const observation = timeline.results.filter((r) => r.at <= subscribedAt).reduce(observe, UNOBSERVED);
        const owed =
          !inAnyOutage(timeline.outages, subscribedAt) &&
          (observation.status === "up" || (observation.status === "down" && subscribedAt - observation.sinceMs >= timeline.gracePeriodMs));
        const first = made[0];
        if (owed) {
          expect(first?.atMs).toBe(subscribedAt);
          expect(first?.announcement).toMatchObject({ previous: "unknown", status: observation.status, sinceMs: observation.sinceMs });
        } else if (first !== undefined) expect(first.atMs).toBeGreaterThan(subscribedAt);
      }),
      params,
    );
  });
});
