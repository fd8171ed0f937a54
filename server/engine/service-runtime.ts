import type { AvailabilityWindow } from "../domain/availability-window.js";
import { effectiveIntervalMs } from "../domain/effective-interval.js";
import { UNOBSERVED } from "../domain/observe.js";
import type { Announced, Millis, Observation, PlannedOutage, ServiceConfig, Status, SubscriptionConfig } from "../domain/types.js";
import type { PrepareCheck, ServiceCheck } from "./service-check.js";

/** One subscription as the engine tracks it (also a PlanningSubscription, without copying). */
export interface SubscriptionState {
  config: SubscriptionConfig;
  gracePeriodMs: number;
  /** What the caller last heard; only ever set from what is durable in the log. */
  announced: Announced;
}

/**
 * Where a service is in its life, one state at a time:
 * - `planned`: waiting for its next wake-up in the scheduler;
 * - `queued`: due, but every check slot was taken, so it waits its turn;
 * - `checking`: a probe is running; it plans again when the result comes;
 * - `removed`: unregistered; a result still in flight is dropped.
 */
export type Lifecycle =
  | { readonly t: "planned" }
  | { readonly t: "queued" }
  | { readonly t: "checking"; readonly startedAt: Millis }
  | { readonly t: "removed" };

export const PLANNED: Lifecycle = { t: "planned" };
export const QUEUED: Lifecycle = { t: "queued" };
export const REMOVED: Lifecycle = { t: "removed" };
export const checking = (startedAt: Millis): Lifecycle => ({ t: "checking", startedAt });

/** Everything the engine keeps per service. */
export interface ServiceRuntime {
  readonly config: ServiceConfig;
  /** By caller id. */
  readonly subs: Map<string, SubscriptionState>;
  /** Its check, built once from its settings (the kind chosen outside the engine). */
  readonly check: ServiceCheck;
  observation: Observation;
  /** Outage windows that have not ended; ended ones are dropped at their boundary. */
  outages: readonly PlannedOutage[];
  effectiveIntervalMs: number;
  /**
   * When the latest check of this service started, carried over when the
   * runtime is replaced (update, pause, resume): a check dropped with the old
   * runtime still reached the target, so the next one keeps its distance.
   */
  lastCheckStartedAt: Millis | undefined;
  /** When the next check starts; for a never-checked service, its first check. */
  nextCheckAt: Millis;
  lifecycle: Lifecycle;
  /**
   * The recent results availability alerts are decided on, as long as the
   * longest alert window of its subscribers (empty when none has a rule).
   * Carried over when the runtime is replaced for the same target.
   */
  recent: AvailabilityWindow;
  /**
   * The status the history last recorded a change to; carried over when the
   * runtime is replaced for the same target (a pause and resume, an update),
   * so a service down before a pause and down after it is one incident, not
   * two (its fresh observation starts from unknown). Undefined: the
   * observation's own previous status decides (at start, after a new target).
   */
  recordedStatus: Status | undefined;
}

export const subscriptionState = (config: SubscriptionConfig, announced: Announced): SubscriptionState => ({
  config,
  gracePeriodMs: config.gracePeriodMs,
  announced,
});

/** Paused (PauseService): not checked, nothing announced; its runtime stays for reads and snapshots. */
export const isPaused = (rt: ServiceRuntime): boolean => rt.config.pausedAt !== undefined;

/** A runtime for a service not yet checked, whose first check is at `firstCheckAt(effective interval)`. */
export function createServiceRuntime(
  prepareCheck: PrepareCheck,
  config: ServiceConfig,
  subs: Iterable<SubscriptionState>,
  outages: readonly PlannedOutage[],
  firstCheckAt: (effectiveIntervalMs: number) => Millis,
): ServiceRuntime {
  const rt: ServiceRuntime = {
    config,
    subs: new Map([...subs].map((s) => [s.config.callerId, s])),
    check: prepareCheck(config),
    observation: UNOBSERVED,
    outages,
    effectiveIntervalMs: config.checkIntervalMs,
    lastCheckStartedAt: undefined,
    nextCheckAt: 0,
    lifecycle: PLANNED,
    recent: [],
    recordedStatus: undefined,
  };
  recomputeInterval(rt);
  rt.nextCheckAt = firstCheckAt(rt.effectiveIntervalMs);
  return rt;
}

/** Checking rule 1; called when the service's subscriptions change, not per check. */
export function recomputeInterval(rt: ServiceRuntime): void {
  const intervals: number[] = [];
  for (const sub of rt.subs.values()) intervals.push(sub.config.pollingIntervalMs);
  rt.effectiveIntervalMs = effectiveIntervalMs(rt.config.checkIntervalMs, intervals);
}

/** How much recent history availability alerts need: the longest window among its subscribers' rules; 0 if none has one. */
export function alertWindowMs(rt: ServiceRuntime): number {
  let longest = 0;
  for (const sub of rt.subs.values()) {
    const rule = sub.config.availabilityAlert;
    if (rule !== undefined && rule.windowMs > longest) longest = rule.windowMs;
  }
  return longest;
}
