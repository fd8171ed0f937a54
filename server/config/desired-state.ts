import type { CallerConfig, PlannedOutage, ServiceConfig, SubscriptionConfig } from "../domain/types.js";

/** A domain value as the config file declares it: marked managed, with no creation time yet. */
export type Declared<T> = Omit<T, "createdAt" | "managedBy"> & { readonly managedBy: "config" };

/** No `pausedAt`: pausing is runtime state (PauseService), which a file neither sets nor clears. */
export type DeclaredService = Omit<Declared<ServiceConfig>, "pausedAt">;
export type DeclaredCaller = Declared<CallerConfig>;
export type DeclaredSubscription = Declared<SubscriptionConfig>;
export type DeclaredOutage = Declared<PlannedOutage>;

/**
 * What a valid config file asks the registry to hold, in domain terms and
 * with every default filled in: the input of the planner, which compares it
 * with what the registry holds.
 */
export interface DesiredState {
  readonly services: readonly DeclaredService[];
  readonly callers: readonly DeclaredCaller[];
  readonly subscriptions: readonly DeclaredSubscription[];
  readonly outages: readonly DeclaredOutage[];
}
