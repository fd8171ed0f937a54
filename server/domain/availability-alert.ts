/**
 * Availability alert rules (issue 11), per subscription: an alert when the
 * service's availability over the rule's window falls below its threshold,
 * one recovery when it is back at or above it. Like the status rules, this
 * decides from what it is given (time passed in), and the announcer logs
 * what it decides.
 *
 * - Decided only once the window is fully covered by history (no unknown
 *   time): a service checked for 20 s has no 2-minute availability yet, and a
 *   restart starts the window over.
 * - Planned outages: nothing is decided while one is in force (the outage
 *   time itself counts as neither up nor down); when it ends, the next
 *   evaluation reconciles, as notification rule 4 does for statuses.
 * - A window that is all excluded time (outage, pause) has no availability
 *   and changes nothing.
 */
import { availabilityOf, type StatusDurations } from "./status-durations.js";
import type { AvailabilityAlertRule } from "./types.js";

export interface AvailabilityDecisionInput {
  readonly rule: AvailabilityAlertRule;
  /** Whether the caller's last availability event was an alert. */
  readonly alerting: boolean;
  /** Durations of the last rule.windowMs. */
  readonly durations: StatusDurations;
  readonly inOutage: boolean;
}

export interface AvailabilityDecision {
  readonly kind: "availability_alert" | "availability_recovered";
  readonly availability: number;
}

export function decideAvailability(input: AvailabilityDecisionInput): AvailabilityDecision | undefined {
  const { rule, alerting, durations, inOutage } = input;
  if (inOutage || durations.unknownMs > 0) return undefined;
  const availability = availabilityOf(durations);
  if (availability === undefined) return undefined;
  if (!alerting && availability < rule.threshold) return { kind: "availability_alert", availability };
  if (alerting && availability >= rule.threshold) return { kind: "availability_recovered", availability };
  return undefined;
}

/** The subscription's alerting flag after logging `decision`. */
export function alertingAfter(decision: AvailabilityDecision): boolean {
  return decision.kind === "availability_alert";
}
