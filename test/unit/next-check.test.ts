import { describe, expect, it } from "vitest";
import { nextCheckAt, startupOffsetMs, type NextCheckInput } from "../../server/domain/next-check.js";
import { NOTHING_ANNOUNCED } from "../../server/domain/notification.js";
import { UNOBSERVED } from "../../server/domain/observe.js";
import type { Announced, Observation } from "../../server/domain/types.js";

const upSince = (sinceMs: number, lastCheckAt: number): Observation => ({
  status: "up",
  sinceMs,
  lastCheckAt,
  lastLatencyMs: 1,
  detail: "",
});
const downSince = (sinceMs: number, lastCheckAt: number): Observation => ({
  status: "down",
  sinceMs,
  lastCheckAt,
  lastLatencyMs: 0,
  detail: "connection refused",
});
const UP: Announced = { status: "up", sinceMs: 0 };
const DOWN: Announced = { status: "down", sinceMs: 0 };

const plan = (over: Partial<NextCheckInput> & Pick<NextCheckInput, "observation">): number =>
  nextCheckAt({
    now: over.observation.lastCheckAt ?? 0,
    lastCheckAt: over.observation.lastCheckAt,
    effectiveIntervalMs: 10_000,
    subscriptions: [],
    outages: [],
    ...over,
  });

describe("nextCheckAt", () => {
  it("is now for a service never checked", () => {
    expect(nextCheckAt({
      now: 1234,
      lastCheckAt: undefined,
      effectiveIntervalMs: 30_000,
      observation: UNOBSERVED,
      subscriptions: [{ announced: NOTHING_ANNOUNCED, gracePeriodMs: 0 }],
      outages: [],
    })).toBe(1234);
  });

  it("is the last check plus the effective interval", () => {
    expect(plan({ observation: upSince(0, 50_000) })).toBe(60_000);
    expect(plan({ observation: upSince(0, 50_000), subscriptions: [{ announced: UP, gracePeriodMs: 0 }] }))
      .toBe(60_000);
  });

  it("re-plans from the last check when the interval changes", () => {
    const observation = upSince(0, 50_000);
    expect(plan({ observation, now: 52_000, effectiveIntervalMs: 5_000 })).toBe(55_000);
    expect(plan({ observation, now: 52_000, effectiveIntervalMs: 60_000 })).toBe(110_000);
  });

  it("is now when the re-planned time has passed", () => {
    expect(plan({ observation: upSince(0, 50_000), now: 58_000, effectiveIntervalMs: 5_000 })).toBe(58_000);
    expect(plan({ observation: upSince(0, 50_000), now: 90_000 })).toBe(90_000);
  });

  it("is pulled earlier by a pending grace deadline (rule 3)", () => {
    expect(
      plan({ observation: downSince(50_000, 50_000), subscriptions: [{ announced: UP, gracePeriodMs: 3_000 }] }),
    ).toBe(53_000);
  });

  it("takes the earliest of several deadlines", () => {
    expect(
      plan({
        observation: downSince(50_000, 50_000),
        subscriptions: [
          { announced: UP, gracePeriodMs: 7_000 },
          { announced: NOTHING_ANNOUNCED, gracePeriodMs: 4_000 },
          { announced: UP, gracePeriodMs: 60_000 },
        ],
      }),
    ).toBe(54_000);
  });

  it("skips deadlines already announced, passed, or later than the regular check", () => {
    const observation = downSince(40_000, 50_000);
    // Already announced DOWN.
    expect(plan({ observation, subscriptions: [{ announced: DOWN, gracePeriodMs: 12_000 }] })).toBe(60_000);
    // Deadline 45 s is not after the last check (50 s): that check already covered it.
    expect(plan({ observation, subscriptions: [{ announced: UP, gracePeriodMs: 5_000 }] })).toBe(60_000);
    // Deadline exactly at the last check.
    expect(plan({ observation, subscriptions: [{ announced: UP, gracePeriodMs: 10_000 }] })).toBe(60_000);
    // Deadline after the regular check.
    expect(plan({ observation, subscriptions: [{ announced: UP, gracePeriodMs: 25_000 }] })).toBe(60_000);
  });

  it("ignores grace periods while the service is up", () => {
    expect(plan({ observation: upSince(0, 50_000), subscriptions: [{ announced: DOWN, gracePeriodMs: 1_000 }] }))
      .toBe(60_000);
  });

  it("never plans a check within 1 s of the last one", () => {
    const observation = downSince(50_000, 50_000);
    expect(plan({ observation, subscriptions: [{ announced: UP, gracePeriodMs: 200 }] })).toBe(51_000);
    expect(plan({ observation, effectiveIntervalMs: 1_000, subscriptions: [{ announced: UP, gracePeriodMs: 200 }] }))
      .toBe(51_000);
    // Even a nonsensical interval below the floor.
    expect(plan({ observation: upSince(0, 50_000), effectiveIntervalMs: 10 })).toBe(51_000);
    // A deadline 1.4 s after the last check is kept as is.
    expect(plan({ observation, subscriptions: [{ announced: UP, gracePeriodMs: 1_400 }] })).toBe(51_400);
  });

  it("ignores deadlines inside a planned outage", () => {
    const observation = downSince(50_000, 50_000);
    const subscriptions = [{ announced: UP, gracePeriodMs: 3_000 }];
    expect(plan({ observation, subscriptions, outages: [{ startMs: 52_000, endMs: 54_000 }] })).toBe(60_000);
    // [start, end): a deadline at the window's end counts.
    expect(plan({ observation, subscriptions, outages: [{ startMs: 40_000, endMs: 53_000 }] })).toBe(53_000);
    // A window that has not started at the deadline, or has ended, does not matter.
    expect(plan({ observation, subscriptions, outages: [{ startMs: 53_001, endMs: 70_000 }] })).toBe(53_000);
    expect(plan({ observation, subscriptions, outages: [{ startMs: 0, endMs: 1_000 }] })).toBe(53_000);
  });

  it("still plans the regular check during an outage", () => {
    expect(plan({ observation: upSince(0, 50_000), outages: [{ startMs: 0, endMs: 1e9 }] })).toBe(60_000);
  });
});

