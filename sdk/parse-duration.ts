import { describeValue } from "./describe-value.js";

/**
 * Outcome of reading one duration. A result instead of an exception so a
 * validator can collect every bad field in one pass.
 */
export type DurationResult =
  | { readonly ok: true; readonly ms: number }
  | { readonly ok: false; readonly message: string };

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
type Unit = keyof typeof UNIT_MS;
const PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/** How an input is named in a message: "nothing" for a missing one. */
const describe = (value: unknown): string => (value === undefined ? "nothing" : describeValue(value));

/**
 * Reads a duration as people write it in scenario files and on the command
 * line: a whole number of milliseconds, or a string such
 * as "500ms", "5s", "1.5s", "2m", "1h". Scenario files are written by people,
 * so units are allowed; fractional milliseconds are not, because timers cannot
 * honour them and rounding would silently move a phase.
 */
export function parseDuration(value: unknown): DurationResult {
  const expected = `expected a duration like "5s", got ${describe(value)}`;
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) {
      return { ok: false, message: `${expected} (numbers are whole milliseconds, 0 or more)` };
    }
    return { ok: true, ms: value };
  }
  if (typeof value !== "string") return { ok: false, message: expected };
  const match = PATTERN.exec(value);
  if (match === null) return { ok: false, message: expected };
  const ms = Number(match[1]) * UNIT_MS[match[2] as Unit];
  const whole = Math.round(ms);
  // Tolerance absorbs float noise such as 1.1 * 1000 = 1100.0000000000002.
  if (Math.abs(ms - whole) > 1e-6) {
    return { ok: false, message: `${describe(value)} is not a whole number of milliseconds` };
  }
  if (!Number.isSafeInteger(whole)) {
    return { ok: false, message: `${describe(value)} is too long` };
  }
  return { ok: true, ms: whole };
}

/**
 * Writes milliseconds back in the largest unit that represents them exactly,
 * so messages and CLI output echo durations the way a scenario file would.
 * Zero is "0s", as people write it ("grace 0s"), not "0ms".
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms % UNIT_MS.h === 0) return `${ms / UNIT_MS.h}h`;
  if (ms % UNIT_MS.m === 0) return `${ms / UNIT_MS.m}m`;
  if (ms >= UNIT_MS.s) return `${ms / UNIT_MS.s}s`;
  return `${ms}ms`;
}
