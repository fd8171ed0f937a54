import { type Duration, type Timestamp, durationMs } from "@bufbuild/protobuf/wkt";
import { DEFAULTS, LIMITS, formatMs } from "../domain/field-rules.js";
import { invalidArgument } from "../domain/monitor-error.js";
import type { Millis } from "../domain/types.js";
import { checkOptionalTime } from "./validate.js";

/** `window` in ms. Its own message: "between 60s and 17520h" would be exact but unreadable. */
function checkWindow(window: Duration): number {
  if (window.nanos < -999_999_999 || window.nanos > 999_999_999) {
    throw invalidArgument("window", "nanos must be within ±999,999,999");
  }
  const ms = Math.round(durationMs(window));
  const { minMs, maxMs } = LIMITS.statsWindow;
  if (ms < minMs || ms > maxMs) {
    throw invalidArgument("window", `must be between 1 minute and 2 years (730 days), got ${formatMs(ms)}`);
  }
  return ms;
}

/**
 * GetServiceStats' window [startMs, endMs): `window` ending now, or
 * start_time up to end_time (unset: now), or the last 24 hours when none is
 * given. An end in the future is read as now: the stats are as of now, and
 * say what they cover. A start older than two years is accepted (the stats
 * cover what is kept); only `window` has a limit. Throws invalid_argument
 * naming the field.
 */
export function checkStatsWindow(
  req: { readonly window?: Duration | undefined; readonly startTime?: Timestamp | undefined; readonly endTime?: Timestamp | undefined },
  now: Millis,
): { readonly startMs: Millis; readonly endMs: Millis } {
  const windowMs = req.window === undefined ? undefined : checkWindow(req.window);
  const startMs = checkOptionalTime(req.startTime, "start_time");
  const endMs = checkOptionalTime(req.endTime, "end_time");
  if (windowMs !== undefined && (startMs !== undefined || endMs !== undefined)) {
    throw invalidArgument("window", `give either window or start_time and end_time, not both`);
  }
  if (startMs === undefined) {
    if (endMs !== undefined) throw invalidArgument("end_time", "needs start_time (or give window instead)");
    return { startMs: now - (windowMs ?? DEFAULTS.statsWindowMs), endMs: now };
  }
  if (endMs !== undefined && endMs <= startMs) throw invalidArgument("end_time", "must be after start_time");
  if (startMs >= now) throw invalidArgument("start_time", "must be in the past");
  return { startMs, endMs: Math.min(endMs ?? now, now) };
}
