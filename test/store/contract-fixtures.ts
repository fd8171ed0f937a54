import type {
  CallerConfig,
  CallerEvent,
  LoggedEvent,
  Observation,
  PlannedOutage,
  ServiceConfig,
  Status,
  SubscriptionConfig,
} from "../../server/domain/types.js";
import type { AnnouncedEntry, Store, StoreContents, StoreOp } from "../../server/store/store.js";

/**
 * The records and ops the store contract's suites build their cases from
 * (store-contract.ts, http-pause-contract.ts), and the comparison helpers:
 * load() promises no order, so contents are compared sorted.
 */

export const T0 = 1_700_000_000_000;

export function service(id: string, over: Partial<ServiceConfig> = {}): ServiceConfig {
  return {
    id,
    host: "127.0.0.1",
    port: 8000 + id.length,
    displayName: `service ${id}`,
    checkIntervalMs: 30_000,
    checkTimeoutMs: 2_000,
    createdAt: T0,
    ...over,
  };
}

export function caller(id: string, over: Partial<CallerConfig> = {}): CallerConfig {
  return { id, displayName: `caller ${id}`, createdAt: T0 + 1, ...over };
}

export function subscription(callerId: string, serviceId: string, over: Partial<SubscriptionConfig> = {}): SubscriptionConfig {
  return { callerId, serviceId, pollingIntervalMs: 5_000, gracePeriodMs: 10_000, ...over };
}

export function outage(id: string, serviceId: string, over: Partial<PlannedOutage> = {}): PlannedOutage {
  return { id, serviceId, startMs: T0 + 60_000, endMs: T0 + 120_000, reason: "upgrade", ...over };
}

export function observation(over: Partial<Observation> = {}): Observation {
  return { status: "down", sinceMs: T0 + 5, lastCheckAt: T0 + 7, lastLatencyMs: 1.25, detail: "connection refused", ...over };
}

export function change(serviceId: string, status: "up" | "down", sinceMs: number, previous: Status = "unknown"): CallerEvent {
  return { kind: "status_change", serviceId, host: "127.0.0.1", port: 8080, previous, status, sinceMs, detail: "d" };
}

export function ended(serviceId: string, reason: "unsubscribed" | "service unregistered" = "unsubscribed"): CallerEvent {
  return { kind: "subscription_ended", serviceId, reason };
}

export function logged(callerId: string, sequence: number, event: CallerEvent, timeMs = T0 + sequence): LoggedEvent {
  return { callerId, sequence, timeMs, event };
}

export function append(callerId: string, sequence: number, event: CallerEvent, timeMs?: number): StoreOp {
  return { kind: "append_event", event: logged(callerId, sequence, event, timeMs) };
}

export const put = {
  service: (v: ServiceConfig): StoreOp => ({ kind: "put_service", service: v }),
  caller: (v: CallerConfig): StoreOp => ({ kind: "put_caller", caller: v }),
  subscription: (v: SubscriptionConfig): StoreOp => ({ kind: "put_subscription", subscription: v }),
  outage: (v: PlannedOutage): StoreOp => ({ kind: "put_outage", outage: v }),
  observation: (serviceId: string, v: Observation): StoreOp => ({ kind: "put_observation", serviceId, observation: v }),
};

const by = <T>(key: (v: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/** The contents with every list sorted, since load() promises no order. */
export function sorted(c: StoreContents): StoreContents {
  return {
    services: [...c.services].sort(by((v) => v.id)),
    callers: [...c.callers].sort(by((v) => v.id)),
    subscriptions: [...c.subscriptions].sort(by((v) => `${v.callerId}\u0000${v.serviceId}`)),
    outages: [...c.outages].sort(by((v) => v.id)),
    observations: [...c.observations].sort(by((v) => v.serviceId)),
    announced: [...c.announced].sort(by((v) => `${v.callerId}\u0000${v.serviceId}`)),
    sequences: [...c.sequences].sort(by((v) => v.callerId)),
  };
}

export const EMPTY: StoreContents = {
  services: [],
  callers: [],
  subscriptions: [],
  outages: [],
  observations: [],
  announced: [],
  sequences: [],
};

export function contents(over: Partial<StoreContents>): StoreContents {
  return sorted({ ...EMPTY, ...over });
}

export function announced(callerId: string, serviceId: string, status: Status, sinceMs: number): AnnouncedEntry {
  return { callerId, serviceId, announced: { status, sinceMs } };
}

export async function sequencesOf(store: Store, callerId: string): Promise<number[]> {
  return (await store.readEvents(callerId, 0, 1_000_000)).map((e) => e.sequence);
}