describe("startupOffsetMs", () => {
  it("is stable for an id and interval", () => {
    expect(startupOffsetMs("svc-42", 30_000)).toBe(startupOffsetMs("svc-42", 30_000));
    // Pinned: the hash must not change between releases (the spread would move).
    expect(startupOffsetMs("", 0x1_0000_0000)).toBe(2872998923);
    expect(startupOffsetMs("a", 0x1_0000_0000)).toBe(444641715);
  });

  it("is within [0, interval)", () => {
    for (let i = 0; i < 500; i++) {
      for (const interval of [1, 2, 999, 1000, 1000.7, 30_000, 86_400_000]) {
        const o = startupOffsetMs(`service-${i}`, interval);
        expect(Number.isInteger(o)).toBe(true);
        expect(o).toBeGreaterThanOrEqual(0);
        expect(o).toBeLessThan(interval);
      }
    }
  });

  it("is 0 for an interval below 1 ms", () => {
    expect(startupOffsetMs("x", 0)).toBe(0);
    expect(startupOffsetMs("x", 0.5)).toBe(0);
    expect(startupOffsetMs("x", -5)).toBe(0);
    expect(startupOffsetMs("x", Number.NaN)).toBe(0);
  });

  it("spreads similar ids evenly over the interval", () => {
    const buckets = new Array<number>(10).fill(0);
    const n = 10_000;
    for (let i = 0; i < n; i++) {
      buckets[Math.floor(startupOffsetMs(`svc-${i}`, 30_000) / 3_000)]! += 1;
    }
    for (const count of buckets) {
      expect(count).toBeGreaterThan(n / 10 * 0.8);
      expect(count).toBeLessThan(n / 10 * 1.2);
    }
    const distinct = new Set(Array.from({ length: n }, (_, i) => startupOffsetMs(`svc-${i}`, 30_000)));
    expect(distinct.size).toBeGreaterThan(n * 0.7);
  });
});
