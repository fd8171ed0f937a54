/**
 * Folding check results into what is known of a service.
 *
 * The notification rules need `down_since` (the start of the first failed
 * check of the current failure) and the UP `since`; both are "when the status
 * last changed", which only a fold over the results in order can know.
 */
import type { CheckResult, Observation } from "./types.js";

/**
 * What is known of a service before its first check: status "unknown"
 * (SERVICE_STATUS_UNSPECIFIED on the wire), never checked. It is the seed of
 * {@link observe}, so a service's first result always counts as a change.
 */
export const UNOBSERVED: Observation = {
  status: "unknown",
  sinceMs: 0,
  lastCheckAt: undefined,
  lastLatencyMs: 0,
  detail: "",
};

/**
 * The observation after one more check. A change of status starts a new
 * period (`sinceMs` = the check's start, so for "down" it is `down_since`); the
 * same status keeps its `sinceMs`, so a failure that goes on keeps the time it
 * began. The latest check's start, latency, detail and HTTP details are
 * recorded either way, so GetService shows the freshest reason ("connection
 * refused", "status 503 not in 200–399", ...).
 *
 * Results must be fed in the order the checks started (checks of one service
 * never overlap, so the engine gets them in that order).
 */
export function observe(previous: Observation, result: CheckResult): Observation {
  // A target-change note lasts through the first status period after the
  // change: the notification that period brings says why (UpdateService).
  const keepNote = previous.note !== undefined && (previous.status === "unknown" || previous.status === result.status);
  return {
    status: result.status,
    sinceMs: previous.status === result.status ? previous.sinceMs : result.at,
    lastCheckAt: result.at,
    lastLatencyMs: result.latencyMs,
    detail: result.detail,
    ...(result.http === undefined ? {} : { http: result.http }),
    ...(keepNote ? { note: previous.note } : {}),
  };
}
