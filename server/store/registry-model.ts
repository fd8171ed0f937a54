import type { CallerConfig, PlannedOutage, ServiceConfig, SubscriptionConfig } from "../domain/types.js";
import { targetKey } from "../domain/service-target.js";
import type { StoreContents, StoreOp } from "./store.js";


function byId<T extends { readonly id: string }>(a: T, b: T): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function bySubscriptionKey(a: SubscriptionConfig, b: SubscriptionConfig): number {
  if (a.callerId !== b.callerId) return a.callerId < b.callerId ? -1 : 1;
  return a.serviceId < b.serviceId ? -1 : a.serviceId > b.serviceId ? 1 : 0;
}

/** A two-level index: outer key → inner key → value. */
type Nested<V> = Map<string, Map<string, V>>;

function nestedSet<V>(index: Nested<V>, outer: string, inner: string, value: V): void {
  let map = index.get(outer);
  if (map === undefined) index.set(outer, (map = new Map()));
  map.set(inner, value);
}

function nestedDelete<V>(index: Nested<V>, outer: string, inner: string): void {
  const map = index.get(outer);
  if (map === undefined) return;
  map.delete(inner);
  if (map.size === 0) index.delete(outer);
}

export interface RegistryCounts {
  readonly services: number;
  readonly callers: number;
  readonly subscriptions: number;
}

/** Reverts one applied op. */
export type Undo = () => void;

/** The registry's rows in memory, indexed for every read the server makes. */
export interface RegistryModel {
  getService(id: string): ServiceConfig | undefined;
  /** The service checking this target (targetKey: TCP host:port, HTTP method + URL). */
  serviceWithTarget(key: string): ServiceConfig | undefined;
  /** Every service ordered by id (cached until the next change). */
  listServices(): readonly ServiceConfig[];
  getCaller(id: string): CallerConfig | undefined;
  listCallers(): readonly CallerConfig[];
  getSubscription(callerId: string, serviceId: string): SubscriptionConfig | undefined;
  /** Ordered by caller id, then service id. */
  listSubscriptions(filter?: { readonly callerId?: string; readonly serviceId?: string }): SubscriptionConfig[];
  /** A service's subscriptions, unordered and uncopied: the engine's hot path. */
  subscriptionsOf(serviceId: string): Iterable<SubscriptionConfig>;
  getOutage(id: string): PlannedOutage | undefined;
  /** Ordered by start time, then id; every service's when serviceId is undefined. */
  listOutages(serviceId?: string): PlannedOutage[];
  /** How many of each row there are: what the registry size limits compare against. */
  counts(): RegistryCounts;
  /**
   * Applies one op to memory and returns how to revert it. Ops that do not
   * concern the registry (events, observations) change nothing here.
   */
  apply(op: StoreOp): Undo;
}

const NOTHING: Undo = () => {};

/**
 * The registry as the store holds it, in memory. It changes only through
 * {@link RegistryModel.apply} with the same ops the store writes, so what is
 * in memory is what is on disk; the commit queue uses the undo to plan a
 * batch against it without showing uncommitted state to readers.
 */
