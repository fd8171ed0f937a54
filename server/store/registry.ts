import type {
  CallerConfig,
  PlannedOutage,
  ServiceConfig,
  SubscriptionConfig,
} from "../domain/types.js";

/** Everything the registry holds, as plain lists (the config file and the legacy import compare against it). */
export interface RegistryData {
  readonly services: readonly ServiceConfig[];
  readonly callers: readonly CallerConfig[];
  readonly subscriptions: readonly SubscriptionConfig[];
  readonly outages: readonly PlannedOutage[];
}

/**
 * A mutation that became durable. The engine follows the registry through
 * these instead of being called by the rpc layer, so handlers stay thin and
 * every path that changes the registry (RPCs, the config file) reaches the
 * engine the same way.
 */
export type RegistryChange =
  | { readonly kind: "service_added"; readonly service: ServiceConfig }
  | { readonly kind: "service_updated"; readonly service: ServiceConfig; readonly previous: ServiceConfig }
  /** PauseService: `service.pausedAt` is set; each subscriber's service_paused committed with it. */
  | { readonly kind: "service_paused"; readonly service: ServiceConfig }
  /** ResumeService: `pausedAt` is cleared; each subscriber's service_resumed committed with it. */
  | { readonly kind: "service_resumed"; readonly service: ServiceConfig; readonly previous: ServiceConfig }
  | {
      readonly kind: "service_removed";
      readonly service: ServiceConfig;
      readonly subscriptions: readonly SubscriptionConfig[];
      readonly outages: readonly PlannedOutage[];
    }
  | { readonly kind: "caller_added"; readonly caller: CallerConfig }
  | { readonly kind: "caller_updated"; readonly caller: CallerConfig; readonly previous: CallerConfig }
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

export interface SubscriptionFilter {
  readonly callerId?: string;
  readonly serviceId?: string;
}

/**
 * Services, callers, subscriptions and planned outages. Reads are synchronous
 * from memory and show only what is durable; a mutation resolves only after it
 * and its consequences committed, and then its change is emitted. Mutations are
 * planned one after another, so concurrent ones never lose one another.
 * Refusals throw `MonitorError` (not_found, already_exists); a write that
 * fails rejects with `unavailable` and changes nothing.
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

  /** Registers a service; `id` is generated unless given (the config file names its services). */
  addService(input: Omit<ServiceConfig, "id"> & { readonly id?: string }): Promise<ServiceConfig>;
  /**
   * Replaces a service's settings, keeping its id, subscriptions, outages,
   * pause state (whatever `service.pausedAt` says: only pause and resume
   * change it) and, for the same target, observed state; refused with
   * already_exists if the new target is another service's.
   */
  updateService(service: ServiceConfig): Promise<ServiceConfig>;
  /**
   * updateService with the new settings computed from the service as the
   * batch finds it (a read-modify-write without a lost update: two edits in
   * flight each see the other's result). `edit` runs synchronously while the
   * batch is planned, may run more than once, and may throw a MonitorError to
   * refuse; not_found when the service does not exist.
   */
  editService(id: string, edit: (current: ServiceConfig) => ServiceConfig): Promise<ServiceConfig>;
  /**
   * Pauses the service at `at`, committing one service_paused event to each
   * subscriber with it. Pausing a paused service changes nothing (no event)
   * and resolves with it as it is.
   */
  pauseService(id: string, at: number): Promise<ServiceConfig>;
  /**
   * Resumes the service, committing one service_resumed event to each
   * subscriber and a fresh observation with it. Resuming a service that is
   * not paused changes nothing.
   */
  resumeService(id: string): Promise<ServiceConfig>;
  /** Unregisters the service; every subscriber's subscription_ended commits with it. */
  removeService(id: string): Promise<void>;
  addCaller(caller: CallerConfig): Promise<CallerConfig>;
  /**
   * Replaces a caller's display name or managedBy. The stored token hash is
   * kept whatever `caller` carries: a rename or a config-file re-sync knows
   * nothing of tokens and must not erase a rotated one.
   */
  updateCaller(caller: Omit<CallerConfig, "tokenHash">): Promise<CallerConfig>;
  /**
   * Replaces the caller's token hash in one planned mutation, so a rename
   * committed meanwhile is not undone by a stale read.
   */
  rotateCallerToken(id: string, tokenHash: string): Promise<CallerConfig>;
  /** Unregisters the caller; its subscriptions and event log go with it (its sequence counter stays). */
  removeCaller(id: string): Promise<void>;
  /** Creates or updates the subscription (an upsert). */
  setSubscription(subscription: SubscriptionConfig): Promise<SubscriptionConfig>;
  removeSubscription(callerId: string, serviceId: string): Promise<void>;
  /** Schedules an outage; `id` is generated unless given. */
  addOutage(input: Omit<PlannedOutage, "id"> & { readonly id?: string }): Promise<PlannedOutage>;
  removeOutage(id: string): Promise<void>;

  /**
   * Registers a listener for durable changes; returns a function that removes
   * it. A listener may return a promise of what the change sets off (the
   * engine: a new subscriber's first announcement); the mutation resolves
   * only after it settles, so a caller that subscribed and then watches sees
   * the status it is owed in its snapshot.
   */
  onChange(listener: (change: RegistryChange) => void | Promise<unknown>): () => void;
  /** Resolves when every mutation started so far is durable. */
  flush(): Promise<void>;
}
