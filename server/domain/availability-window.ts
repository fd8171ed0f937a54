/**
 * The recent history of one service that availability alerts are decided
 * on, kept in memory by the engine as checks arrive (never read back from
 * the database). Consecutive results of the same state that follow one
 * another without a gap are one run, so memory grows with status changes,
 * not with checks: a 24 h window of a 1 s service that never fails is one
 * entry.
 *
 * A result stands from its start until the next result, at most `maxSpanMs`
 * (twice the interval it was checked at, as in the rollups): beyond that the
 * monitor did not look and the time is unknown.
 */
import { statusDurations, type StatusDurations, type StatusSpan, type TimeWindow } from "./status-durations.js";
import type { Millis } from "./types.js";

/** What a result counts as: a check inside a planned outage (or a pause) is neither up nor down. */
export type WindowState = "up" | "down" | "excluded";

export interface WindowRun {
  readonly startMs: Millis;
  /** The start of the run's newest result. */
  lastAt: Millis;
  readonly state: WindowState;
  /** The newest result's longest standing. */
  maxSpanMs: number;
}

/** Runs in time order; mutated in place by addResult / trimBefore. */
export type AvailabilityWindow = WindowRun[];

/** Adds one result (results come in start order; an older one is ignored). */
export function addResult(window: AvailabilityWindow, at: Millis, state: WindowState, maxSpanMs: number): void {
  const last = window.at(-1);
  if (last !== undefined && at < last.lastAt) return;
  if (last !== undefined && last.state === state && at <= last.lastAt + last.maxSpanMs) {
    last.lastAt = at;
    last.maxSpanMs = maxSpanMs;
    return;
  }
  window.push({ startMs: at, lastAt: at, state, maxSpanMs });
}

/** Forgets runs that ended before `ms` (keeps the one standing at `ms`). */
export function trimBefore(window: AvailabilityWindow, ms: Millis): void {
  let drop = 0;
  while (drop + 1 < window.length && window[drop + 1]!.startMs <= ms) drop++;
  if (drop > 0) window.splice(0, drop);
}

/** Up / down / excluded / unknown time of `range` as the window's runs cover it, the newest standing until `nowMs`. */
export function windowDurations(window: AvailabilityWindow, range: TimeWindow, nowMs: Millis): StatusDurations {
  const spans: StatusSpan[] = [];
  const excluded: TimeWindow[] = [];
  for (let i = 0; i < window.length; i++) {
    const run = window[i]!;
    const next = window[i + 1];
    const endMs = Math.min(next === undefined ? nowMs : next.startMs, run.lastAt + run.maxSpanMs);
    if (endMs <= run.startMs) continue;
    if (run.state === "excluded") excluded.push({ startMs: run.startMs, endMs });
    else spans.push({ startMs: run.startMs, endMs, status: run.state });
  }
  return statusDurations(spans, excluded, range);
}
