import { describe, expect, it } from "vitest";
import { sparkline } from "../../sdk/cli/sparkline.js";

describe("sparkline", () => {
  it("scales a series from its minimum (▁) to its maximum (█) and returns the range", () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toEqual({ line: "▁▂▃▄▅▆▇█", min: 0, max: 7 });
    expect(sparkline([10, 20, 15])).toEqual({ line: "▁█▅", min: 10, max: 20 });
  });

  it("shows a small dip among high values: the scale is the data's, not 0 to 1", () => {
    expect(sparkline([1, 1, 0.999, 1]).line).toBe("██▁█");
  });

  it("shows a bucket with no data as a space, not as a low bar", () => {
    expect(sparkline([1, undefined, 0.5, undefined])).toEqual({ line: "█ ▁ ", min: 0.5, max: 1 });
  });

  it("draws a flat series at full height", () => {
    expect(sparkline([0.42, 0.42, undefined, 0.42])).toEqual({ line: "██ █", min: 0.42, max: 0.42 });
  });

  it("scales to a given top when it is above the data, and returns the data's own range", () => {
    expect(sparkline([0, 0], { top: 1 })).toEqual({ line: "▁▁", min: 0, max: 0 });
    expect(sparkline([0.5, 1], { top: 1 })).toEqual({ line: "▁█", min: 0.5, max: 1 });
    expect(sparkline([0, 0.5], { top: 1 }).line).toBe("▁▅");
    expect(sparkline([1, 1], { top: 1 }).line).toBe("██");
    // A top below the data changes nothing.
    expect(sparkline([10, 20], { top: 1 }).line).toBe("▁█");
  });

  it("has no range when nothing is present, and one space per bucket", () => {
    expect(sparkline([undefined, undefined])).toEqual({ line: "  ", min: undefined, max: undefined });
    expect(sparkline([])).toEqual({ line: "", min: undefined, max: undefined });
  });

  it("rounds each value to the nearest of the eight heights", () => {
    // 0.5 of the range is 3.5 steps: rounds up to the fifth block; 7% is 0.49 steps, 8% 0.56.
    expect(sparkline([0, 50, 100, 7, 8, 92]).line).toBe("▁▅█▁▂▇");
  });
});
