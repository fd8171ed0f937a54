import { isDeepStrictEqual } from "node:util";
import type { CallerConfig, Millis, PlannedOutage, ProbeConfig, ServiceConfig, SubscriptionConfig } from "../domain/types.js";
import type { RegistryData } from "../store/registry.js";
import type { DeclaredService, DesiredState } from "./desired-state.js";

/**
 * One registry mutation that brings the registry closer to the file. An
 * update whose `previous` has no `managedBy` adopts an object created
 * through the API. Outages cannot be changed in place (the registry has no
 * such mutation), so a changed one is replaced: removed, then added.
 */
export type ConfigChange =
  | { readonly kind: "remove_outage"; readonly outage: PlannedOutage }
  | { readonly kind: "remove_subscription"; readonly subscription: SubscriptionConfig }
  | { readonly kind: "remove_service"; readonly service: ServiceConfig }
  | { readonly kind: "remove_caller"; readonly caller: CallerConfig }
  | { readonly kind: "update_service"; readonly service: ServiceConfig; readonly previous: ServiceConfig }
  | { readonly kind: "add_service"; readonly service: ServiceConfig }
  | { readonly kind: "update_caller"; readonly caller: CallerConfig; readonly previous: CallerConfig }
  | { readonly kind: "add_caller"; readonly caller: CallerConfig }
  | {
      readonly kind: "set_subscription";
      readonly subscription: SubscriptionConfig;
      readonly previous: SubscriptionConfig | undefined;
    }
  | { readonly kind: "replace_outage"; readonly outage: PlannedOutage; readonly previous: PlannedOutage }
  | { readonly kind: "add_outage"; readonly outage: PlannedOutage };

export type ConfigChangeKind = ConfigChange["kind"];

/**
 * The order changes are applied in, and the phases of an apply: changes of
 * one kind do not depend on each other, so they may run together. Removals
 * come first so that an address or id the file moved is free before it is
 * taken again; services and callers before the subscriptions and outages
 * that name them.
 */
export const CHANGE_ORDER: readonly ConfigChangeKind[] = [
  "remove_outage",
  "remove_subscription",
  "remove_service",
  "remove_caller",
  "update_service",
  "add_service",
  "update_caller",
  "add_caller",
  "set_subscription",
  "replace_outage",
  "add_outage",
];

const subKey = (s: { readonly callerId: string; readonly serviceId: string }) => `${s.callerId}\u0000${s.serviceId}`;

/**
 * Whether two probes are the same settings. Both are fully defaulted plain
 * data; an HTTP body is compared by its bytes, since a store may hand back a
 * Buffer where the file made a Uint8Array (deep equality tells them apart).
 */
function sameProbe(a: ProbeConfig | undefined, b: ProbeConfig | undefined): boolean {
  if (a?.kind !== "http" || b?.kind !== "http") return isDeepStrictEqual(a, b);
  const { body: aBody, ...aRest } = a;
  const { body: bBody, ...bRest } = b;
  return Buffer.compare(aBody, bBody) === 0 && isDeepStrictEqual(aRest, bRest);
}

/**
 * Whether the registry's service already has every setting the file gives
 * it. `pausedAt` is not one: pausing is runtime state (PauseService), never
 * configuration, so a paused service the file declares matches it.
 */
const sameService = (a: Omit<ServiceConfig, "createdAt">, b: ServiceConfig) =>
  a.host === b.host &&
  a.port === b.port &&
  a.displayName === b.displayName &&
  a.checkIntervalMs === b.checkIntervalMs &&
  a.checkTimeoutMs === b.checkTimeoutMs &&
  sameProbe(a.probe, b.probe) &&
  a.managedBy === b.managedBy;

/** The file's settings on the registry's service: its creation time and pause state are the registry's. */
const updatedService = (wanted: DeclaredService, previous: ServiceConfig): ServiceConfig => ({
  ...wanted,
  createdAt: previous.createdAt,
  ...(previous.pausedAt === undefined ? {} : { pausedAt: previous.pausedAt }),
});

const sameCaller = (a: Omit<CallerConfig, "createdAt">, b: CallerConfig) =>
  a.displayName === b.displayName && a.managedBy === b.managedBy;

/** Both without an alert rule, or with the same one. */
const sameAlertRule = (a: SubscriptionConfig["availabilityAlert"], b: SubscriptionConfig["availabilityAlert"]) =>
  a === undefined || b === undefined ? a === b : a.windowMs === b.windowMs && a.threshold === b.threshold;

const sameSubscription = (a: SubscriptionConfig, b: SubscriptionConfig) =>
  a.pollingIntervalMs === b.pollingIntervalMs &&
  a.gracePeriodMs === b.gracePeriodMs &&
  sameAlertRule(a.availabilityAlert, b.availabilityAlert) &&
  a.managedBy === b.managedBy;