export function createRegistryModel(contents?: Pick<StoreContents, "services" | "callers" | "subscriptions" | "outages">): RegistryModel {
  const services = new Map<string, ServiceConfig>();
  const serviceByTarget = new Map<string, ServiceConfig>();
  const callers = new Map<string, CallerConfig>();
  const subsByService: Nested<SubscriptionConfig> = new Map();
  const subsByCaller: Nested<SubscriptionConfig> = new Map();
  const outages = new Map<string, PlannedOutage>();
  const outagesByService: Nested<PlannedOutage> = new Map();
  let sortedServices: ServiceConfig[] | undefined;
  let sortedCallers: CallerConfig[] | undefined;
  // Kept as a number: counting the nested maps on every Subscribe would cost a walk of them all.
  let subscriptionCount = 0;

  function setService(service: ServiceConfig | undefined, id: string): void {
    const old = services.get(id);
    if (old !== undefined) serviceByTarget.delete(targetKey(old));
    if (service === undefined) services.delete(id);
    else {
      services.set(id, service);
      serviceByTarget.set(targetKey(service), service);
    }
    sortedServices = undefined;
  }
  function setCaller(caller: CallerConfig | undefined, id: string): void {
    if (caller === undefined) callers.delete(id);
    else callers.set(id, caller);
    sortedCallers = undefined;
  }
  function setSubscription(sub: SubscriptionConfig | undefined, callerId: string, serviceId: string): void {
    const existed = subsByCaller.get(callerId)?.has(serviceId) === true;
    subscriptionCount += (sub === undefined ? 0 : 1) - (existed ? 1 : 0);
    if (sub === undefined) {
      nestedDelete(subsByService, serviceId, callerId);
      nestedDelete(subsByCaller, callerId, serviceId);
    } else {
      nestedSet(subsByService, serviceId, callerId, sub);
      nestedSet(subsByCaller, callerId, serviceId, sub);
    }
  }
  function setOutage(outage: PlannedOutage | undefined, id: string): void {
    const old = outages.get(id);
    if (old !== undefined) nestedDelete(outagesByService, old.serviceId, id);
    if (outage === undefined) outages.delete(id);
    else {
      outages.set(id, outage);
      nestedSet(outagesByService, outage.serviceId, id, outage);
    }
  }

  for (const service of contents?.services ?? []) setService(service, service.id);
  for (const caller of contents?.callers ?? []) setCaller(caller, caller.id);
  for (const sub of contents?.subscriptions ?? []) setSubscription(sub, sub.callerId, sub.serviceId);
  for (const outage of contents?.outages ?? []) setOutage(outage, outage.id);

  /** Sets a row and returns the undo that puts the previous one back. */
  function replace<K, V>(get: (key: K) => V | undefined, set: (value: V | undefined, key: K) => void, key: K, value: V | undefined): Undo {
    const previous = get(key);
    set(value, key);
    return () => set(previous, key);
  }

  const getSubscription = (callerId: string, serviceId: string) => subsByCaller.get(callerId)?.get(serviceId);
  const setSubscriptionByKey = (sub: SubscriptionConfig | undefined, key: readonly [string, string]) =>
    setSubscription(sub, key[0], key[1]);
  const getSubscriptionByKey = (key: readonly [string, string]) => getSubscription(key[0], key[1]);

  return {
    getService: (id) => services.get(id),
    serviceWithTarget: (key) => serviceByTarget.get(key),
    listServices: () => (sortedServices ??= [...services.values()].sort(byId)),
    getCaller: (id) => callers.get(id),
    listCallers: () => (sortedCallers ??= [...callers.values()].sort(byId)),
    getSubscription,
    listSubscriptions(filter = {}) {
      const { callerId, serviceId } = filter;
      let found: SubscriptionConfig[];
      if (callerId !== undefined && serviceId !== undefined) {
        const sub = getSubscription(callerId, serviceId);
        found = sub === undefined ? [] : [sub];
      } else if (callerId !== undefined) {
        found = [...(subsByCaller.get(callerId)?.values() ?? [])];
      } else if (serviceId !== undefined) {
        found = [...(subsByService.get(serviceId)?.values() ?? [])];
      } else {
        found = [...subsByCaller.values()].flatMap((m) => [...m.values()]);
      }
      return found.sort(bySubscriptionKey);
    },
    subscriptionsOf: (serviceId) => subsByService.get(serviceId)?.values() ?? [],
    getOutage: (id) => outages.get(id),
    listOutages(serviceId) {
      const found = serviceId === undefined ? [...outages.values()] : [...(outagesByService.get(serviceId)?.values() ?? [])];
      return found.sort((a, b) => a.startMs - b.startMs || byId(a, b));
    },

    counts: () => ({ services: services.size, callers: callers.size, subscriptions: subscriptionCount }),

    apply(op) {
      switch (op.kind) {
        case "put_service":
          return replace((id) => services.get(id), setService, op.service.id, op.service);
        case "delete_service":
          return replace((id) => services.get(id), setService, op.serviceId, undefined);
        case "put_caller":
          return replace((id) => callers.get(id), setCaller, op.caller.id, op.caller);
        case "delete_caller":
          return replace((id) => callers.get(id), setCaller, op.callerId, undefined);
        case "put_subscription": {
          const { callerId, serviceId } = op.subscription;
          return replace(getSubscriptionByKey, setSubscriptionByKey, [callerId, serviceId] as const, op.subscription);
        }
        case "delete_subscription":
          return replace(getSubscriptionByKey, setSubscriptionByKey, [op.callerId, op.serviceId] as const, undefined);
        case "put_outage":
          return replace((id) => outages.get(id), setOutage, op.outage.id, op.outage);
        case "delete_outage":
          return replace((id) => outages.get(id), setOutage, op.outageId, undefined);
        case "append_event":
        case "put_observation":
        case "set_last_sequence":
        case "put_announced":
          return NOTHING;
      }
    },
  };
}
