import { describe, expect, it } from "vitest";
import { isInOutage, nextOutageBoundary } from "../../server/domain/outage-windows.js";
import type { PlannedOutage } from "../../server/domain/types.js";

const w = (startMs: number, endMs: number) => ({ startMs, endMs });

describe("isInOutage", () => {
  it("is false without outages", () => {
    expect(isInOutage([], 0)).toBe(false);
  });

  it("treats a window as [start, end)", () => {
    const outages = [w(100, 200)];
    expect(isInOutage(outages, 99)).toBe(false);
    expect(isInOutage(outages, 100)).toBe(true);
    expect(isInOutage(outages, 199)).toBe(true);
    expect(isInOutage(outages, 200)).toBe(false);
  });

  it("matches any of several, possibly overlapping, windows", () => {
    const outages = [w(100, 200), w(150, 300), w(500, 600)];
    expect(isInOutage(outages, 250)).toBe(true);
    expect(isInOutage(outages, 300)).toBe(false);
    expect(isInOutage(outages, 400)).toBe(false);
    expect(isInOutage(outages, 550)).toBe(true);
  });

  it("ignores ended and empty windows", () => {
    expect(isInOutage([w(0, 10), w(50, 50)], 50)).toBe(false);
    expect(isInOutage([w(0, 10)], 1_000)).toBe(false);
  });

  it("takes full PlannedOutage records", () => {
    const o: PlannedOutage = { id: "o1", serviceId: "s", startMs: 10, endMs: 20, reason: "upgrade" };
    expect(isInOutage([o], 15)).toBe(true);
  });
});

describe("nextOutageBoundary", () => {
  it("is undefined without outages or when all have ended", () => {
    expect(nextOutageBoundary([], 0)).toBeUndefined();
    expect(nextOutageBoundary([w(0, 10)], 10)).toBeUndefined();
    expect(nextOutageBoundary([w(0, 10)], 50)).toBeUndefined();
  });

  it("is the next start before a window, the end inside it", () => {
    const outages = [w(100, 200)];
    expect(nextOutageBoundary(outages, 0)).toBe(100);
    expect(nextOutageBoundary(outages, 100)).toBe(200);
    expect(nextOutageBoundary(outages, 150)).toBe(200);
  });

  it("is strictly after now", () => {
    expect(nextOutageBoundary([w(100, 200)], 99)).toBe(100);
    expect(nextOutageBoundary([w(100, 200)], 200)).toBeUndefined();
  });

  it("walks every start and end of overlapping windows in order", () => {
    const outages = [w(150, 300), w(100, 200), w(500, 600)];
    const seen: number[] = [];
    for (let t = nextOutageBoundary(outages, 0); t !== undefined; t = nextOutageBoundary(outages, t)) {
      seen.push(t);
    }
    expect(seen).toEqual([100, 150, 200, 300, 500, 600]);
  });
});
