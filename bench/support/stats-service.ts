import type { CheckRecord, StatusChangeRecord } from "../../server/domain/history-types.js";
import type { ExtraService } from "./history-feed.js";
import { MAX_SPAN_MS, syntheticServiceId } from "./synthetic-checks.js";

/**
 * The stats service of scenario 10: a TCP service checked every second
 * whose history has a known availability. Down for the first
 * `DOWN_SECONDS_PER_HOUR` checks of every UTC hour (xx:00:00 to xx:00:35),
 * up otherwise, each check at the whole second: over any whole hours,
 * availability is exactly 1 − 36/3600 = 0.99, with one incident an hour.
 */
export const STATS_SERVICE_ID = syntheticServiceId(9_999_999);
export const DOWN_SECONDS_PER_HOUR = 36;
export const SEEDED_AVAILABILITY = 1 - DOWN_SECONDS_PER_HOUR / 3600;

const downAt = (second: number): boolean => ((second % 3600) + 3600) % 3600 < DOWN_SECONDS_PER_HOUR;

export function statsServiceCheck(second: number): CheckRecord {
  const down = downAt(second);
  // 0.3–1.5 ms, varying with the second.
  const latencyMs = Math.round((0.3 + ((second * 2_654_435_761) >>> 0) / 2 ** 32 * 1.2) * 1000) / 1000;
  return {
    kind: "check",
    serviceId: STATS_SERVICE_ID,
    at: second * 1000,
    status: down ? "down" : "up",
    latencyMs,
    detail: down ? "connection refused" : "",
    inOutage: false,
    maxSpanMs: MAX_SPAN_MS,
  };
}

/** The change check `second` makes; `first` is the history's first second (its change is from unknown). */
export function statsServiceChange(second: number, first: number): StatusChangeRecord | undefined {
  const down = downAt(second);
  if (second !== first && down === downAt(second - 1)) return undefined;
  return {
    serviceId: STATS_SERVICE_ID,
    at: second * 1000,
    previous: second === first ? "unknown" : down ? "up" : "down",
    status: down ? "down" : "up",
    detail: down ? "connection refused" : "",
  };
}

/** The stats service continued live, fed beside the fleet while pages are walked. */
export function statsServiceFeed(firstSecond: number): ExtraService {
  return { check: statsServiceCheck, change: (second) => statsServiceChange(second, firstSecond) };
}
