import { startupOffsetMs } from "../domain/next-check.js";
import { NOTHING_ANNOUNCED } from "../domain/notification.js";
import type { Announced, Millis } from "../domain/types.js";
import type { EventLog, EventToAppend } from "../store/event-log.js";
import type { Registry } from "../store/registry.js";
import type { Announcer } from "./announcer.js";
import { subscriptionEnded } from "./registry-follower.js";
import { subscriptionState } from "./service-runtime.js";
import type { ServiceTable } from "./service-table.js";

export interface StartupRecoveryDeps {
  readonly registry: Registry;
  readonly eventLog: EventLog;
  readonly services: ServiceTable;
  readonly announcer: Announcer;
}

/**
 * Rebuilds the engine from the stores at start: every registered service with
 * its subscriptions and what each last announced (so a restart announces
 * nothing twice and skips nothing), first checks spread over each service's
 * interval (checking rule 2). Announced states whose subscription is gone
 * mean the server stopped between the registry write and the event: the
 * missing `subscription_ended` is sent now.
 */
export function recoverAtStartup(deps: StartupRecoveryDeps, now: Millis): void {
  const { registry, eventLog, services, announcer } = deps;
  const announced = new Map<string, Map<string, Announced>>();
  for (const entry of eventLog.announcedAll()) {
    let byService = announced.get(entry.callerId);
    if (byService === undefined) announced.set(entry.callerId, (byService = new Map()));
    byService.set(entry.serviceId, entry.announced);
  }
  /** Takes a subscription's announced state out of the map; what is left over has no subscription. */
  const take = (callerId: string, serviceId: string): Announced => {
    const byService = announced.get(callerId);
    const found = byService?.get(serviceId);
    byService?.delete(serviceId);
    return found ?? NOTHING_ANNOUNCED;
  };

  for (const config of registry.listServices()) {
    const subs = [...registry.subscriptionsOf(config.id)].map((c) => subscriptionState(c, take(c.callerId, c.serviceId)));
    const outages = registry.listOutages(config.id).filter((outage) => outage.endMs > now);
    const rt = services.add(config, subs, outages, (interval) => now + startupOffsetMs(config.id, interval));
    services.plan(rt, now);
  }

  const leftovers: EventToAppend[] = [];
  for (const [callerId, byService] of announced) {
    if (registry.getCaller(callerId) === undefined) {
      eventLog.dropCaller(callerId);
      continue;
    }
    for (const serviceId of byService.keys()) {
      const reason = registry.getService(serviceId) === undefined ? "service unregistered" : "unsubscribed";
      leftovers.push(subscriptionEnded(callerId, serviceId, reason));
    }
  }
  announcer.emit(leftovers, now);
}
