import { isIP } from "node:net";
import { invalidArgument } from "./monitor-error.js";
import { quoteInput } from "./quote-input.js";
import type { AvailabilityAlertRule } from "./types.js";

/**
 * The rules every stored value obeys, on plain values (strings, numbers,
 * milliseconds), shared by the RPC handlers (through rpc/validate.ts), the
 * config file and the check of what a store or an imported data dir holds,
 * so a value refused at the API is refused everywhere else too.
 *
 * Each check throws an invalid_argument MonitorError whose message starts
 * with the field's name (`invalidArgument(field, rule)`); the field name is
 * an argument because the API says `check_interval` where a file says
 * `checkIntervalMs`. Lengths are checked first, and a message repeats an
 * input only through quoteInput, so a huge or hostile value costs no more
 * than a small one.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;

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
  /** An availability alert rule's sliding window. */
  alertWindow: { minMs: 10 * SECOND, maxMs: 24 * HOUR },
  /** GetServiceStats' `window`: a minute (the finest rollup) to two years (730 days). */
  statsWindow: { minMs: MINUTE, maxMs: 730 * DAY },
  /** The history RPCs' page_size (0 means DEFAULTS.historyPageSize). */
  historyPageSize: { min: 1, max: 1000 },
} as const;

/** What an unset request field means. */
export const DEFAULTS = {
  checkIntervalMs: 30 * SECOND,
  checkTimeoutMs: 2 * SECOND,
  gracePeriodMs: 0,
  /** An availability alert rule whose window or threshold is unset (0). */
  alertWindowMs: 2 * MINUTE,
  alertThreshold: 0.8,
  /** GetServiceStats with neither window nor start_time. */
  statsWindowMs: DAY,
  historyPageSize: 100,
} as const;

/** An inclusive range of milliseconds, as in {@link LIMITS}. */
export interface MsRange {
  readonly minMs: number;
  readonly maxMs: number;
}

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

/** A TCP port: an integer in 1..65535. */
export function checkPort(port: number, field = "port"): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw invalidArgument(field, `must be between 1 and 65535, got ${port}`);
  }
  return port;
}

/** At most `maxLength` characters (UTF-16 code units, as everywhere in the API). */
export function checkText(value: string, field: string, maxLength: number): string {
  if (value.length > maxLength) {
    throw invalidArgument(field, `must be at most ${maxLength} characters, got ${value.length}`);
  }
  return checkNoNul(value, field);
}

/**
 * Refuses U+0000 in text the store keeps: PostgreSQL's text and jsonb cannot
 * hold it (SQLite can), so it would be accepted on one backend and fail the
 * write on the other. A regex can still match a NUL byte as `\x00`.
 */
export function checkNoNul(value: string, field: string): string {
  if (value.includes("\u0000")) throw invalidArgument(field, "must not contain NUL (U+0000)");
  return value;
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

/** A service id (made by the server, so only its length is a rule). */
export const checkServiceId = (value: string, field = "service_id"): string =>
  checkRequiredId(value, field, LIMITS.serviceIdLength);

/** A caller id to look up; {@link checkCallerId} is the stricter rule for a new one. */
export const checkCallerRef = (value: string, field = "caller_id"): string =>
  checkRequiredId(value, field, LIMITS.callerIdLength);

/** An outage id (made by the server, so only its length is a rule). */
export const checkOutageId = (value: string, field = "outage_id"): string =>
  checkRequiredId(value, field, LIMITS.outageIdLength);

/** A new caller's id: also limited to characters that are safe in a URL, a log line and a shell. */
export function checkCallerId(value: string, field = "caller_id"): string {
  checkCallerRef(value, field);
  if (!CALLER_ID.test(value)) {
    throw invalidArgument(field, "may contain only letters, digits and . _ : @ -");
  }
  return value;
}

/** A service's or caller's display name (may be empty). */
export const checkDisplayName = (value: string, field = "display_name"): string =>
  checkText(value, field, LIMITS.displayNameLength);

/** A planned outage's reason (may be empty). */
export const checkReason = (value: string, field = "reason"): string =>
  checkText(value, field, LIMITS.reasonLength);

/** A span as a message shows it: "24h", "30s" or "250ms". */
export function formatMs(ms: number): string {
  const sign = ms < 0 ? "-" : "";
  const abs = Math.abs(ms);
  if (abs >= HOUR && abs % HOUR === 0) return `${sign}${abs / HOUR}h`;
  if (abs >= SECOND && abs % SECOND === 0) return `${sign}${abs / SECOND}s`;
  return `${sign}${abs}ms`;
}

/** A span in whole milliseconds within `range` (e.g. LIMITS.interval). */
export function checkMs(ms: number, field: string, range: MsRange): number {
  if (!Number.isInteger(ms) || ms < range.minMs || ms > range.maxMs) {
    throw invalidArgument(
      field,
      `must be between ${formatMs(range.minMs)} and ${formatMs(range.maxMs)}, got ${formatMs(ms)}`,
    );
  }
  return ms;
}

/**
 * An availability alert rule's threshold: above 0 and at most 1 (0, meaning
 * unset, is the caller's to default before this). NaN is refused by name: it
 * compares false with everything, so a rule holding it would never fire.
 */
export function checkAlertThreshold(value: number, field: string): number {
  if (!(value > 0 && value <= 1)) {
    throw invalidArgument(field, `must be above 0 and at most 1, got ${String(value)}`);
  }
  return value;
}

/**
 * An availability alert rule as stored, fully defaulted: a window or
 * threshold of 0 means the default (2 min, 0.8), as in the proto.
 * `prefix` names the rule's field ("availability_alert_rule." at the API).
 */
export function checkAvailabilityAlertRule(
  rule: AvailabilityAlertRule,
  prefix: string,
  names: { readonly window: string; readonly threshold: string } = { window: "window", threshold: "threshold" },
): AvailabilityAlertRule {
  const windowMs =
    rule.windowMs === 0 ? DEFAULTS.alertWindowMs : checkMs(rule.windowMs, prefix + names.window, LIMITS.alertWindow);
  const threshold = rule.threshold === 0 ? DEFAULTS.alertThreshold : checkAlertThreshold(rule.threshold, prefix + names.threshold);
  return { windowMs, threshold };
}

/** The largest distance from the epoch a Date can hold (±100,000,000 days). */
const MAX_TIME_MS = 8.64e15;

/**
 * A point in time as epoch milliseconds: finite and within what a Date can
 * hold. Fractions are allowed: an outage time from a Timestamp with nanos
 * keeps them, and the stores keep them (REAL columns).
 */
export function checkTimeMs(ms: number, field: string): number {
  if (typeof ms !== "number" || !Number.isFinite(ms) || Math.abs(ms) > MAX_TIME_MS) {
    throw invalidArgument(field, `is not a valid time, got ${String(ms)}`);
  }
  return ms;
}

/** A planned outage's window [start, end): end strictly after start. */
export function checkOutageWindow(startMs: number, endMs: number, endField = "end_time", startField = "start_time"): void {
  if (endMs <= startMs) throw invalidArgument(endField, `must be after ${startField}`);
}

/** A caller's event sequence number: a non-negative safe integer (0 = nothing assigned yet). */
export function checkSequence(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw invalidArgument(field, `must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}
