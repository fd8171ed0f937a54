import { NOTHING_ANNOUNCED } from "../domain/notification.js";
import { isInOutage } from "../domain/outage-windows.js";
import type { ServiceStateSource } from "../domain/service-state.js";
import type { Announced, Millis } from "../domain/types.js";
import type { Registry } from "../store/registry.js";
import type { CheckPool } from "./check-pool.js";
import { isPaused } from "./service-runtime.js";
import type { ServiceTable } from "./service-table.js";

/** One entry of a caller's Watch snapshot. */
export interface SnapshotEntry {
  readonly serviceId: string;
  readonly host: string;
  readonly port: number;
  /** HTTP checks only. */
  readonly url?: string;
  readonly paused: boolean;
  readonly announced: Announced;
}

export interface EngineStats {
  readonly checksStarted: number;
  readonly checksCompleted: number;
  readonly inFlight: number;
  readonly waiting: number;
  readonly services: number;
}

/** What the rest of the server may read of the engine: states, snapshots, counters. */
export interface EngineReadModel extends ServiceStateSource {
  /** The announced status of each of a caller's subscriptions. */
  snapshot(callerId: string): SnapshotEntry[];
  stats(): EngineStats;
}

export function createEngineReadModel(
  registry: Registry,
  services: ServiceTable,
  pool: CheckPool,
  now: () => Millis,
): EngineReadModel {
  return {
    stateOf(serviceId) {
      const rt = services.get(serviceId);
      if (rt === undefined) return undefined;
      return {
        observation: rt.observation,
        effectiveIntervalMs: rt.effectiveIntervalMs,
        inPlannedOutage: isInOutage(rt.outages, now()),
        // Unknown while a check runs (it plans the next one when it completes); none while paused.
        nextCheckAt: rt.lifecycle.t === "checking" || isPaused(rt) ? undefined : rt.nextCheckAt,
      };
    },
    snapshot(callerId) {
      const entries: SnapshotEntry[] = [];
      for (const sub of registry.listSubscriptions({ callerId })) {
        const rt = services.get(sub.serviceId);
        if (rt === undefined) continue;
        entries.push({
          serviceId: rt.config.id,
          host: rt.config.host,
          port: rt.config.port,
          ...(rt.config.probe?.kind === "http" ? { url: rt.config.probe.url } : {}),
          paused: isPaused(rt),
          announced: shownAnnounced(rt.subs.get(callerId)?.announced ?? NOTHING_ANNOUNCED, sub.availabilityAlert !== undefined),
        });
      }
      return entries;
    },
    stats: () => ({
      checksStarted: pool.started,
      checksCompleted: pool.completed,
      inFlight: pool.inFlight,
      waiting: pool.waiting,
      services: services.size,
    }),
  };
}

/**
 * An availability alert stands only while the subscription has a rule: one
 * removed while alerting leaves the caller's log as it was (no event says
 * "recovered" when nothing recovered), but the snapshot no longer shows it.
 */
function shownAnnounced(announced: Announced, hasRule: boolean): Announced {
  if (hasRule || announced.alerting !== true) return announced;
  return { status: announced.status, sinceMs: announced.sinceMs };
}
