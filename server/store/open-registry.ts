import { randomBytes } from "node:crypto";
import { MonitorError, notFound } from "../domain/monitor-error.js";
import { quoteInput } from "../domain/quote-input.js";
import type {
  CallerConfig,
  PlannedOutage,
  ServiceConfig,
  SubscriptionConfig,
} from "../domain/types.js";
import type {
  Registry,
  RegistryChange,
  RegistryData,
  RegistryPersistence,
  SubscriptionFilter,
} from "./registry.js";
import { createWriteCoalescer } from "./write-coalescer.js";

export interface RegistryOptions {
  /** Makes ids for services ("svc") and outages ("out"); random by default. */
  readonly newId?: (prefix: "svc" | "out") => string;
}

function randomId(prefix: string): string {
  return `${prefix}_${randomBytes(8).toString("hex")}`;
}

/** host:port as a key; host names are case-insensitive. */
function addressKey(host: string, port: number): string {
  return `${host.toLowerCase()}|${port}`;
}

function byId<T extends { readonly id: string }>(a: T, b: T): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function bySubscriptionKey(a: SubscriptionConfig, b: SubscriptionConfig): number {
  if (a.callerId !== b.callerId) return a.callerId < b.callerId ? -1 : 1;
  return a.serviceId < b.serviceId ? -1 : a.serviceId > b.serviceId ? 1 : 0;
}

/** A two-level index: outer key → inner key → value. */
function nestedSet<V>(index: Map<string, Map<string, V>>, outer: string, inner: string, value: V): void {
  let map = index.get(outer);
  if (map === undefined) index.set(outer, (map = new Map()));
  map.set(inner, value);
}

function nestedDelete<V>(index: Map<string, Map<string, V>>, outer: string, inner: string): void {
  const map = index.get(outer);
  if (map === undefined) return;
  map.delete(inner);
  if (map.size === 0) index.delete(outer);
}

/**
 * Loads the registry from `persistence` and serves it from memory. Mutations
 * apply to memory at once (so a second concurrent call sees the first, and
 * uniqueness holds), then wait for a coalesced save before they resolve and
 * emit their change.
 */
