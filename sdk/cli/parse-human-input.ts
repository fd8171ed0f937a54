import { parseStatusRanges, type StatusCodeRange } from "../config/status-ranges.js";
import { TcpCloseMode } from "../gen/monitor/v1/resources_pb.js";
import { parseDuration } from "../parse-duration.js";
import { UsageError } from "./usage-error.js";

/** "5s", "1.5s", "250ms", "10m", "2h" → milliseconds; anything else is a usage error naming the flag. */
export function parseDurationFlag(flag: string, value: string): number {
  const result = parseDuration(value);
  if (!result.ok) throw new UsageError(`--${flag}: ${result.message}`);
  return result.ms;
}

/**
 * A point in time typed by a person: "now", "+10m" (from `now`), "-1h" (before
 * `now`: where history starts), or ISO 8601
 * with a date ("2026-11-23T14:00:00Z", "2026-11-23T14:00+01:00"; without an
 * offset it is local time, as `Date` reads it).
 */
export function parseTimeFlag(flag: string, value: string, now: number): number {
  if (value === "now") return now;
  if (value.startsWith("+")) return now + parseDurationFlag(flag, value.slice(1));
  if (value.startsWith("-")) return now - parseDurationFlag(flag, value.slice(1));
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return ms;
  }
  throw new UsageError(`--${flag}: expected "now", "+DURATION" (e.g. +10m), "-DURATION" (e.g. -1h) or an ISO 8601 time (e.g. 2026-11-23T14:00:00Z), got "${value}"`);
}

/** "HOST:PORT" or "[IPv6]:PORT" as RegisterService wants them; the server checks the rest. */
export function parseHostPort(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  if (match === null) throw new UsageError(`expected HOST:PORT (e.g. db.internal:5432 or [::1]:8080), got "${value}"`);
  return { host: match[1] ?? match[2]!, port: Number(match[3]) };
}

/** A whole number of at least 0 (sequences, page sizes). */
export function parseCountFlag(flag: string, value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new UsageError(`--${flag}: expected a whole number, got "${value}"`);
  return Number(value);
}

/** What `services add` checks: a host:port by TCP, or an http(s) URL. */
export type CheckTarget = { readonly kind: "tcp"; readonly host: string; readonly port: number } | { readonly kind: "http"; readonly url: string };

/**
 * "HOST:PORT" → a TCP check; "http://…" or "https://…" → an HTTP check of
 * that URL, passed on as typed (the server checks it and names what is wrong).
 */
export function parseCheckTarget(value: string): CheckTarget {
  if (/^https?:\/\//i.test(value)) return { kind: "http", url: value };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new UsageError(`expected HOST:PORT or an http:// or https:// URL, got "${value}"`);
  }
  return { kind: "tcp", ...parseHostPort(value) };
}

/**
 * `--header 'Name: value'` (repeatable) → a header map. A name given twice
 * gets both values joined by ", ", as HTTP folds repeated fields. The
 * server checks names and values; here only the colon is needed.
 */
export function parseHeaderFlags(values: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const value of values) {
    const colon = value.indexOf(":");
    const name = value.slice(0, colon).trim();
    if (colon === -1 || name === "") throw new UsageError(`--header: expected "NAME: VALUE" (e.g. "Authorization: Bearer x"), got "${value}"`);
    const text = value.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? text : `${headers[name]}, ${text}`;
  }
  return headers;
}

/** `--expect 200-299,304` → status ranges; "" means the server's default (200-399). */
export function parseExpectFlag(value: string): StatusCodeRange[] {
  if (value.trim() === "") return [];
  const result = parseStatusRanges(value);
  if (!result.ok) throw new UsageError(`--expect: ${result.message}`);
  return [...result.ranges];
}

/** `--close fin|reset` → the TcpCloseMode to register or update with. */
export function parseCloseFlag(value: string): TcpCloseMode {
  if (value === "fin") return TcpCloseMode.FIN;
  if (value === "reset") return TcpCloseMode.RESET;
  throw new UsageError(`--close: expected fin or reset, got "${value}"`);
}
