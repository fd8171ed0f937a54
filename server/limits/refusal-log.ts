import type { Logger } from "pino";

/** Why a limit or the target policy refused something; the metric's `reason` label. */
export type RefusalReason = "max_services" | "max_callers" | "max_subscriptions" | "mutation_rate" | "target_not_allowed";

/** Counts and logs one refusal; see {@link createRefusalLog}. */
export type RefusalLog = (reason: RefusalReason, message: string) => void;

const INTERVAL_MS = 1000;

/**
 * Counts every refusal (the metric) and logs it at warn, at most one line per
 * second per reason: a client hammering a limit must not fill the log. The
 * next line says how many were not logged.
 */
export function createRefusalLog(logger: Pick<Logger, "warn">, now: () => number, counted?: (reason: RefusalReason) => void): RefusalLog {
  const last = new Map<RefusalReason, { at: number; suppressed: number }>();
  return (reason, message) => {
    counted?.(reason);
    const at = now();
    const previous = last.get(reason);
    if (previous !== undefined && at - previous.at < INTERVAL_MS) {
      previous.suppressed++;
      return;
    }
    const suppressed = previous?.suppressed ?? 0;
    last.set(reason, { at, suppressed: 0 });
    logger.warn(
      { reason, ...(suppressed > 0 ? { suppressed } : {}) },
      `limits: refused: ${message}` + (suppressed > 0 ? `; ${suppressed} more refusal(s) for this reason in the last second not logged` : ""),
    );
  };
}
