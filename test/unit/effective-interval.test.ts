import { describe, expect, it } from "vitest";
import {
  effectiveIntervalMs,
  MIN_CHECK_SPACING_MS,
} from "../../server/domain/effective-interval.js";

describe("effectiveIntervalMs", () => {
  it("is the service's own interval when nobody subscribes", () => {
    expect(effectiveIntervalMs(30_000, [])).toBe(30_000);
  });

  it("is the shortest polling interval when a subscriber asks for faster", () => {
    expect(effectiveIntervalMs(30_000, [60_000, 10_000, 20_000])).toBe(10_000);
  });

  it("ignores polling intervals slower than the service's own", () => {
    expect(effectiveIntervalMs(30_000, [60_000, 45_000])).toBe(30_000);
  });

  it("does not change with the number of equal subscribers", () => {
    expect(effectiveIntervalMs(30_000, Array.from({ length: 1000 }, () => 5_000))).toBe(5_000);
  });

  it("is never below 1 s", () => {
    expect(MIN_CHECK_SPACING_MS).toBe(1000);
    expect(effectiveIntervalMs(30_000, [500])).toBe(1000);
    expect(effectiveIntervalMs(200, [])).toBe(1000);
    expect(effectiveIntervalMs(30_000, [1000])).toBe(1000);
    expect(effectiveIntervalMs(30_000, [1001])).toBe(1001);
  });

  it("accepts any iterable, read once", () => {
    function* intervals(): Generator<number> {
      yield 12_000;
      yield 8_000;
    }
    expect(effectiveIntervalMs(30_000, intervals())).toBe(8_000);
    expect(effectiveIntervalMs(30_000, new Set([7_000, 9_000]))).toBe(7_000);
  });
});
