import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { backoffDelay, checkBackoff, DEFAULT_BACKOFF } from "../../sdk/backoff.js";

const options = { initialMs: 100, maxMs: 5000, multiplier: 2 };

describe("backoffDelay (full jitter)", () => {
  it("spans [0, ceiling) with the ceiling growing by the multiplier per attempt", () => {
    const almostOne = () => 0.999_999;
    expect([0, 1, 2, 3, 4].map((attempt) => backoffDelay(attempt, options, almostOne))).toEqual([99, 199, 399, 799, 1599]);
    expect(backoffDelay(3, options, () => 0)).toBe(0);
    expect(backoffDelay(3, options, () => 0.5)).toBe(400);
  });

  it("caps the ceiling at maxMs, however many attempts failed", () => {
    expect(backoffDelay(6, options, () => 0.5)).toBe(2500);
    expect(backoffDelay(10_000, options, () => 0.5)).toBe(2500); // 2^10000 overflows to Infinity: still capped
  });

  it("honours another multiplier", () => {
    expect(backoffDelay(2, { initialMs: 100, maxMs: 10_000, multiplier: 3 }, () => 0.5)).toBe(450);
    expect(backoffDelay(5, { initialMs: 100, maxMs: 10_000, multiplier: 1 }, () => 0.5)).toBe(50);
  });
});

describe("checkBackoff", () => {
  it("defaults the multiplier to 2, and everything when no options are given", () => {
    expect(checkBackoff({ initialMs: 10, maxMs: 20 })).toEqual({ initialMs: 10, maxMs: 20, multiplier: 2 });
    expect(checkBackoff(undefined)).toEqual(DEFAULT_BACKOFF);
  });

  it.each([
    [{ initialMs: 0, maxMs: 10 }, "backoff.initialMs: must be a finite number > 0, got 0"],
    [{ initialMs: Number.NaN, maxMs: 10 }, "backoff.initialMs: must be a finite number > 0, got NaN"],
    [{ initialMs: 100, maxMs: 50 }, "backoff.maxMs: must be a finite number ≥ initialMs (100), got 50"],
    [{ initialMs: 100, maxMs: Infinity }, "backoff.maxMs: must be a finite number ≥ initialMs (100), got Infinity"],
    [{ initialMs: 100, maxMs: 500, multiplier: 0.5 }, "backoff.multiplier: must be a finite number ≥ 1, got 0.5"],
  ])("refuses %o", (bad, message) => {
    expect(() => checkBackoff(bad)).toThrow(expect.objectContaining({ code: Code.InvalidArgument, rawMessage: message }));
  });
});
