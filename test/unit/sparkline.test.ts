import { describe, expect, it } from "vitest";
import { MAX_SPARKLINE_COLUMNS, narrowSeries, sparkline } from "../../sdk/cli/sparkline.js";

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

describe("narrowSeries", () => {
  it("joins neighbours into at most the columns asked, each the worst of its values", () => {
    const values = [1, 1, 0.5, 1, undefined, undefined, 1];
    expect(narrowSeries(values, 3, Math.min)).toEqual({ values: [0.5, 1, 1], perColumn: 3 });
    expect(narrowSeries([2, 9, 3, undefined], 2, Math.max)).toEqual({ values: [9, 3], perColumn: 2 });
    // All missing stays missing: no data is not a low bar.
    expect(narrowSeries([undefined, undefined, 1, 1], 2, Math.min).values).toEqual([undefined, 1]);
  });

  it("leaves a series that fits alone, and keeps a week of hours within the terminal's width", () => {
    expect(narrowSeries([1, undefined, 0], 60, Math.min)).toEqual({ values: [1, undefined, 0], perColumn: 1 });
    const week = Array.from({ length: 168 }, (_, i) => (i === 100 ? 0.9 : 1));
    const narrowed = narrowSeries(week, MAX_SPARKLINE_COLUMNS, Math.min);
    expect(narrowed.values.length).toBeLessThanOrEqual(MAX_SPARKLINE_COLUMNS);
    // The one bad hour still shows.
    expect(Math.min(...narrowed.values.filter((v): v is number => v !== undefined))).toBe(0.9);
  });
});
