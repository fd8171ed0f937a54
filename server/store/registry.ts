import type {
  CallerConfig,
  PlannedOutage,
  ServiceConfig,
  SubscriptionConfig,
} from "../domain/types.js";

/** Everything the registry holds; what a persistence backend saves and loads. */
export interface RegistryData {
  readonly services: readonly ServiceConfig[];
  readonly callers: readonly CallerConfig[];
  readonly subscriptions: readonly SubscriptionConfig[];
  readonly outages: readonly PlannedOutage[];
}

/**
 * A mutation that became durable. The engine follows the registry through
 * these instead of being called by the rpc layer, so handlers stay thin and
 * every path that changes the registry (RPCs today, a config import later)
 * reaches the engine the same way.
 */
export type RegistryChange =
  | { readonly kind: "service_added"; readonly service: ServiceConfig }
  | {
      readonly kind: "service_removed";
      readonly service: ServiceConfig;
      readonly subscriptions: readonly SubscriptionConfig[];
      readonly outages: readonly PlannedOutage[];
    }
  | { readonly kind: "caller_added"; readonly caller: CallerConfig }
  | {
      readonly kind: "caller_removed";
      readonly caller: CallerConfig;
      readonly subscriptions: readonly SubscriptionConfig[];
    }
  | {
      readonly kind: "subscription_set";
      readonly subscription: SubscriptionConfig;
      readonly previous: SubscriptionConfig | undefined;
    }
  | { readonly kind: "subscription_removed"; readonly subscription: SubscriptionConfig }
  | { readonly kind: "outage_added"; readonly outage: PlannedOutage }
  | { readonly kind: "outage_removed"; readonly outage: PlannedOutage };

/** Saves and loads the whole registry. Implementations: lowdb JSON file, memory. */
export interface RegistryPersistence {
  /** The saved data, or undefined when nothing was saved yet. Throws on a corrupt store. */
  load(): Promise<RegistryData | undefined>;
  /** Resolves once `data` is durable. Never called concurrently. */
  save(data: RegistryData): Promise<void>;
}

export interface SubscriptionFilter {
  readonly callerId?: string;
  readonly serviceId?: string;
}

/**
 * Services, callers, subscriptions and planned outages. Reads are synchronous
 * from memory; a mutation resolves only after it is durable, and then its
 * change is emitted. Mutations are serialized, so concurrent ones never lose
 * one another. Refusals throw `MonitorError` (not_found, already_exists).
 */
export interface Registry {
  getService(id: string): ServiceConfig | undefined;
  /** Every service ordered by id. */
  listServices(): readonly ServiceConfig[];
  getCaller(id: string): CallerConfig | undefined;
  /** Every caller ordered by id. */
  listCallers(): readonly CallerConfig[];
  getSubscription(callerId: string, serviceId: string): SubscriptionConfig | undefined;
  /** Ordered by caller id, then service id. */
  listSubscriptions(filter?: SubscriptionFilter): readonly SubscriptionConfig[];
  /** A service's subscriptions, for the engine's hot path (no sorting, no copy). */
  subscriptionsOf(serviceId: string): Iterable<SubscriptionConfig>;
  getOutage(id: string): PlannedOutage | undefined;
  /** Ordered by start time; all services when serviceId is undefined. */
  listOutages(serviceId?: string): readonly PlannedOutage[];

  addService(input: Omit<ServiceConfig, "id">): Promise<ServiceConfig>;
  removeService(id: string): Promise<void>;
  addCaller(caller: CallerConfig): Promise<CallerConfig>;
  removeCaller(id: string): Promise<void>;
  /** Creates or updates the subscription (an upsert). */
  setSubscription(subscription: SubscriptionConfig): Promise<SubscriptionConfig>;
  removeSubscription(callerId: string, serviceId: string): Promise<void>;
  addOutage(input: Omit<PlannedOutage, "id">): Promise<PlannedOutage>;
  removeOutage(id: string): Promise<void>;

  /** Registers a listener for durable changes; returns a function that removes it. */
  onChange(listener: (change: RegistryChange) => void): () => void;
  /** Resolves when every mutation started so far is durable. */
  flush(): Promise<void>;
}
