import type { Logger } from "pino";
import { suppressedNote, throttlePerKey } from "../logging/throttle-per-key.js";

/** Why a limit or the target policy refused something; the metric's `reason` label. */
export type RefusalReason = "max_services" | "max_callers" | "max_subscriptions" | "mutation_rate" | "target_not_allowed";

/** Counts and logs one refusal; see {@link createRefusalLog}. */
export type RefusalLog = (reason: RefusalReason, message: string) => void;

/**
 * Counts every refusal (the metric) and logs it at warn, at most one line per
 * second per reason: a client hammering a limit must not fill the log. The
 * next line says how many were not logged.
 */
export function createRefusalLog(logger: Pick<Logger, "warn">, now: () => number, counted?: (reason: RefusalReason) => void): RefusalLog {
  const pass = throttlePerKey(now);
  return (reason, message) => {
    counted?.(reason);
    const suppressed = pass(reason);
    if (suppressed === undefined) return;
    logger.warn({ reason, ...(suppressed > 0 ? { suppressed } : {}) }, `limits: refused: ${message}${suppressedNote(suppressed)}`);
  };
}