export async function openRegistry(
  persistence: RegistryPersistence,
  options: RegistryOptions = {},
): Promise<Registry> {
  const newId = options.newId ?? randomId;
  const services = new Map<string, ServiceConfig>();
  const serviceByAddress = new Map<string, string>();
  const callers = new Map<string, CallerConfig>();
  const subsByService = new Map<string, Map<string, SubscriptionConfig>>();
  const subsByCaller = new Map<string, Map<string, SubscriptionConfig>>();
  const outages = new Map<string, PlannedOutage>();
  const outagesByService = new Map<string, Map<string, PlannedOutage>>();
  const listeners = new Set<(change: RegistryChange) => void>();
  let sortedServices: ServiceConfig[] | undefined;
  let sortedCallers: CallerConfig[] | undefined;

  function putService(service: ServiceConfig): void {
    services.set(service.id, service);
    serviceByAddress.set(addressKey(service.host, service.port), service.id);
    sortedServices = undefined;
  }
  function putCaller(caller: CallerConfig): void {
    callers.set(caller.id, caller);
    sortedCallers = undefined;
  }
  function putSubscription(sub: SubscriptionConfig): void {
    nestedSet(subsByService, sub.serviceId, sub.callerId, sub);
    nestedSet(subsByCaller, sub.callerId, sub.serviceId, sub);
  }
  function dropSubscription(sub: SubscriptionConfig): void {
    nestedDelete(subsByService, sub.serviceId, sub.callerId);
    nestedDelete(subsByCaller, sub.callerId, sub.serviceId);
  }
  function putOutage(outage: PlannedOutage): void {
    outages.set(outage.id, outage);
    nestedSet(outagesByService, outage.serviceId, outage.id, outage);
  }
  function dropOutage(outage: PlannedOutage): void {
    outages.delete(outage.id);
    nestedDelete(outagesByService, outage.serviceId, outage.id);
  }

  const loaded = await persistence.load();
  if (loaded !== undefined) {
    for (const service of loaded.services) putService(service);
    for (const caller of loaded.callers) putCaller(caller);
    // A record whose owner is missing can only come from a hand-edited file;
    // dropping it beats serving a subscription to nothing.
    for (const sub of loaded.subscriptions) {
      if (services.has(sub.serviceId) && callers.has(sub.callerId)) putSubscription(sub);
    }
    for (const outage of loaded.outages) {
      if (services.has(outage.serviceId)) putOutage(outage);
    }
  }

  function snapshot(): RegistryData {
    return {
      services: [...services.values()],
      callers: [...callers.values()],
      subscriptions: [...subsByService.values()].flatMap((m) => [...m.values()]),
      outages: [...outages.values()],
    };
  }

  const writer = createWriteCoalescer(() => persistence.save(snapshot()));

  async function commit(change: RegistryChange): Promise<void> {
    await writer.request();
    for (const listener of listeners) listener(change);
  }

  function requireService(id: string): ServiceConfig {
    const service = services.get(id);
    if (service === undefined) throw notFound("service", id);
    return service;
  }
  function requireCaller(id: string): CallerConfig {
    const caller = callers.get(id);
    if (caller === undefined) throw notFound("caller", id);
    return caller;
  }

  return {
    getService: (id) => services.get(id),
    listServices() {
      return (sortedServices ??= [...services.values()].sort(byId));
    },
    getCaller: (id) => callers.get(id),
    listCallers() {
      return (sortedCallers ??= [...callers.values()].sort(byId));
    },
    getSubscription: (callerId, serviceId) => subsByCaller.get(callerId)?.get(serviceId),
    listSubscriptions(filter: SubscriptionFilter = {}) {
      const { callerId, serviceId } = filter;
      let found: SubscriptionConfig[];
      if (callerId !== undefined && serviceId !== undefined) {
        const sub = subsByCaller.get(callerId)?.get(serviceId);
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
    listOutages(serviceId?: string) {
      const found =
        serviceId === undefined
          ? [...outages.values()]
          : [...(outagesByService.get(serviceId)?.values() ?? [])];
      return found.sort((a, b) => a.startMs - b.startMs || byId(a, b));
    },

    async addService(input) {
      const key = addressKey(input.host, input.port);
      const existing = serviceByAddress.get(key);
      if (existing !== undefined) {
        throw new MonitorError(
          "already_exists",
          // The host passed checkHost (a hostname or IP) and the id is ours: both safe to repeat.
          `service ${input.host}:${input.port} is already registered as "${existing}"`,
        );
      }
      const service: ServiceConfig = { ...input, id: newId("svc") };
      putService(service);
      await commit({ kind: "service_added", service });
      return service;
    },
    async removeService(id) {
      const service = requireService(id);
      const subscriptions = [...(subsByService.get(id)?.values() ?? [])];
      const removedOutages = [...(outagesByService.get(id)?.values() ?? [])];
      for (const sub of subscriptions) dropSubscription(sub);
      for (const outage of removedOutages) dropOutage(outage);
      services.delete(id);
      serviceByAddress.delete(addressKey(service.host, service.port));
      sortedServices = undefined;
      await commit({ kind: "service_removed", service, subscriptions, outages: removedOutages });
    },
    async addCaller(caller) {
      if (callers.has(caller.id)) {
        throw new MonitorError("already_exists", `caller ${quoteInput(caller.id)} is already registered`);
      }
      putCaller(caller);
      await commit({ kind: "caller_added", caller });
      return caller;
    },
    async removeCaller(id) {
      const caller = requireCaller(id);
      const subscriptions = [...(subsByCaller.get(id)?.values() ?? [])];
      for (const sub of subscriptions) dropSubscription(sub);
      callers.delete(id);
      sortedCallers = undefined;
      await commit({ kind: "caller_removed", caller, subscriptions });
    },
    async setSubscription(subscription) {
      requireCaller(subscription.callerId);
      requireService(subscription.serviceId);
      const previous = subsByCaller.get(subscription.callerId)?.get(subscription.serviceId);
      putSubscription(subscription);
      await commit({ kind: "subscription_set", subscription, previous });
      return subscription;
    },
    async removeSubscription(callerId, serviceId) {
      const subscription = subsByCaller.get(callerId)?.get(serviceId);
      if (subscription === undefined) {
        throw new MonitorError(
          "not_found",
          `caller ${quoteInput(callerId)} is not subscribed to service ${quoteInput(serviceId)}`,
        );
      }
      dropSubscription(subscription);
      await commit({ kind: "subscription_removed", subscription });
    },
    async addOutage(input) {
      requireService(input.serviceId);
      const outage: PlannedOutage = { ...input, id: newId("out") };
      putOutage(outage);
      await commit({ kind: "outage_added", outage });
      return outage;
    },
    async removeOutage(id) {
      const outage = outages.get(id);
      if (outage === undefined) throw notFound("planned outage", id);
      dropOutage(outage);
      await commit({ kind: "outage_removed", outage });
    },

    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async flush() {
      await writer.idle();
    },
  };
}
