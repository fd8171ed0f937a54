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
import type { StatusDurations, TimeWindow } from "./status-durations.js";
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

/**
 * Up / down / excluded / unknown time of `range` as the window's runs cover
 * it, the newest standing until `nowMs`. Runs never overlap (each ends where
 * the next starts, or earlier at its cap), so this is one pass of sums — it
 * runs for every check of a service whose subscribers have alert rules.
 */
export function windowDurations(window: AvailabilityWindow, range: TimeWindow, nowMs: Millis): StatusDurations {
  let upMs = 0;
  let downMs = 0;
  let excludedMs = 0;
  for (let i = 0; i < window.length; i++) {
    const run = window[i]!;
    const next = window[i + 1];
    const endMs = Math.min(next === undefined ? nowMs : next.startMs, run.lastAt + run.maxSpanMs, range.endMs);
    const startMs = Math.max(run.startMs, range.startMs);
    if (endMs <= startMs) continue;
    if (run.state === "up") upMs += endMs - startMs;
    else if (run.state === "down") downMs += endMs - startMs;
    else excludedMs += endMs - startMs;
  }
  const length = Math.max(0, range.endMs - range.startMs);
  return { upMs, downMs, excludedMs, unknownMs: Math.max(0, length - upMs - downMs - excludedMs) };
}
