/**
 * The history's retention flags (issue 11): how long check rows and the
 * minute, hour and day rollups are kept. Read like the other durations, with
 * days ("7d", "730d") as well, since retention is counted in them.
 */
import { parseDuration } from "@service-monitor/sdk";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** A duration above zero: "7d", "48h", "90m", …; the value is in milliseconds. */
export function readRetention(value: string, flag: string): number | { readonly error: string } {
  const days = /^(\d+)d$/.exec(value);
  const ms = days !== null ? Number(days[1]) * DAY_MS : undefined;
  if (ms !== undefined) {
    return Number.isSafeInteger(ms) && ms > 0 ? ms : { error: `--${flag}: must be more than 0 and a sensible number of days, got ${JSON.stringify(value)}` };
  }
  const parsed = parseDuration(value);
  if (!parsed.ok) return { error: `--${flag}: ${parsed.message.replace('like "5s"', 'like "7d" or "48h"')}` };
  return parsed.ms > 0 ? parsed.ms : { error: `--${flag}: must be more than 0, got ${JSON.stringify(value)}` };
}

export interface RetentionFlags {
  readonly historyRetention: number;
  readonly minuteRollupRetention: number;
  readonly hourRollupRetention: number;
  readonly dayRollupRetention: number;
}

/**
 * What makes the four together nonsense, naming the flag; undefined when
 * they make sense. Each rollup is kept for at least one bucket of its width,
 * a coarser one at least as long as a finer one (stats fall back from
 * minutes to hours to days as a window reaches further back), and rows for
 * at least an hour, so the rollup job (every minute) has taken them, even
 * after a restart's backlog, before they go.
 */
export function retentionFlagsError(flags: RetentionFlags): string | undefined {
  const { historyRetention, minuteRollupRetention, hourRollupRetention, dayRollupRetention } = flags;
  if (historyRetention < HOUR_MS) return "--history-retention: must be at least 1h (rows must be rolled up before they go)";
  if (minuteRollupRetention < MINUTE_MS) return "--minute-rollup-retention: must be at least 1m (one minute bucket)";
  if (hourRollupRetention < HOUR_MS) return "--hour-rollup-retention: must be at least 1h (one hour bucket)";
  if (dayRollupRetention < DAY_MS) return "--day-rollup-retention: must be at least 1d (one day bucket)";
  if (hourRollupRetention < minuteRollupRetention) {
    return "--hour-rollup-retention: must be at least --minute-rollup-retention (hour rollups cover what minute rollups no longer do)";
  }
  if (dayRollupRetention < hourRollupRetention) {
    return "--day-rollup-retention: must be at least --hour-rollup-retention (day rollups cover what hour rollups no longer do)";
  }
  return undefined;
}
