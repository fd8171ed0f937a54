import type { Millis, PlannedOutage, ServiceConfig } from "../domain/types.js";
import type { CheckPool } from "./check-pool.js";
import { planNextWake } from "./check-planner.js";
import type { CheckScheduler } from "./check-scheduler.js";
import type { PrepareCheck } from "./service-check.js";
import { createServiceRuntime, REMOVED, type ServiceRuntime, type SubscriptionState } from "./service-runtime.js";

/** The engine's services by id, with the two ways in and out and the one way to plan. */
export interface ServiceTable {
  get(serviceId: string): ServiceRuntime | undefined;
  values(): IterableIterator<ServiceRuntime>;
  readonly size: number;
  /** Adds a not-yet-checked service; plan it afterwards. */
  add(
    config: ServiceConfig,
    subs: Iterable<SubscriptionState>,
    outages: readonly PlannedOutage[],
    firstCheckAt: (effectiveIntervalMs: number) => Millis,
  ): ServiceRuntime;
  /** Removes a service: unscheduled, unqueued, and a check still in flight is dropped. */
  remove(rt: ServiceRuntime): void;
  /**
   * Gives a service new settings (update, pause, resume): a new runtime whose
   * check is built from them, keeping the subscriptions (with what each
   * announced) and outages, not yet checked and not planned; a check in
   * flight for the old settings is dropped with the old runtime.
   */
  replace(rt: ServiceRuntime, config: ServiceConfig, now: Millis): ServiceRuntime;
  /**
   * Plans the service's next wake-up in the scheduler (see planNextWake);
   * `checkAt` overrides the next check. A paused service is not planned.
   */
  plan(rt: ServiceRuntime, now: Millis, checkAt?: Millis): void;
}

export function createServiceTable(scheduler: CheckScheduler<string>, pool: CheckPool, prepareCheck: PrepareCheck): ServiceTable {
  const services = new Map<string, ServiceRuntime>();
  const schedule = (serviceId: string, atMs: Millis) => scheduler.schedule(serviceId, atMs);
  function add(
    config: ServiceConfig,
    subs: Iterable<SubscriptionState>,
    outages: readonly PlannedOutage[],
    firstCheckAt: (effectiveIntervalMs: number) => Millis,
  ): ServiceRuntime {
    const rt = createServiceRuntime(prepareCheck, config, subs, outages, firstCheckAt);
    services.set(config.id, rt);
    return rt;
  }
  function remove(rt: ServiceRuntime): void {
    rt.lifecycle = REMOVED;
    services.delete(rt.config.id);
    scheduler.cancel(rt.config.id);
    pool.forget(rt);
  }
  return {
    get: (serviceId) => services.get(serviceId),
    values: () => services.values(),
    get size() {
      return services.size;
    },
    add,
    remove,
    replace(rt, config, now) {
      remove(rt);
      const next = add(config, rt.subs.values(), rt.outages, () => now);
      next.lastCheckStartedAt = rt.lastCheckStartedAt;
      // What availability alerts have seen (the follower starts it over when the target changes).
      next.recent = rt.recent;
      next.recordedStatus = rt.recordedStatus;
      return next;
    },
    plan: (rt, now, checkAt) => planNextWake(rt, now, schedule, checkAt),
  };
}
