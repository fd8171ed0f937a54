import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MIN_CHECK_SPACING_MS } from "../../server/domain/effective-interval.js";
import { nextCheckAt, startupOffsetMs } from "../../server/domain/next-check.js";
import { graceDeadline, NOTHING_ANNOUNCED } from "../../server/domain/notification.js";
import { isInOutage, nextOutageBoundary } from "../../server/domain/outage-windows.js";
import type { Announced, Observation } from "../../server/domain/types.js";
import { inAnyOutage, PROPERTY_SEED } from "./timeline-arbitrary.js";

/** Checking rules 1-2 and notification rule 3 (a grace deadline pulls the next check earlier), over random inputs. */

const params = { seed: PROPERTY_SEED, numRuns: 400 };

const window = fc.record({ start: fc.integer({ min: 0, max: 200_000 }), length: fc.integer({ min: 0, max: 100_000 }) }).map((w) => ({
  startMs: w.start,
  endMs: w.start + w.length,
}));
const announced = fc.constantFrom<Announced>(NOTHING_ANNOUNCED, { status: "up", sinceMs: 0 }, { status: "down", sinceMs: 0 });
const observation = fc
  .record({ down: fc.boolean(), sinceMs: fc.integer({ min: 0, max: 100_000 }) })
  .map(({ down, sinceMs }): Observation => ({ status: down ? "down" : "up", sinceMs, lastCheckAt: sinceMs, lastLatencyMs: 1, detail: "" }));
const subscription = fc.record({ announced, gracePeriodMs: fc.integer({ min: 0, max: 120_000 }) });

describe("check planning", () => {
  it("the next check is never before now nor within the floor of the last, never later than the interval, and never misses a grace deadline", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 1_000, max: 300_000 }),
        observation,
        fc.array(subscription, { maxLength: 4 }),
        fc.array(window, { maxLength: 3 }),
        (now, lastCheckAt, effectiveIntervalMs, obs, subscriptions, outages) => {
          const next = nextCheckAt({ now, lastCheckAt, effectiveIntervalMs, observation: obs, subscriptions, outages });
          expect(next).toBeGreaterThanOrEqual(now);
          expect(next).toBeGreaterThanOrEqual(lastCheckAt + MIN_CHECK_SPACING_MS);
          expect(next).toBeLessThanOrEqual(Math.max(now, lastCheckAt + effectiveIntervalMs));
          for (const sub of subscriptions) {
            const deadline = graceDeadline(sub.announced, obs, sub.gracePeriodMs);
            if (deadline === undefined || deadline <= lastCheckAt || inAnyOutage(outages, deadline)) continue;
            // Checked at the deadline, or as soon after it as the floor and "now" allow.
            expect(next).toBeLessThanOrEqual(Math.max(deadline, now, lastCheckAt + MIN_CHECK_SPACING_MS));
          }
        },
      ),
      params,
    );
  });

  it("a never-checked service is checked now", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), observation, (now, obs) => {
        expect(nextCheckAt({ now, lastCheckAt: undefined, effectiveIntervalMs: 1_000, observation: obs, subscriptions: [], outages: [] })).toBe(now);
      }),
      params,
    );
  });

  it("the start-up offset is stable and inside [0, interval)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.integer({ min: 1, max: 86_400_000 }), (id, interval) => {
        const offset = startupOffsetMs(id, interval);
        expect(Number.isInteger(offset)).toBe(true);
        expect(offset).toBeGreaterThanOrEqual(0);
        expect(offset).toBeLessThan(interval);
        expect(startupOffsetMs(id, interval)).toBe(offset);
      }),
      params,
    );
  });

  it("outage windows: inside means start ≤ now < end, and the next boundary is the first start or end after now", () => {
    fc.assert(
      fc.property(fc.array(window, { maxLength: 4 }), fc.integer({ min: 0, max: 320_000 }), fc.nat(), (outages, now, step) => {
        expect(isInOutage(outages, now)).toBe(inAnyOutage(outages, now));
        const after = outages.flatMap((w) => [w.startMs, w.endMs]).filter((t) => t > now);
        const next = nextOutageBoundary(outages, now);
        expect(next).toBe(after.length === 0 ? undefined : Math.min(...after));
        // Nothing changes between now and the boundary: the engine may sleep until it.
        const until = next ?? now + 400_000;
        expect(isInOutage(outages, now + (step % (until - now)))).toBe(isInOutage(outages, now));
      }),
      params,
    );
  });
});
