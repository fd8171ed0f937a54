import type { Millis } from "../domain/types.js";

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/i;

/**
 * An RFC 3339 date-time ("2026-11-23T22:00:00Z", "2026-11-23T23:00:00.5+01:00")
 * as epoch milliseconds, or undefined. Stricter than Date.parse, which takes
 * February 31 as March 3 and many forms RFC 3339 does not allow: a planned
 * outage at a time nobody meant is worse than a refused file. A leap second
 * (:60) is refused, as JavaScript cannot represent it.
 */
export function parseRfc3339(value: string): Millis | undefined {
  const match = RFC3339.exec(value);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const offsetHours = Number(match[9] ?? 0);
  const offsetMinutes = Number(match[10] ?? 0);
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const ms = Date.parse(value.toUpperCase());
  return Number.isFinite(ms) ? ms : undefined;
}
