import { describe, expect, it } from "vitest";
import { RESOLUTION_MS, type RollupResolution } from "../../server/domain/history-types.js";
import { chartPointStart, chartResolutionFor, coverWindow, MAX_CHART_POINTS, type RollupRetentionBounds } from "../../server/domain/stats-window.js";
import { prng } from "../support/prng.js";

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
// A Tuesday, 13:27:41.250 UTC: on no boundary of any resolution.
const NOW = Date.UTC(2026, 11, 1, 13, 27, 41, 250);
const DEFAULT_KEPT: RollupRetentionBounds = { minuteKeptFromMs: NOW - 48 * HOUR, hourKeptFromMs: NOW - 90 * DAY };

const floorTo = (at: number, width: number) => Math.floor(at / width) * width;
const ceilTo = (at: number, width: number) => Math.ceil(at / width) * width;
const points = (startMs: number, endMs: number, widthMs: number) => Math.floor((endMs - 1) / widthMs) - Math.floor(startMs / widthMs) + 1;
const ORDER: Record<RollupResolution, number> = { minute: 0, hour: 1, day: 2 };

describe("chartResolutionFor", () => {
  it("draws a point per rollup bucket up to 200 of them, and at most 200 of several days beyond", () => {
    const cases: [number, RollupResolution, number][] = [
      [10 * MIN, "minute", MIN],
      [HOUR, "minute", MIN],
      [3 * HOUR, "minute", MIN],
      [4 * HOUR, "hour", HOUR],
      [24 * HOUR, "hour", HOUR],
      [7 * DAY, "hour", HOUR],
      [9 * DAY, "day", DAY],
      [30 * DAY, "day", DAY],
      [90 * DAY, "day", DAY],
      [365 * DAY, "day", 2 * DAY],
      [730 * DAY, "day", 4 * DAY],
    ];
    for (const [length, resolution, widthMs] of cases) {
      const chart = chartResolutionFor(NOW - length, NOW);
      expect(chart, `window ${length / MIN} min`).toEqual({ resolution, widthMs });
      expect(points(NOW - length, NOW, widthMs)).toBeLessThanOrEqual(MAX_CHART_POINTS);
    }
  });

  it("is never finer than the finest resolution asked for", () => {
    expect(chartResolutionFor(NOW - HOUR, NOW, "hour")).toEqual({ resolution: "hour", widthMs: HOUR });
    expect(chartResolutionFor(NOW - HOUR, NOW, "day")).toEqual({ resolution: "day", widthMs: DAY });
  });

  it("keeps to 200 points past the widest nice width", () => {
    const chart = chartResolutionFor(0, 20_000 * DAY);
    expect(chart.resolution).toBe("day");
    expect(chart.widthMs % DAY).toBe(0);
    expect(points(0, 20_000 * DAY, chart.widthMs)).toBeLessThanOrEqual(MAX_CHART_POINTS + 1);
  });

  it("puts each instant in the point that starts at its multiple of the width", () => {
    expect(chartPointStart({ resolution: "minute", widthMs: 10 * MIN }, NOW)).toBe(Date.UTC(2026, 11, 1, 13, 20));
    expect(chartPointStart({ resolution: "day", widthMs: DAY }, NOW)).toBe(Date.UTC(2026, 11, 1));
  });
});