const sameOutage = (a: PlannedOutage, b: PlannedOutage) =>
  a.serviceId === b.serviceId && a.startMs === b.startMs && a.endMs === b.endMs && a.reason === b.reason && a.managedBy === b.managedBy;

/**
 * What to do to make the registry (`current`) hold what the file asks for
 * (`desired`), in {@link CHANGE_ORDER}; nothing when they already match, so
 * applying a plan and planning again gives [].
 *
 * - An object of the file is added, or updated when it differs (an
 *   API-created one is adopted: updated and marked managed). An update keeps
 *   the object's creation time, and a service's pause state (`pausedAt`:
 *   the file never pauses nor resumes); an addition is created at `now`.
 * - Services are matched by id; two cannot share a target (TCP: host:port,
 *   HTTP: method and URL; targetKey). parseConfigFile refuses a target that
 *   an API-created service of another id holds (the operator adopts it by
 *   giving its id); a target the file moves from a service it removes or
 *   updates to one it adds is free by the time it is added (phases).
 * - A managed object the file no longer has is removed. A subscription or
 *   outage whose service (or caller) is removed is not removed on its own:
 *   it goes with the service, as UnregisterService does, so its caller hears
 *   "service unregistered".
 * - Objects created through the API (no `managedBy`) are never removed.
 * - An outage of the file that has ended by `now` is left alone: it is not
 *   scheduled (the API refuses a past outage too) nor changed, so a file
 *   that keeps old outages still applies after they end.
 *
 * Pure: `desired` must be a parsed file (parseConfigFile checked its references).
 */
export function planConfigChanges(desired: DesiredState, current: RegistryData, now: Millis): ConfigChange[] {
  const changes: ConfigChange[] = [];

  const wantedServices = new Set(desired.services.map((s) => s.id));
  const wantedCallers = new Set(desired.callers.map((c) => c.id));
  const wantedSubscriptions = new Set(desired.subscriptions.map(subKey));
  const wantedOutages = new Set(desired.outages.map((o) => o.id));
  const removedServices = new Set(current.services.filter((s) => s.managedBy === "config" && !wantedServices.has(s.id)).map((s) => s.id));
  const removedCallers = new Set(current.callers.filter((c) => c.managedBy === "config" && !wantedCallers.has(c.id)).map((c) => c.id));

  for (const outage of current.outages) {
    if (outage.managedBy === "config" && !wantedOutages.has(outage.id) && !removedServices.has(outage.serviceId)) {
      changes.push({ kind: "remove_outage", outage });
    }
  }
  for (const subscription of current.subscriptions) {
    const managedAndGone = subscription.managedBy === "config" && !wantedSubscriptions.has(subKey(subscription));
    if (managedAndGone && !removedServices.has(subscription.serviceId) && !removedCallers.has(subscription.callerId)) {
      changes.push({ kind: "remove_subscription", subscription });
    }
  }
  for (const service of current.services) if (removedServices.has(service.id)) changes.push({ kind: "remove_service", service });
  for (const caller of current.callers) if (removedCallers.has(caller.id)) changes.push({ kind: "remove_caller", caller });

  const services = new Map(current.services.map((s) => [s.id, s]));
  for (const wanted of desired.services) {
    const previous = services.get(wanted.id);
    if (previous === undefined) changes.push({ kind: "add_service", service: { ...wanted, createdAt: now } });
    else if (!sameService(wanted, previous)) {
      changes.push({ kind: "update_service", service: updatedService(wanted, previous), previous });
    }
  }
  const callers = new Map(current.callers.map((c) => [c.id, c]));
  for (const wanted of desired.callers) {
    const previous = callers.get(wanted.id);
    if (previous === undefined) changes.push({ kind: "add_caller", caller: { ...wanted, createdAt: now } });
    else if (!sameCaller(wanted, previous)) {
      changes.push({ kind: "update_caller", caller: { ...wanted, createdAt: previous.createdAt }, previous });
    }
  }
  const subscriptions = new Map(current.subscriptions.map((s) => [subKey(s), s]));
  for (const wanted of desired.subscriptions) {
    const previous = subscriptions.get(subKey(wanted));
    if (previous === undefined || !sameSubscription(wanted, previous)) {
      changes.push({ kind: "set_subscription", subscription: wanted, previous });
    }
  }
  const outages = new Map(current.outages.map((o) => [o.id, o]));
  for (const wanted of desired.outages) {
    if (wanted.endMs <= now) continue;
    const previous = outages.get(wanted.id);
    // An outage the file moved off a service it removes goes with that service: add it afresh.
    if (previous === undefined || removedServices.has(previous.serviceId)) changes.push({ kind: "add_outage", outage: wanted });
    else if (!sameOutage(wanted, previous)) changes.push({ kind: "replace_outage", outage: wanted, previous });
  }

  const rank = new Map(CHANGE_ORDER.map((kind, i) => [kind, i]));
  // A stable sort: within a kind, the registry's or the file's order.
  return changes.sort((a, b) => rank.get(a.kind)! - rank.get(b.kind)!);
}
