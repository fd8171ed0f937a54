import { isIP } from "node:net";
import type { Duration, Timestamp } from "@bufbuild/protobuf/wkt";
import { durationMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { invalidArgument } from "../domain/monitor-error.js";
import { quoteInput } from "../domain/quote-input.js";

/**
 * Request checks shared by the handlers. Each throws an invalid_argument
 * MonitorError whose message starts with the field's name, so a caller can
 * tell which of its inputs to fix; none of them touches the registry.
 * Lengths are checked first, and a message repeats an input only through
 * quoteInput, so a huge or hostile value costs no more than a small one.
 */

const SECOND = 1000;
const HOUR = 3600 * SECOND;

/** The documented limits (README, "Errors"). */
export const LIMITS = {
  interval: { minMs: SECOND, maxMs: 24 * HOUR },
  timeout: { minMs: 100, maxMs: 60 * SECOND },
  grace: { minMs: 0, maxMs: 24 * HOUR },
  hostLength: 253,
  displayNameLength: 256,
  reasonLength: 1024,
  callerIdLength: 128,
  /** Ours are "svc_" + 16 hex digits; the room is for ids a future store might make. */
  serviceIdLength: 128,
  outageIdLength: 256,
} as const;

export const DEFAULTS = {
  checkIntervalMs: 30 * SECOND,
  checkTimeoutMs: 2 * SECOND,
  gracePeriodMs: 0,
} as const;

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
const CALLER_ID = /^[A-Za-z0-9._:@-]+$/;

/** A hostname (RFC 1123) or an IP literal; IPv6 may come in brackets. Returns the host to store. */
export function checkHost(host: string, field = "host"): string {
  if (host === "") throw invalidArgument(field, "must not be empty");
  if (host.length > LIMITS.hostLength) {
    throw invalidArgument(field, `must be at most ${LIMITS.hostLength} characters, got ${host.length}`);
  }
  const unbracketed = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (isIP(unbracketed) !== 0) return unbracketed;
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  if (name !== "" && name.split(".").every((label) => LABEL.test(label))) return host.toLowerCase();
  throw invalidArgument(field, `${quoteInput(host)} is neither a valid hostname nor an IP address`);
}

export function checkPort(port: number, field = "port"): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw invalidArgument(field, `must be between 1 and 65535, got ${port}`);
  }
  return port;
}

/** An id to look up: non-empty and at most `maxLength` characters, checked before any lookup. */
export function checkRequiredId(value: string, field: string, maxLength: number): string {
  if (value === "") throw invalidArgument(field, "must not be empty");
  return checkText(value, field, maxLength);
}

/** An optional id filter ("" = no filter): at most `maxLength` characters. */
export function checkOptionalId(value: string, field: string, maxLength: number): string {
  return checkText(value, field, maxLength);
}

export const checkServiceId = (value: string, field = "service_id") =>
  checkRequiredId(value, field, LIMITS.serviceIdLength);

/** A caller id to look up; {@link checkCallerId} is the stricter rule for a new one. */
export const checkCallerRef = (value: string, field = "caller_id") =>
  checkRequiredId(value, field, LIMITS.callerIdLength);

export const checkOutageId = (value: string, field = "outage_id") =>
  checkRequiredId(value, field, LIMITS.outageIdLength);

/** A new caller's id: also limited to characters that are safe in a URL, a log line and a shell. */
export function checkCallerId(value: string, field = "caller_id"): string {
  checkCallerRef(value, field);
  if (!CALLER_ID.test(value)) {
    throw invalidArgument(field, "may contain only letters, digits and . _ : @ -");
  }
  return value;
}

export function checkText(value: string, field: string, maxLength: number): string {
  if (value.length > maxLength) {
    throw invalidArgument(field, `must be at most ${maxLength} characters, got ${value.length}`);
  }
  return value;
}

function formatMs(ms: number): string {
  const sign = ms < 0 ? "-" : "";
  const abs = Math.abs(ms);
  if (abs >= HOUR && abs % HOUR === 0) return `${sign}${abs / HOUR}h`;
  if (abs >= SECOND && abs % SECOND === 0) return `${sign}${abs / SECOND}s`;
  return `${sign}${abs}ms`;
}

/** A duration within [min, max], in whole milliseconds; `fallback` when unset. */
export function checkDuration(
  value: Duration | undefined,
  field: string,
  range: { readonly minMs: number; readonly maxMs: number },
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (value.nanos < -999_999_999 || value.nanos > 999_999_999) {
    throw invalidArgument(field, "nanos must be within ±999,999,999");
  }
  const ms = Math.round(durationMs(value));
  if (!Number.isFinite(ms) || ms < range.minMs || ms > range.maxMs) {
    throw invalidArgument(
      field,
      `must be between ${formatMs(range.minMs)} and ${formatMs(range.maxMs)}, got ${formatMs(ms)}`,
    );
  }
  return ms;
}

export function checkRequiredTime(value: Timestamp | undefined, field: string): number {
  if (value === undefined) throw invalidArgument(field, "is required");
  const ms = timestampMs(value);
  if (!Number.isFinite(ms)) throw invalidArgument(field, "is not a valid time");
  return ms;
}
