import { describe, expect, it } from "vitest";
import { flatWithin } from "../../bench/soak/flat-within.js";
import { createSequenceCheck } from "../../bench/soak/sequence-check.js";

describe("flatWithin", () => {
  it("compares the last quarter's median with the first's, after the warm-up", () => {
    // 20 samples: the 10 % warm-up (the two 500s) dropped, then quarters of 4 of the 18 left.
    const values = [500, 500, 100, 99, 101, 100, 103, 104, 105, 104, 106, 105, 107, 106, 108, 108, 109, 110, 108, 109];
    const flat = flatWithin(values, 0.1);
    expect(flat).toMatchObject({ firstQuarterMedian: 100, lastQuarterMedian: 109, flat: true });
    expect((flat as { change: number }).change).toBeCloseTo(0.09);
    expect(flatWithin(values, 0.05)).toMatchObject({ flat: false });
  });

  it("flags growth and shrinkage alike", () => {
    const growing = Array.from({ length: 40 }, (_, i) => 100 + i * 2);
    const shrinking = [...growing].reverse();
    expect(flatWithin(growing, 0.1)).toMatchObject({ flat: false });
    expect(flatWithin(shrinking, 0.1)).toMatchObject({ flat: false });
  });

  it("says why when there are too few samples", () => {
    expect(flatWithin([1, 2, 3], 0.1)).toEqual({ error: "2 samples after the warm-up; at least 8 are needed" });
  });
});

describe("createSequenceCheck", () => {
  it("accepts 1, 2, 3 in order and counts gaps and repeats", () => {
    const check = createSequenceCheck();
    expect(check.accept(1n, "a")).toBe("next");
    expect(check.accept(2n, "b")).toBe("next");
    expect(check.accept(2n, "b")).toBe("repeat");
    expect(check.accept(4n, "d")).toBe("gap");
    expect(check.accept(5n, "e")).toBe("next");
    expect({ last: check.last, gaps: check.gaps, repeats: check.repeats }).toEqual({ last: 5n, gaps: 1, repeats: 1 });
    expect([...check.digests.keys()]).toEqual([1n, 2n, 4n, 5n]);
  });

  it("counts a first event after 1 as a gap", () => {
    const check = createSequenceCheck();
    expect(check.accept(2n, "b")).toBe("gap");
  });
});
