import { create } from "@bufbuild/protobuf";
import { DurationSchema, TimestampSchema, type Duration, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { describeValue } from "./describe-value.js";
import type { DurationInput, TimestampInput } from "./relaxed-init.js";
import { splitMillis } from "./split-millis.js";

/** The largest span a google.protobuf.Duration may hold: 10,000 years. */
const MAX_DURATION_MS = 315_576_000_000_000;
/** google.protobuf.Timestamp's range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z. */
const MIN_TIMESTAMP_MS = -62_135_596_800_000;
const MAX_TIMESTAMP_MS = 253_402_300_800_000;

function invalid(field: string, message: string): ConnectError {
  return new ConnectError(`${field}: ${message}`, Code.InvalidArgument);
}

/**
 * A Duration field's value from milliseconds; a message or init object passes
 * through for `create()` to check. Spans in this API are never negative, so a
 * negative number is refused here rather than by the server.
 *
 * @throws ConnectError (INVALID_ARGUMENT) naming `field` for NaN, ±Infinity,
 *   a negative number, more than 10,000 years, or a value of another type.
 */
export function durationFromInput(value: DurationInput | undefined, field: string): Duration | DurationInput | undefined {
  if (value === undefined || (typeof value === "object" && value !== null && !(value instanceof Date))) return value;
  if (typeof value !== "number") {
    throw invalid(field, `expected milliseconds (a number) or a google.protobuf.Duration, got ${describeValue(value)}`);
  }
  if (!Number.isFinite(value) || value < 0 || value > MAX_DURATION_MS) {
    throw invalid(field, `expected milliseconds from 0 to ${MAX_DURATION_MS}, got ${describeValue(value)}`);
  }
  return create(DurationSchema, splitMillis(value));
}

/**
 * A Timestamp field's value from a Date or epoch milliseconds; a message or
 * init object passes through for `create()` to check.
 *
 * @throws ConnectError (INVALID_ARGUMENT) naming `field` for an invalid Date,
 *   NaN, ±Infinity, a time outside years 1-9999, or a value of another type.
 */
export function timestampFromInput(value: TimestampInput | undefined, field: string): Timestamp | TimestampInput | undefined {
  if (value === undefined) return value;
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms === "object" && ms !== null) return ms;
  if (typeof ms !== "number") {
    throw invalid(field, `expected a Date, epoch milliseconds (a number) or a google.protobuf.Timestamp, got ${describeValue(ms)}`);
  }
  if (!Number.isFinite(ms) || ms < MIN_TIMESTAMP_MS || ms >= MAX_TIMESTAMP_MS) {
    const got = value instanceof Date ? "an invalid Date" : describeValue(ms);
    throw invalid(field, `expected a time between years 1 and 9999, got ${got}`);
  }
  return create(TimestampSchema, splitMillis(ms));
}
