import { startupOffsetMs } from "../domain/next-check.js";
import { graceDeadline, NOTHING_ANNOUNCED } from "../domain/notification.js";
import type { Announced, Millis, Observation } from "../domain/types.js";
import { subscriptionEnded } from "../store/create-registry.js";
import type { Step } from "../store/commit-queue.js";
import type { Registry } from "../store/registry.js";
import type { AnnouncedEntry } from "../store/store.js";
import type { Announcer } from "./announcer.js";
import { nextCheckOf } from "./check-planner.js";
import { subscriptionState, type ServiceRuntime } from "./service-runtime.js";
import type { ServiceTable } from "./service-table.js";

/** What the store kept of the engine's own state: what was announced, what the checks saw. */
export interface RecoveredState {
  readonly announced: readonly AnnouncedEntry[];
  readonly observations: readonly { readonly serviceId: string; readonly observation: Observation }[];
}

export interface StartupRecoveryDeps {
  readonly registry: Registry;
  readonly services: ServiceTable;
  readonly announcer: Announcer;
}

/**
 * Rebuilds the engine from the store at start: every registered service with
 * its subscriptions, what each last announced (so a restart announces nothing
 * twice and skips nothing) and what its checks last saw (so a failure keeps
 * its `down_since`, and DOWN comes at `down_since + grace`, not a grace
 * period after the restart). First checks are spread over each service's
 * interval (checking rule 2) unless an earlier one is due: a pending grace
 * deadline, or the next check of the old rhythm.
 *
 * An announced state whose subscription is gone can only come from an import
 * (removals commit their `subscription_ended`): it is sent now.
 */
export function recoverAtStartup(deps: StartupRecoveryDeps, recovered: RecoveredState, now: Millis): void {
  const { registry, services, announcer } = deps;
  const announced = new Map<string, Map<string, Announced>>();
  for (const entry of recovered.announced) {
    let byService = announced.get(entry.callerId);
    if (byService === undefined) announced.set(entry.callerId, (byService = new Map()));
    byService.set(entry.serviceId, entry.announced);
  }
  const observations = new Map(recovered.observations.map((o) => [o.serviceId, o.observation]));
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
    const spread = (interval: number) => now + startupOffsetMs(config.id, interval);
    const rt = services.add(config, subs, outages, spread);
    const observation = observations.get(config.id);
    if (observation === undefined) services.plan(rt, now);
    else {
      rt.observation = notAfter(observation, now);
      services.plan(rt, now, firstCheckAfterRestart(rt, now));
    }
  }

  const leftovers: Step[] = [];
  for (const [callerId, byService] of announced) {
    if (registry.getCaller(callerId) === undefined) continue;
    for (const serviceId of byService.keys()) {
      const reason = registry.getService(serviceId) === undefined ? "service unregistered" : "unsubscribed";
      leftovers.push(subscriptionEnded(callerId, serviceId, reason));
    }
  }
  announcer.emit(leftovers);
}

/**
 * The observation with no time after `now`: if the clock was set back while
 * the server was down, a last check "in the future" would hold the next one
 * off, and a `down_since` in the future would put DOWN off, by as much.
 */
function notAfter(observation: Observation, now: Millis): Observation {
  const { lastCheckAt, sinceMs } = observation;
  if (sinceMs <= now && (lastCheckAt === undefined || lastCheckAt <= now)) return observation;
  return { ...observation, sinceMs: Math.min(sinceMs, now), lastCheckAt: lastCheckAt === undefined ? undefined : Math.min(lastCheckAt, now) };
}

/**
 * The old rhythm when its next check is still ahead; the spread start when
 * it is overdue (a long stop); at once when a grace deadline passed while
 * the server was down — DOWN is owed, and one check confirms it first.
 */
function firstCheckAfterRestart(rt: ServiceRuntime, now: Millis): Millis {
  const planned = nextCheckOf(rt, now);
  if (planned > now) return planned;
  for (const sub of rt.subs.values()) {
    const deadline = graceDeadline(sub.announced, rt.observation, sub.gracePeriodMs);
    if (deadline !== undefined && deadline <= now) return now;
  }
  return rt.nextCheckAt;
}
