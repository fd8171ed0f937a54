/**
 * When a service is checked next (docs/architecture.md, checking rules 1 and 2,
 * notification rule 3). The engine calls {@link nextCheckAt} after every
 * check, every announcement and every subscription or outage change, and
 * puts the answer in its due queue.
 */
import { MIN_CHECK_SPACING_MS } from "./effective-interval.js";
import { graceDeadline } from "./notification.js";
import { isInOutage, type OutageWindow } from "./outage-windows.js";
import type { Announced, Millis, Observation } from "./types.js";

/** One subscription as far as planning checks is concerned. */
export interface PlanningSubscription {
  readonly announced: Announced;
  readonly gracePeriodMs: number;
}

/** What {@link nextCheckAt} looks at. */
export interface NextCheckInput {
  readonly now: Millis;
  /** Start of the last check, or undefined if the service was never checked. */
  readonly lastCheckAt: Millis | undefined;
  /** From `effectiveIntervalMs`, with the current subscriptions. */
  readonly effectiveIntervalMs: number;
  readonly observation: Observation;
  /** Every current subscription to the service. */
  readonly subscriptions: Iterable<PlanningSubscription>;
  /** The service's planned outages (ended ones are harmless). */
  readonly outages: readonly OutageWindow[];
}

/**
 * The start time of the service's next check.
 *
 * - Never checked: now (a new service is checked at once).
 * - Otherwise `lastCheckAt + effectiveIntervalMs`, planned from the last check
 *   so a changed interval takes effect at once, not after the old one runs out.
 * - A pending grace deadline (the service is failing and some subscriber has
 *   not heard DOWN) later than the last check pulls the check earlier, so DOWN
 *   is announced on time (rule 3). A deadline inside a planned outage does not:
 *   nothing could be announced then, and the reconciliation at the window's
 *   end covers it.
 * - Never less than {@link MIN_CHECK_SPACING_MS} after the last check.
 * - A time that has already passed becomes now (the check is overdue).
 */
export function nextCheckAt(input: NextCheckInput): Millis {
  const { now, lastCheckAt, effectiveIntervalMs, observation, subscriptions, outages } = input;
  if (lastCheckAt === undefined) return now;
  let due = lastCheckAt + effectiveIntervalMs;
  for (const sub of subscriptions) {
    const deadline = graceDeadline(sub.announced, observation, sub.gracePeriodMs);
    if (
      deadline !== undefined &&
      deadline > lastCheckAt &&
      deadline < due &&
      !isInOutage(outages, deadline)
    ) {
      due = deadline;
    }
  }
  due = Math.max(due, lastCheckAt + MIN_CHECK_SPACING_MS);
  return Math.max(due, now);
}

/**
 * A stable offset in [0, intervalMs) for the service's first check after
 * start-up, so a restart with thousands of services spreads their first
 * checks over an interval instead of firing them all in the same millisecond
 * (checking rule 2). Stable (a hash of the id: FNV-1a 32-bit over UTF-16
 * code units, then murmur3's 32-bit finalizer, scaled to the interval) so the
 * spread is the same on every restart and every machine. Intervals below
 * 1 ms give 0.
 */
export function startupOffsetMs(serviceId: string, intervalMs: number): number {
  const span = Math.floor(intervalMs);
  if (!(span >= 1)) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < serviceId.length; i++) {
    hash ^= serviceId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // FNV-1a alone leaves ids that differ only in their last characters
  // ("svc-1", "svc-2", ...) bunched together; murmur3's finalizer spreads them.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return Math.floor(((hash >>> 0) / 0x1_0000_0000) * span);
}
