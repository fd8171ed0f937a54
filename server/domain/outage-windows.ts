/**
 * Planned outages as time windows (docs/architecture.md, notification rule 4).
 *
 * Announcements stop while now is inside any of a service's outages and every
 * subscription is reconciled when a window ends, so the engine needs to ask
 * "are we inside one?" and "when does that answer next change?".
 */
import type { Millis, PlannedOutage } from "./types.js";

/**
 * The part of a {@link PlannedOutage} the rules look at: the window
 * [startMs, endMs). Taking only this lets tests and callers pass bare windows.
 */
export type OutageWindow = Pick<PlannedOutage, "startMs" | "endMs">;

/**
 * Whether `now` lies inside any of the windows [startMs, endMs): the moment a
 * window starts is inside it, the moment it ends is not. Windows may overlap;
 * ended or future ones simply do not match. Pass one service's outages only.
 */
export function isInOutage(outages: Iterable<OutageWindow>, now: Millis): boolean {
  for (const o of outages) {
    if (o.startMs <= now && now < o.endMs) return true;
  }
  return false;
}

/**
 * The first window start or end strictly after `now`, or undefined if none is
 * left. It exists so the engine can wake up when a window ends and reconcile
 * (rule 4) without polling. With overlapping windows an end may fall inside
 * another window; reconciling there is harmless (nothing is announced while
 * {@link isInOutage} holds), and the later end is the next boundary.
 */
export function nextOutageBoundary(
  outages: Iterable<OutageWindow>,
  now: Millis,
): Millis | undefined {
  let next: Millis | undefined;
  for (const o of outages) {
    for (const t of [o.startMs, o.endMs]) {
      if (t > now && (next === undefined || t < next)) next = t;
    }
  }
  return next;
}
