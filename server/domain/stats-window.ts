/**
 * Which rollups answer a stats window (issue 11's GetServiceStats), and at
 * what resolution its chart is drawn.
 *
 * The chart: a point per rollup bucket — minutes for windows up to 200
 * minutes, hours up to 200 hours, days beyond — so each point is one stored
 * bucket read (what a stats call costs is the buckets it reads and merges:
 * drawing 24 h in ten-minute points would read 1,440 minute buckets instead
 * of about 110). Past 200 days, points of 2, 4, 7, 14 or 28 days keep the
 * series at most 200 long (the cost is the day buckets either way): two
 * years are 183 points of four days.
 *
 * The cover: the rollup buckets whose sum is the window. Whole buckets of the
 * chart resolution in the middle, finer ones at the edges, so the window is
 * exact to the minute wherever minute rollups are still kept; where they are
 * not (retention), the edge rounds outward to the hour, or the day. A bucket
 * older than its resolution's retention bound is never read, even if the
 * background retention job has not deleted it yet: it may be half deleted
 * among its neighbours. Cover buckets are never coarser than the chart
 * resolution, so each one falls inside one chart point.
 *
 * Pure: the clock and the retention bounds are arguments.
 */
import type { RollupRange } from "../store/history-store.js";
import { bucketStart, RESOLUTION_MS, type RollupResolution } from "./history-types.js";
import type { Millis } from "./types.js";

/** The most chart points any window is drawn with (counting the points it touches, partly covered ones at its edges too). */
export const MAX_CHART_POINTS = 200;

const MINUTE = RESOLUTION_MS.minute;
const HOUR = RESOLUTION_MS.hour;
const DAY = RESOLUTION_MS.day;

/** Chart widths, finest first; each is a multiple of its resolution's bucket. */
const CHART_WIDTHS: readonly { readonly resolution: RollupResolution; readonly widthMs: number }[] = [
  { resolution: "minute", widthMs: MINUTE },
  { resolution: "hour", widthMs: HOUR },
  ...[1, 2, 4, 7, 14, 28].map((n) => ({ resolution: "day" as const, widthMs: n * DAY })),
];

/** Finest first. */
const RESOLUTIONS: readonly RollupResolution[] = ["minute", "hour", "day"];

/** A chart's points: each [startMs, startMs + widthMs), startMs a multiple of widthMs. */
export interface ChartResolution {
  /** The coarsest rollup a point is built from. */
  readonly resolution: RollupResolution;
  readonly widthMs: number;
}

/**
 * What retention still keeps, as of now: minute buckets starting at or after
 * `minuteKeptFromMs`, hour buckets at or after `hourKeptFromMs`. Day buckets
 * are read wherever they are (nothing coarser could stand in for them).
 */
export interface RollupRetentionBounds {
  readonly minuteKeptFromMs: Millis;
  readonly hourKeptFromMs: Millis;
}

/** The rollups that answer a window. */
export interface WindowCover {
  /** The window covered: the asked one rounded outward to whole buckets, never past now. */
  readonly startMs: Millis;
  readonly endMs: Millis;
  readonly chart: ChartResolution;
  /** Contiguous and in time order; their union is [startMs, endMs) (the last may reach past now, to the bucket holding it). */
  readonly ranges: readonly RollupRange[];
}

/** The start of the chart point holding `at`. */
export function chartPointStart(chart: ChartResolution, at: Millis): Millis {
  return Math.floor(at / chart.widthMs) * chart.widthMs;
}

/**
 * The chart for [startMs, endMs): the finest width with at most
 * MAX_CHART_POINTS points over it, and no finer than `finest` (a window that
 * starts where minute rollups are gone cannot be drawn in minutes).
 */
export function chartResolutionFor(startMs: Millis, endMs: Millis, finest: RollupResolution = "minute"): ChartResolution {
  const floor = RESOLUTION_MS[finest];
  for (const chart of CHART_WIDTHS) {
    if (chart.widthMs < floor) continue;
    if (pointCount(startMs, endMs, chart.widthMs) <= MAX_CHART_POINTS) return chart;
  }
  // Longer than 200 × 28 days: whole days, as many as it takes.
  const days = Math.ceil(Math.max(0, endMs - startMs) / (MAX_CHART_POINTS - 1) / DAY);
  return { resolution: "day", widthMs: days * DAY };
}

/**
 * The cover of [window.startMs, window.endMs) as of `nowMs` (an end past now
 * is taken as now). An empty window covers nothing.
 */
export function coverWindow(window: { readonly startMs: Millis; readonly endMs: Millis }, nowMs: Millis, kept: RollupRetentionBounds): WindowCover {
  const endMs = Math.min(window.endMs, nowMs);
  const isKept = (resolution: RollupResolution, at: Millis): boolean =>
    resolution === "day" || at >= (resolution === "minute" ? kept.minuteKeptFromMs : kept.hourKeptFromMs);
  // The start rounds down to the finest resolution still kept there.
  const first = RESOLUTIONS.find((r) => isKept(r, bucketStart(r, window.startMs)))!;
  const chart = chartResolutionFor(window.startMs, endMs, first);
  if (endMs <= window.startMs) return { startMs: window.startMs, endMs: window.startMs, chart, ranges: [] };

  const usable = RESOLUTIONS.slice(0, RESOLUTIONS.indexOf(chart.resolution) + 1);
  const ranges: { resolution: RollupResolution; startMs: Millis; endMs: Millis }[] = [];
  let t = bucketStart(first, window.startMs);
  const coverStart = t;
  // Greedy, bucket by bucket: the coarsest usable bucket starting at t that
  // is kept and ends by the window's end; at the end, where none fits, the
  // finest kept one (rounding the end up). t is always aligned to the last
  // resolution used, which stays kept from then on, so one always exists.
  while (t < endMs) {
    const aligned = usable.filter((r) => t % RESOLUTION_MS[r] === 0 && isKept(r, t));
    const step = [...aligned].reverse().find((r) => t + RESOLUTION_MS[r] <= endMs) ?? aligned[0]!;
    const next = t + RESOLUTION_MS[step];
    const last = ranges.at(-1);
    if (last?.resolution === step) last.endMs = next;
    else ranges.push({ resolution: step, startMs: t, endMs: next });
    t = next;
  }
  return { startMs: coverStart, endMs: Math.min(t, nowMs), chart, ranges };
}

/** Points of width `widthMs` (epoch-aligned) that [startMs, endMs) touches. */
function pointCount(startMs: Millis, endMs: Millis, widthMs: number): number {
  if (endMs <= startMs) return 0;
  return Math.floor((endMs - 1) / widthMs) - Math.floor(startMs / widthMs) + 1;
}
