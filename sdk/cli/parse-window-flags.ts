import { parseDurationFlag, parseTimeFlag } from "./parse-human-input.js";
import { UsageError } from "./usage-error.js";

/** The time range of a history or stats request; unset fields are the server's defaults. */
export interface WindowRequest {
  /** GetServiceStats' `window` (the span ending now), in milliseconds. */
  readonly window?: number;
  readonly startTime?: Date;
  readonly endTime?: Date;
}

/**
 * A command's time range from its flags: either a span ending now
 * (`--since 1h` for history, `--window 24h` for stats: `spanFlag` names it)
 * or `--start T` with an optional `--end T` (default: now). Mixing the two is
 * a usage error, and so is `--end` alone (it has no start) or an end that is
 * not after the start. `asStart` turns the span into a start time, for
 * requests that have no window field (ListCheckResults).
 */
export function parseWindowFlags(flags: ReadonlyMap<string, string>, spanFlag: string, now: number, asStart: boolean): WindowRequest {
  const span = flags.get(spanFlag);
  const start = flags.get("start");
  const end = flags.get("end");
  if (span !== undefined && (start !== undefined || end !== undefined)) {
    throw new UsageError(`give either --${spanFlag} or --start (and --end), not both`);
  }
  if (span !== undefined) {
    const ms = parseDurationFlag(spanFlag, span);
    if (ms === 0) throw new UsageError(`--${spanFlag}: must be more than 0s`);
    return asStart ? { startTime: new Date(now - ms) } : { window: ms };
  }
  if (end !== undefined && start === undefined) throw new UsageError("--end needs --start");
  if (start === undefined) return {};
  const startMs = parseTimeFlag("start", start, now);
  const endMs = end === undefined ? undefined : parseTimeFlag("end", end, now);
  if (endMs !== undefined && endMs <= startMs) {
    throw new UsageError(`--end (${new Date(endMs).toISOString()}) must be after --start (${new Date(startMs).toISOString()})`);
  }
  return { startTime: new Date(startMs), ...(endMs === undefined ? {} : { endTime: new Date(endMs) }) };
}
