import { describe, expect, it } from "vitest";
import { reconnectDelayMs, RECONNECT_FIRST_MS, RECONNECT_MAX_MS } from "../../server/store/reconnect-backoff.js";
import { AVAILABLE, nextAvailability } from "../../server/store/store-availability.js";
import { storeDifference, type StoreMemory } from "../../server/store/store-difference.js";

describe("reconnectDelayMs", () => {
  it("doubles from 100 ms and stops at 5 s", () => {
    const mid = [0, 1, 2, 3, 4, 5, 6, 7, 20, 1_000].map((attempt) => reconnectDelayMs(attempt, 0.5));
    expect(mid).toEqual([100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000, 5_000, 5_000]);
  });

  it("jitters ±20 % within the bounds", () => {
    expect(reconnectDelayMs(3, 0)).toBe(640);
    expect(reconnectDelayMs(3, 0.999_999)).toBe(960);
    for (let attempt = 0; attempt < 12; attempt++) {
      for (const random of [0, 0.25, 0.75, 0.999]) {
        const delay = reconnectDelayMs(attempt, random);
        expect(delay).toBeGreaterThanOrEqual(RECONNECT_FIRST_MS);
        expect(delay).toBeLessThanOrEqual(RECONNECT_MAX_MS);
      }
    }
  });
});

describe("nextAvailability", () => {
  it("an outage starts at the first loss, counts failed attempts and ends on recovery", () => {
    let state = nextAvailability(AVAILABLE, { kind: "lost", reason: "connection ended" }, 1_000);
    expect(state).toEqual({ kind: "unavailable", sinceMs: 1_000, reason: "connection ended", attempts: 0 });
    state = nextAvailability(state, { kind: "attempt_failed", reason: "ECONNREFUSED" }, 1_100);
    state = nextAvailability(state, { kind: "lost", reason: "again" }, 1_200);
    state = nextAvailability(state, { kind: "attempt_failed", reason: "starting up" }, 1_300);
    expect(state).toEqual({ kind: "unavailable", sinceMs: 1_000, reason: "starting up", attempts: 2 });
    expect(nextAvailability(state, { kind: "recovered" }, 2_000)).toEqual(AVAILABLE);
  });

  it("a failed attempt while available changes nothing", () => {
    expect(nextAvailability(AVAILABLE, { kind: "attempt_failed", reason: "late" }, 5)).toBe(AVAILABLE);
  });
});

describe("storeDifference", () => {
  const memory: StoreMemory = {
    services: [],
    callers: [
      { id: "b", displayName: "B", createdAt: 2 },
      { id: "a", displayName: "A", createdAt: 1 },
    ],
    subscriptions: [],
    outages: [],
    sequences: [{ callerId: "a", lastSequence: 4 }],
  };

  it("matches the same rows in another order, with undefined members and zero counters", () => {
    const stored: StoreMemory = {
      ...memory,
      callers: [
        { id: "a", createdAt: 1, displayName: "A" },
        { id: "b", displayName: "B", createdAt: 2, ...({ note: undefined } as object) },
      ],
      sequences: [
        { callerId: "a", lastSequence: 4 },
        { callerId: "b", lastSequence: 0 },
      ],
    } as StoreMemory;
    expect(storeDifference(stored, memory)).toBeUndefined();
  });

  it("names a registry part or a caller's log that differs", () => {
    expect(storeDifference({ ...memory, callers: memory.callers.slice(1) }, memory)).toBe("callers: 1 stored, 2 in memory");
    expect(storeDifference({ ...memory, callers: [memory.callers[0]!, { id: "a", displayName: "changed", createdAt: 1 }] }, memory)).toBe(
      "callers: the stored rows differ from memory",
    );
    expect(storeDifference({ ...memory, sequences: [{ callerId: "a", lastSequence: 5 }] }, memory)).toBe(
      "caller a's event log: last sequence 5 stored, 4 in memory",
    );
  });
});
