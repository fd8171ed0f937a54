import type { Duration, Timestamp } from "@bufbuild/protobuf/wkt";
import { durationMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { checkMs, checkTimeMs, type MsRange } from "../domain/field-rules.js";
import { invalidArgument } from "../domain/monitor-error.js";

/**
 * Request checks shared by the handlers. The rules on plain values live in
 * domain/field-rules.ts (the config file and the store check use them too)
 * and are re-exported here, so handlers import every check from one place;
 * this file adds only the wrappers for protobuf's Duration and Timestamp.
 * Each throws an invalid_argument MonitorError whose message starts with the
 * field's name; none of them touches the registry.
 */

export {
  DEFAULTS,
  LIMITS,
  checkCallerId,
  checkCallerRef,
  checkHost,
  checkOptionalId,
  checkOutageId,
  checkPort,
  checkRequiredId,
  checkServiceId,
  checkText,
} from "../domain/field-rules.js";

/** A duration within [min, max], in whole milliseconds; `fallback` when unset. */
export function checkDuration(
  value: Duration | undefined,
  field: string,
  range: MsRange,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (value.nanos < -999_999_999 || value.nanos > 999_999_999) {
    throw invalidArgument(field, "nanos must be within ±999,999,999");
  }
  return checkMs(Math.round(durationMs(value)), field, range);
}

export function checkRequiredTime(value: Timestamp | undefined, field: string): number {
  if (value === undefined) throw invalidArgument(field, "is required");
  const ms = timestampMs(value);
  if (!Number.isFinite(ms)) throw invalidArgument(field, "is not a valid time");
  return ms;
}

/**
 * An optional Timestamp as epoch ms (undefined when unset). Out-of-range
 * nanos or a time no Date can hold are refused, naming the field, rather
 * than read as NaN further down.
 */
export function checkOptionalTime(value: Timestamp | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (value.nanos < 0 || value.nanos > 999_999_999) throw invalidArgument(field, "nanos must be within 0..999,999,999");
  return checkTimeMs(timestampMs(value), field);
}
