/**
 * Time-based availability (issue 11): how long a service was up and down
 * inside a window, with planned outages and paused time left out, as an SLA
 * report counts them. A check's result stands from its start until the next
 * check's start (the monitor knows nothing better in between), so a history
 * of results is a sequence of spans; a rollup bucket or a stats window is
 * the sum of those spans' overlaps with it, minus the excluded windows.
 *
 * Pure functions on epoch milliseconds. Windows are half-open [startMs, endMs).
 */
import type { Millis } from "./types.js";

export interface TimeWindow {
  readonly startMs: Millis;
  readonly endMs: Millis;
}

/** One result and how long it stood. */
export interface StatusSpan extends TimeWindow {
  readonly status: "up" | "down";
}

export interface StatusDurations {
  readonly upMs: number;
  readonly downMs: number;
  /** Inside a planned outage or paused: counted in neither. */
  readonly excludedMs: number;
  /** Covered by no span (before the first check, or a gap in the history). */
  readonly unknownMs: number;
}

/**
 * Up / down / excluded / unknown time inside `window`. `spans` must be in
 * time order and not overlap (a history's results are); `excluded` may be
 * in any order and overlap one another.
 */
export function statusDurations(spans: readonly StatusSpan[], excluded: readonly TimeWindow[], window: TimeWindow): StatusDurations {
  const length = Math.max(0, window.endMs - window.startMs);
  const gaps = mergeWindows(excluded.map((w) => clip(w, window)).filter(nonEmpty));
  const excludedMs = gaps.reduce((sum, w) => sum + (w.endMs - w.startMs), 0);
  let upMs = 0;
  let downMs = 0;
  for (const span of spans) {
    const inside = clip(span, window);
    if (!nonEmpty(inside)) continue;
    const counted = inside.endMs - inside.startMs - overlapMs(inside, gaps);
    if (span.status === "up") upMs += counted;
    else downMs += counted;
  }
  return { upMs, downMs, excludedMs, unknownMs: Math.max(0, length - excludedMs - upMs - downMs) };
}

/** upMs / (upMs + downMs); undefined when nothing was known outside excluded time. */
export function availabilityOf(d: Pick<StatusDurations, "upMs" | "downMs">): number | undefined {
  const known = d.upMs + d.downMs;
  return known === 0 ? undefined : d.upMs / known;
}

/** Spans from results in start order: each stands until the next starts; the last until `untilMs`. */
export function spansOf(results: readonly { readonly at: Millis; readonly status: "up" | "down" }[], untilMs: Millis): StatusSpan[] {
  const spans: StatusSpan[] = [];
  for (let i = 0; i < results.length; i++) {
    const { at, status } = results[i]!;
    const endMs = i + 1 < results.length ? results[i + 1]!.at : Math.max(at, untilMs);
    if (endMs > at) spans.push({ startMs: at, endMs, status });
  }
  return spans;
}

function clip(w: TimeWindow, to: TimeWindow): TimeWindow {
  return { startMs: Math.max(w.startMs, to.startMs), endMs: Math.min(w.endMs, to.endMs) };
}

function nonEmpty(w: TimeWindow): boolean {
  return w.endMs > w.startMs;
}

/** Sorted, non-overlapping, adjacent ones joined. */
function mergeWindows(windows: readonly TimeWindow[]): TimeWindow[] {
  const sorted = [...windows].sort((a, b) => a.startMs - b.startMs);
  const merged: { startMs: Millis; endMs: Millis }[] = [];
  for (const w of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && w.startMs <= last.endMs) last.endMs = Math.max(last.endMs, w.endMs);
    else merged.push({ startMs: w.startMs, endMs: w.endMs });
  }
  return merged;
}

/** How much of `w` the merged windows cover. */
function overlapMs(w: TimeWindow, merged: readonly TimeWindow[]): number {
  let sum = 0;
  for (const g of merged) {
    if (g.startMs >= w.endMs) break;
    const o = clip(g, w);
    if (nonEmpty(o)) sum += o.endMs - o.startMs;
  }
  return sum;
}
