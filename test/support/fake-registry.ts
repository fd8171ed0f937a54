import { MonitorError, notFound } from "../../server/domain/monitor-error.js";
import { targetKey } from "../../server/domain/service-target.js";
import type { CallerConfig, PlannedOutage, ServiceConfig, SubscriptionConfig } from "../../server/domain/types.js";
import type { Registry, RegistryChange, RegistryData } from "../../server/store/registry.js";
import { withTokenOf } from "../../server/store/with-token-of.js";

/**
 * A Registry over plain maps, with the refusals and cascades the real one
 * has (not_found, an address or id already taken, a removed service taking
 * its subscriptions and outages, a removed caller its subscriptions), and
 * every mutation recorded. For testing what drives a registry (the config
 * file sync) without a store. `failNext` makes the next mutation of a kind
 * fail, as a store error would.
 */
export function createFakeRegistry(initial: Partial<RegistryData> = {}) {
  const services = new Map((initial.services ?? []).map((s) => [s.id, s]));
  const callers = new Map((initial.callers ?? []).map((c) => [c.id, c]));
  const subKey = (callerId: string, serviceId: string) => `${callerId}\u0000${serviceId}`;
  const subscriptions = new Map((initial.subscriptions ?? []).map((s) => [subKey(s.callerId, s.serviceId), s]));
  const outages = new Map((initial.outages ?? []).map((o) => [o.id, o]));
  const listeners = new Set<(change: RegistryChange) => void>();
  const mutations: string[] = [];
  const failures = new Map<string, Error>();
  let ids = 0;

  const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const emit = (change: RegistryChange) => listeners.forEach((l) => l(change));
  const addressTaken = (s: ServiceConfig) =>
    [...services.values()].find((o) => o.id !== s.id && targetKey(o) === targetKey(s));

  /** Each mutation resolves on a later turn, as a durable write would. */
  async function mutate<T>(name: string, run: () => T): Promise<T> {
    await new Promise((resolve) => setImmediate(resolve));
    const failure = failures.get(name);
    if (failure !== undefined) {
      failures.delete(name);
      throw failure;
    }
    const result = run();
    mutations.push(name);
    return result;
  }

  function dropService(id: string) {
    const service = services.get(id);
    if (service === undefined) throw notFound("service", id);
    const subs = [...subscriptions.values()].filter((s) => s.serviceId === id);
    const outs = [...outages.values()].filter((o) => o.serviceId === id);
    subs.forEach((s) => subscriptions.delete(subKey(s.callerId, s.serviceId)));
    outs.forEach((o) => outages.delete(o.id));
    services.delete(id);
    emit({ kind: "service_removed", service, subscriptions: subs, outages: outs });
  }

  const registry: Registry = {
    getService: (id) => services.get(id),
    listServices: () => [...services.values()].sort(byId),
    getCaller: (id) => callers.get(id),
    listCallers: () => [...callers.values()].sort(byId),
    getSubscription: (c, s) => subscriptions.get(subKey(c, s)),
    listSubscriptions: (filter = {}) =>
      [...subscriptions.values()]
        .filter((s) => (filter.callerId ?? s.callerId) === s.callerId && (filter.serviceId ?? s.serviceId) === s.serviceId)
        .sort((a, b) => subKey(a.callerId, a.serviceId).localeCompare(subKey(b.callerId, b.serviceId))),
    subscriptionsOf: (serviceId) => [...subscriptions.values()].filter((s) => s.serviceId === serviceId),
    getOutage: (id) => outages.get(id),
    listOutages: (serviceId) =>
      [...outages.values()].filter((o) => serviceId === undefined || o.serviceId === serviceId).sort((a, b) => a.startMs - b.startMs || byId(a, b)),

    addService: (input) =>
      mutate("addService", () => {
        const service: ServiceConfig = { ...input, id: input.id ?? `svc_${String(++ids).padStart(4, "0")}` };
        if (services.has(service.id)) throw new MonitorError("already_exists", `service ${service.id} already exists`);
        const other = addressTaken(service);
        if (other !== undefined) throw new MonitorError("already_exists", `${service.host}:${service.port} is already registered as ${other.id}`);
        services.set(service.id, service);
        emit({ kind: "service_added", service });
        return service;
      }),
    editService: (id, edit) =>
      mutate("editService", () => {
        const previous = services.get(id);
        if (previous === undefined) throw notFound("service", id);
        const service = edit(previous);
        const other = addressTaken(service);
        if (other !== undefined) throw new MonitorError("already_exists", `${service.host}:${service.port} is already registered as ${other.id}`);
        services.set(service.id, service);
        emit({ kind: "service_updated", service, previous });
        return service;
      }),
    updateService: (service) =>
      mutate("updateService", () => {
        const previous = services.get(service.id);
        if (previous === undefined) throw notFound("service", service.id);
        const other = addressTaken(service);
        if (other !== undefined) throw new MonitorError("already_exists", `${service.host}:${service.port} is already registered as ${other.id}`);
        services.set(service.id, service);
        emit({ kind: "service_updated", service, previous });
        return service;
      }),
    pauseService: (id, at) =>
      mutate("pauseService", () => {
        const previous = services.get(id);
        if (previous === undefined) throw notFound("service", id);
        if (previous.pausedAt !== undefined) return previous;
        const service: ServiceConfig = { ...previous, pausedAt: at };
        services.set(id, service);
        emit({ kind: "service_paused", service });
        return service;
      }),
    resumeService: (id) =>
      mutate("resumeService", () => {
        const previous = services.get(id);
        if (previous === undefined) throw notFound("service", id);
        if (previous.pausedAt === undefined) return previous;
        const { pausedAt: _, ...service } = previous;
        services.set(id, service);
        emit({ kind: "service_resumed", service, previous });
        return service;
      }),
    removeService: (id) => mutate("removeService", () => dropService(id)),
    addCaller: (caller) =>
      mutate("addCaller", () => {
        if (callers.has(caller.id)) throw new MonitorError("already_exists", `caller ${caller.id} already exists`);
        callers.set(caller.id, caller);
        emit({ kind: "caller_added", caller });
        return caller;
      }),
    updateCaller: (input) =>
      mutate("updateCaller", () => {
        const previous = callers.get(input.id);
        if (previous === undefined) throw notFound("caller", input.id);
        const caller = withTokenOf(previous, input);
        callers.set(caller.id, caller);
        emit({ kind: "caller_updated", caller, previous });
        return caller;
      }),
    rotateCallerToken: (id, tokenHash) =>
      mutate("rotateCallerToken", () => {
        const previous = callers.get(id);
        if (previous === undefined) throw notFound("caller", id);
        const caller: CallerConfig = { ...previous, tokenHash };
        callers.set(caller.id, caller);
        emit({ kind: "caller_updated", caller, previous });
        return caller;
      }),
    removeCaller: (id) =>
      mutate("removeCaller", () => {
        const caller = callers.get(id);
        if (caller === undefined) throw notFound("caller", id);
        const subs = [...subscriptions.values()].filter((s) => s.callerId === id);
        subs.forEach((s) => subscriptions.delete(subKey(s.callerId, s.serviceId)));
        callers.delete(id);
        emit({ kind: "caller_removed", caller, subscriptions: subs });
      }),
    setSubscription: (subscription) =>
      mutate("setSubscription", () => {
        if (!callers.has(subscription.callerId)) throw notFound("caller", subscription.callerId);
        if (!services.has(subscription.serviceId)) throw notFound("service", subscription.serviceId);
        const key = subKey(subscription.callerId, subscription.serviceId);
        const previous = subscriptions.get(key);
        subscriptions.set(key, subscription);
        emit({ kind: "subscription_set", subscription, previous });
        return subscription;
      }),
    removeSubscription: (callerId, serviceId) =>
      mutate("removeSubscription", () => {
        const subscription = subscriptions.get(subKey(callerId, serviceId));
        if (subscription === undefined) throw notFound("subscription", `${callerId}/${serviceId}`);
        subscriptions.delete(subKey(callerId, serviceId));
        emit({ kind: "subscription_removed", subscription });
      }),
    addOutage: (input) =>
      mutate("addOutage", () => {
        const outage: PlannedOutage = { ...input, id: input.id ?? `out_${String(++ids).padStart(4, "0")}` };
        if (!services.has(outage.serviceId)) throw notFound("service", outage.serviceId);
        if (outages.has(outage.id)) throw new MonitorError("already_exists", `outage ${outage.id} already exists`);
        outages.set(outage.id, outage);
        emit({ kind: "outage_added", outage });
        return outage;
      }),
    removeOutage: (id) =>
      mutate("removeOutage", () => {
        const outage = outages.get(id);
        if (outage === undefined) throw notFound("outage", id);
        outages.delete(id);
        emit({ kind: "outage_removed", outage });
      }),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    flush: async () => {},
  };

  return {
    registry,
    /** Names of the mutations that succeeded, in order. */
    mutations,
    /** Everything it holds, as the config file sync reads it. */
    data: (): RegistryData => ({
      services: registry.listServices(),
      callers: registry.listCallers(),
      subscriptions: registry.listSubscriptions(),
      outages: registry.listOutages(),
    }),
    /** The next call of `mutation` (e.g. "addService") fails with `error`. */
    failNext(mutation: keyof Registry, error: Error) {
      failures.set(mutation, error);
    },
  };
}

export type FakeRegistry = ReturnType<typeof createFakeRegistry>;

/** A service as the API would have registered it (no managedBy), for seeding a fake registry. */
export const apiService = (id: string, port: number, extra: Partial<ServiceConfig> = {}): ServiceConfig => ({
  id,
  host: "127.0.0.1",
  port,
  displayName: "",
  checkIntervalMs: 30_000,
  checkTimeoutMs: 2_000,
  createdAt: 1_000,
  ...extra,
});

export const apiCaller = (id: string, extra: Partial<CallerConfig> = {}): CallerConfig => ({ id, displayName: "", createdAt: 1_000, ...extra });

export const apiSubscription = (callerId: string, serviceId: string, extra: Partial<SubscriptionConfig> = {}): SubscriptionConfig => ({
  callerId,
  serviceId,
  pollingIntervalMs: 30_000,
  gracePeriodMs: 0,
  ...extra,
});
