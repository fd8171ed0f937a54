import { parseDuration } from "../parse-duration.js";
import { UsageError } from "./usage-error.js";

/** "5s", "1.5s", "250ms", "10m", "2h" → milliseconds; anything else is a usage error naming the flag. */
export function parseDurationFlag(flag: string, value: string): number {
  const result = parseDuration(value);
  if (!result.ok) throw new UsageError(`--${flag}: ${result.message}`);
  return result.ms;
}

/**
 * A point in time typed by a person: "now", "+10m" (from `now`), or ISO 8601
 * with a date ("2026-11-23T14:00:00Z", "2026-11-23T14:00+01:00"; without an
 * offset it is local time, as `Date` reads it).
 */
export function parseTimeFlag(flag: string, value: string, now: number): number {
  if (value === "now") return now;
  if (value.startsWith("+")) return now + parseDurationFlag(flag, value.slice(1));
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return ms;
  }
  throw new UsageError(`--${flag}: expected "now", "+DURATION" (e.g. +10m) or an ISO 8601 time (e.g. 2026-11-23T14:00:00Z), got "${value}"`);
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
