import { MonitorError } from "../domain/monitor-error.js";
import { NOTHING_ANNOUNCED } from "../domain/notification.js";
import { checksSameTarget, observationAfterTargetChange } from "../domain/same-check-target.js";
import { addResult } from "../domain/availability-window.js";
import { MIN_CHECK_SPACING_MS } from "../domain/effective-interval.js";
import type { HistorySink } from "../history/history-sink.js";
import type { Registry, RegistryChange } from "../store/registry.js";
import type { Announcer } from "./announcer.js";
import { nextCheckOf } from "./check-planner.js";
import type { EventHub } from "./event-hub.js";
import { recomputeInterval, subscriptionState } from "./service-runtime.js";
import type { ServiceTable } from "./service-table.js";

export interface RegistryFollowerDeps {
  readonly registry: Pick<Registry, "listOutages">;
  readonly hub: EventHub;
  readonly services: ServiceTable;
  readonly announcer: Announcer;
  /** Gets a pause marker when a service is paused. */
  readonly history?: HistorySink;
}

/**
 * Applies one committed registry change to the engine at once: a new service
 * is checked at once (checking rule 1), a changed subscription re-plans the
 * next check at the new effective interval and hears a known status
 * (notification rule 5), and an outage added or cancelled is reconciled
 * against right away (rule 4). The `subscription_ended` events of a removal
 * committed with it (create-registry.ts); here the engine only forgets.
 */
export function createRegistryFollower(
  deps: RegistryFollowerDeps,
): (change: RegistryChange, now: number) => Promise<unknown> | undefined {
  const { registry, hub, services, announcer, history } = deps;

  return (change, now) => {
    switch (change.kind) {
      case "service_added": {
        const rt = services.add(change.service, [], registry.listOutages(change.service.id), () => now);
        services.plan(rt, now);
        return;
      }
      case "service_updated": {
        const rt = services.get(change.service.id);
        if (rt === undefined) return;
        const next = services.replace(rt, change.service, now);
        const sameTarget = checksSameTarget(change.previous, change.service);
        // The registry committed the same fresh observation (create-registry.ts).
        next.observation = sameTarget ? rt.observation : observationAfterTargetChange(change.previous, change.service);
        // Availability alerts start over on a new target: the old one's results say nothing of it.
        if (!sameTarget) {
          next.recent = [];
          next.recordedStatus = undefined;
        }
        // The same target was being checked: no second probe of it at once (checking rule 1).
        const inFlight = rt.lifecycle.t === "checking" && sameTarget ? rt.lifecycle.startedAt + MIN_CHECK_SPACING_MS : undefined;
        services.plan(next, now, inFlight === undefined ? undefined : Math.max(nextCheckOf(next, now), inFlight));
        return;
      }
      case "service_paused": {
        const rt = services.get(change.service.id);
        if (rt === undefined) return;
        // Not planned (it is paused), and a check in flight is dropped with the
        // old runtime; what was seen stays readable (GetService) until it resumes.
        const paused = services.replace(rt, change.service, now);
        paused.observation = rt.observation;
        // Paused time counts neither as up nor as down, in the history and for alerts.
        const at = change.service.pausedAt ?? now;
        history?.record({ kind: "pause", serviceId: change.service.id, at });
        addResult(paused.recent, at, "excluded", Number.POSITIVE_INFINITY);
        return;
      }
      case "service_resumed": {
        const rt = services.get(change.service.id);
        if (rt === undefined) return;
        // Checked at once, from nothing known (the registry committed the same
        // fresh observation): a failure's down_since must not reach back into
        // the pause, and an UP the caller already heard is not repeated.
        const next = services.replace(rt, change.service, now);
        // A target change made while paused is still owed its note (the store's
        // fresh observation lacks it until the first check after resume saves this one).
        const { note } = rt.observation;
        if (note !== undefined) next.observation = { ...next.observation, note };
        // A check dropped at the pause may still be running: keep checks 1 s apart (checking rule 1).
        const started = next.lastCheckStartedAt;
        services.plan(next, now, started === undefined ? undefined : Math.max(now, started + MIN_CHECK_SPACING_MS));
        return;
      }
      case "service_removed": {
        const rt = services.get(change.service.id);
        if (rt !== undefined) services.remove(rt);
        return;
      }
      case "caller_added":
      case "caller_updated":
        return;
      case "caller_removed": {
        for (const sub of change.subscriptions) {
          const rt = services.get(sub.serviceId);
          if (rt === undefined) continue;
          rt.subs.delete(sub.callerId);
          recomputeInterval(rt);
          services.plan(rt, now);
        }
        hub.endCaller(change.caller.id, new MonitorError("not_found", `caller "${change.caller.id}" was unregistered`));
        return;
      }
      case "subscription_set": {
        const rt = services.get(change.subscription.serviceId);
        if (rt === undefined) return;
        const { callerId } = change.subscription;
        const existing = rt.subs.get(callerId);
        // Changed in place: an evaluation in flight commits its announcement to this same state.
        if (existing === undefined) rt.subs.set(callerId, subscriptionState(change.subscription, NOTHING_ANNOUNCED));
        else {
          existing.config = change.subscription;
          existing.gracePeriodMs = change.subscription.gracePeriodMs;
        }
        recomputeInterval(rt);
        const announced = announcer.evaluate(rt.config.id, { only: callerId });
        services.plan(rt, now);
        return announced;
      }
      case "subscription_removed": {
        const rt = services.get(change.subscription.serviceId);
        if (rt === undefined) return;
        rt.subs.delete(change.subscription.callerId);
        recomputeInterval(rt);
        services.plan(rt, now);
        return;
      }
      case "outage_added":
      case "outage_removed": {
        const rt = services.get(change.outage.serviceId);
        if (rt === undefined) return;
        rt.outages = registry.listOutages(rt.config.id).filter((outage) => outage.endMs > now);
        // Cancelling an outage we are inside of ends it now: reconcile.
        const reconciled = announcer.evaluate(rt.config.id);
        services.plan(rt, now);
        return reconciled;
      }
    }
  };
}
