import { MonitorError } from "../domain/monitor-error.js";
import { NOTHING_ANNOUNCED } from "../domain/notification.js";
import type { EventLog, EventToAppend } from "../store/event-log.js";
import type { Registry, RegistryChange } from "../store/registry.js";
import type { Announcer } from "./announcer.js";
import type { EventHub } from "./event-hub.js";
import { recomputeInterval, subscriptionState } from "./service-runtime.js";
import type { ServiceTable } from "./service-table.js";

export interface RegistryFollowerDeps {
  readonly registry: Registry;
  readonly eventLog: EventLog;
  readonly hub: EventHub;
  readonly services: ServiceTable;
  readonly announcer: Announcer;
  readonly onError: (error: unknown, context: string) => void;
}

/** The event that ends a subscription (notification rule 6). */
export const subscriptionEnded = (
  callerId: string,
  serviceId: string,
  reason: "unsubscribed" | "service unregistered",
): EventToAppend => ({ callerId, event: { kind: "subscription_ended", serviceId, reason } });

/**
 * Applies one registry change to the engine at once: a new service is checked
 * at once (checking rule 1), a changed subscription re-plans the next check
 * at the new effective interval and hears a known status (notification rule
 * 5), a removed one hears `subscription_ended`, and an outage added or
 * cancelled is reconciled against right away (rule 4).
 */
export function createRegistryFollower(deps: RegistryFollowerDeps): (change: RegistryChange, now: number) => void {
  const { registry, eventLog, hub, services, announcer, onError } = deps;

  return (change, now) => {
    switch (change.kind) {
      case "service_added": {
        const rt = services.add(change.service, [], registry.listOutages(change.service.id), () => now);
        services.plan(rt, now);
        return;
      }
      case "service_removed": {
        const rt = services.get(change.service.id);
        if (rt === undefined) return;
        services.remove(rt);
        const ended = [...rt.subs.keys()].map((callerId) => subscriptionEnded(callerId, rt.config.id, "service unregistered"));
        announcer.emit(ended, now);
        return;
      }
      case "caller_added":
        return;
      case "caller_removed": {
        for (const sub of change.subscriptions) {
          const rt = services.get(sub.serviceId);
          if (rt === undefined) continue;
          rt.subs.delete(sub.callerId);
          recomputeInterval(rt);
          services.plan(rt, now);
        }
        try {
          eventLog.dropCaller(change.caller.id);
        } catch (error) {
          onError(error, `dropping the event log of caller ${change.caller.id}`);
        }
        hub.endCaller(change.caller.id, new MonitorError("not_found", `caller "${change.caller.id}" was unregistered`));
        return;
      }
      case "subscription_set": {
        const rt = services.get(change.subscription.serviceId);
        if (rt === undefined) return;
        const existing = rt.subs.get(change.subscription.callerId);
        const sub = subscriptionState(change.subscription, existing?.announced ?? NOTHING_ANNOUNCED);
        rt.subs.set(change.subscription.callerId, sub);
        recomputeInterval(rt);
        announcer.evaluate(rt, now, sub);
        services.plan(rt, now);
        return;
      }
      case "subscription_removed": {
        const rt = services.get(change.subscription.serviceId);
        if (rt === undefined) return;
        rt.subs.delete(change.subscription.callerId);
        recomputeInterval(rt);
        announcer.emit([subscriptionEnded(change.subscription.callerId, rt.config.id, "unsubscribed")], now);
        services.plan(rt, now);
        return;
      }
      case "outage_added":
      case "outage_removed": {
        const rt = services.get(change.outage.serviceId);
        if (rt === undefined) return;
        rt.outages = registry.listOutages(rt.config.id).filter((outage) => outage.endMs > now);
        // Cancelling an outage we are inside of ends it now: reconcile.
        announcer.evaluate(rt, now);
        services.plan(rt, now);
        return;
      }
    }
  };
}