describe("coverWindow", () => {
  it("covers a few hours ending now with minutes, exact to the minute at the start and to now at the end", () => {
    const cover = coverWindow({ startMs: NOW - 3 * HOUR, endMs: NOW }, NOW, DEFAULT_KEPT);
    expect(cover.startMs).toBe(floorTo(NOW - 3 * HOUR, MIN));
    expect(cover.endMs).toBe(NOW);
    expect(cover.chart).toEqual({ resolution: "minute", widthMs: MIN });
    // The last range reaches the end of the minute holding now, so that bucket is read.
    expect(cover.ranges).toEqual([{ resolution: "minute", startMs: floorTo(NOW - 3 * HOUR, MIN), endMs: ceilTo(NOW, MIN) }]);
  });

  it("covers a day with hours, and minutes at both edges", () => {
    const cover = coverWindow({ startMs: NOW - DAY, endMs: NOW }, NOW, DEFAULT_KEPT);
    expect(cover).toMatchObject({ startMs: floorTo(NOW - DAY, MIN), endMs: NOW, chart: { resolution: "hour", widthMs: HOUR } });
    expect(cover.ranges).toEqual([
      { resolution: "minute", startMs: floorTo(NOW - DAY, MIN), endMs: ceilTo(NOW - DAY, HOUR) },
      { resolution: "hour", startMs: ceilTo(NOW - DAY, HOUR), endMs: floorTo(NOW, HOUR) },
      { resolution: "minute", startMs: floorTo(NOW, HOUR), endMs: ceilTo(NOW, MIN) },
    ]);
  });

  it("covers 30 days with days, rounding the start to the hour where minutes are gone", () => {
    const cover = coverWindow({ startMs: NOW - 30 * DAY, endMs: NOW }, NOW, DEFAULT_KEPT);
    expect(cover.startMs).toBe(floorTo(NOW - 30 * DAY, HOUR));
    expect(cover.endMs).toBe(NOW);
    expect(cover.chart).toEqual({ resolution: "day", widthMs: DAY });
    expect(cover.ranges).toEqual([
      { resolution: "hour", startMs: floorTo(NOW - 30 * DAY, HOUR), endMs: ceilTo(NOW - 30 * DAY, DAY) },
      { resolution: "day", startMs: ceilTo(NOW - 30 * DAY, DAY), endMs: floorTo(NOW, DAY) },
      { resolution: "hour", startMs: floorTo(NOW, DAY), endMs: floorTo(NOW, HOUR) },
      { resolution: "minute", startMs: floorTo(NOW, HOUR), endMs: ceilTo(NOW, MIN) },
    ]);
  });

  it("covers two years with days, then hours and minutes since the last whole day", () => {
    const cover = coverWindow({ startMs: NOW - 730 * DAY, endMs: NOW }, NOW, DEFAULT_KEPT);
    expect(cover.startMs).toBe(floorTo(NOW - 730 * DAY, DAY));
    expect(cover.ranges).toEqual([
      { resolution: "day", startMs: floorTo(NOW - 730 * DAY, DAY), endMs: floorTo(NOW, DAY) },
      { resolution: "hour", startMs: floorTo(NOW, DAY), endMs: floorTo(NOW, HOUR) },
      { resolution: "minute", startMs: floorTo(NOW, HOUR), endMs: ceilTo(NOW, MIN) },
    ]);
  });

  it("uses finer buckets at both edges, exact to the minute, where minute rollups are still kept", () => {
    const kept = { minuteKeptFromMs: NOW - 30 * DAY, hourKeptFromMs: NOW - 90 * DAY };
    const cover = coverWindow({ startMs: NOW - 5 * DAY, endMs: NOW }, NOW, kept);
    expect(cover.chart).toEqual({ resolution: "hour", widthMs: HOUR });
    expect(cover.ranges).toEqual([
      { resolution: "minute", startMs: floorTo(NOW - 5 * DAY, MIN), endMs: ceilTo(NOW - 5 * DAY, HOUR) },
      { resolution: "hour", startMs: ceilTo(NOW - 5 * DAY, HOUR), endMs: floorTo(NOW, HOUR) },
      { resolution: "minute", startMs: floorTo(NOW, HOUR), endMs: ceilTo(NOW, MIN) },
    ]);
  });

  it("draws a window older than minute retention in hours and covers it with whole hours", () => {
    const start = NOW - 3 * DAY;
    const cover = coverWindow({ startMs: start, endMs: start + HOUR }, NOW, DEFAULT_KEPT);
    expect(cover.chart).toEqual({ resolution: "hour", widthMs: HOUR });
    expect(cover).toMatchObject({ startMs: floorTo(start, HOUR), endMs: ceilTo(start + HOUR, HOUR) });
    expect(cover.ranges).toEqual([{ resolution: "hour", startMs: floorTo(start, HOUR), endMs: ceilTo(start + HOUR, HOUR) }]);
  });

  it("rounds a past window's end up to the minute, and takes an end past now as now", () => {
    const cover = coverWindow({ startMs: NOW - 2 * HOUR - 30_000, endMs: NOW - HOUR - 30_000 }, NOW, DEFAULT_KEPT);
    expect(cover).toMatchObject({ startMs: floorTo(NOW - 2 * HOUR - 30_000, MIN), endMs: ceilTo(NOW - HOUR - 30_000, MIN) });
    expect(coverWindow({ startMs: NOW - HOUR, endMs: NOW + HOUR }, NOW, DEFAULT_KEPT).endMs).toBe(NOW);
  });

  it("covers nothing for an empty window", () => {
    expect(coverWindow({ startMs: NOW, endMs: NOW }, NOW, DEFAULT_KEPT)).toMatchObject({ startMs: NOW, endMs: NOW, ranges: [] });
    expect(coverWindow({ startMs: NOW - MIN, endMs: NOW - 2 * MIN }, NOW, DEFAULT_KEPT).ranges).toEqual([]);
  });

  it("always tiles the window with kept, aligned buckets no coarser than the chart's, at most a bucket too wide", () => {
    const next = prng(11);
    for (let i = 0; i < 2_000; i++) {
      const startMs = NOW - Math.floor(next() * 800 * DAY);
      const endMs = startMs + 1 + Math.floor(next() * (NOW - startMs + HOUR));
      const minuteKeptFromMs = NOW - Math.floor(next() * 10 * DAY);
      const kept = { minuteKeptFromMs, hourKeptFromMs: minuteKeptFromMs - Math.floor(next() * 200 * DAY) };
      const cover = coverWindow({ startMs, endMs }, NOW, kept);
      const label = JSON.stringify({ startMs, endMs, kept });
      const effectiveEnd = Math.min(endMs, NOW);
      expect(cover.ranges.length, label).toBeGreaterThan(0);
      expect(cover.startMs, label).toBe(cover.ranges[0]!.startMs);
      expect(cover.startMs, label).toBeLessThanOrEqual(startMs);
      if (floorTo(startMs, MIN) >= minuteKeptFromMs) expect(cover.startMs, label).toBe(floorTo(startMs, MIN));
      const last = cover.ranges.at(-1)!;
      expect(cover.endMs, label).toBe(Math.min(last.endMs, NOW));
      expect(last.endMs, label).toBeGreaterThanOrEqual(effectiveEnd);
      expect(last.endMs - effectiveEnd, label).toBeLessThan(RESOLUTION_MS[last.resolution]);
      for (let j = 0; j < cover.ranges.length; j++) {
        const range = cover.ranges[j]!;
        const width = RESOLUTION_MS[range.resolution];
        if (j > 0) expect(range.startMs, label).toBe(cover.ranges[j - 1]!.endMs);
        expect(range.startMs % width, label).toBe(0);
        expect(range.endMs % width, label).toBe(0);
        expect(range.endMs, label).toBeGreaterThan(range.startMs);
        expect(ORDER[range.resolution], label).toBeLessThanOrEqual(ORDER[cover.chart.resolution]);
        expect(cover.chart.widthMs % width, label).toBe(0);
        if (range.resolution === "minute") expect(range.startMs, label).toBeGreaterThanOrEqual(minuteKeptFromMs);
        if (range.resolution === "hour") expect(range.startMs, label).toBeGreaterThanOrEqual(kept.hourKeptFromMs);
      }
      expect(points(cover.startMs, cover.endMs, cover.chart.widthMs), label).toBeLessThanOrEqual(MAX_CHART_POINTS);
    }
  });
});
