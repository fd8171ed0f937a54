import type { AvailabilityAlertRule } from "../gen/monitor/v1/resources_pb.js";
import { toMillis } from "../to-millis.js";
import { humanSpan } from "./format-values.js";
import { parseDurationFlag } from "./parse-human-input.js";
import { UsageError } from "./usage-error.js";

/** The API's defaults for a rule's unset fields (AvailabilityAlertRule in resources.proto). */
const DEFAULT_WINDOW_MS = 120_000;
const DEFAULT_THRESHOLD = 0.8;

/** An availability alert rule as `subscribe` sends it: what is not given, the server defaults. */
export interface AlertRuleInput {
  readonly window?: number;
  readonly threshold?: number;
}

/**
 * `--alert-threshold 0.8` or `80%` → 0.8: a fraction above 0 and at most 1,
 * or the same as a percentage. A bare "80" is refused rather than guessed at
 * (80 as a fraction is out of range; as a percentage it needs its "%").
 */
export function parseThresholdFlag(value: string): number {
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(value);
  const fraction = percent !== null ? Number(percent[1]) / 100 : /^\d*\.?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(fraction > 0 && fraction <= 1)) {
    throw new UsageError(`--alert-threshold: expected a fraction above 0 and at most 1 (e.g. 0.8) or a percentage (e.g. 80%), got "${value}"`);
  }
  return fraction;
}

/**
 * `--alert-window D` and `--alert-threshold T` → the subscription's
 * availability alert rule; either one alone sets a rule (the other at the
 * server's default), neither leaves it out, which removes any rule the
 * subscription had.
 */
export function parseAlertRuleFlags(flags: ReadonlyMap<string, string>): AlertRuleInput | undefined {
  const window = flags.get("alert-window");
  const threshold = flags.get("alert-threshold");
  if (window === undefined && threshold === undefined) return undefined;
  return {
    ...(window === undefined ? {} : { window: parseDurationFlag("alert-window", window) }),
    ...(threshold === undefined ? {} : { threshold: parseThresholdFlag(threshold) }),
  };
}

/** A rule in words: "below 80% over 2m" (unset fields as the server's defaults). */
export function describeAlertRule(rule: AvailabilityAlertRule): string {
  const threshold = rule.threshold === 0 ? DEFAULT_THRESHOLD : rule.threshold;
  const windowMs = toMillis(rule.window) ?? DEFAULT_WINDOW_MS;
  return `below ${Number((threshold * 100).toFixed(3))}% over ${humanSpan(windowMs)}`;
}
