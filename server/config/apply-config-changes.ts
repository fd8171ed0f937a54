import type { Registry } from "../store/registry.js";
import { CHANGE_ORDER, type ConfigChange } from "./plan-config-changes.js";

/** A change the registry refused (e.g. an address taken through the API meanwhile) or could not make durable. */
export interface FailedChange {
  readonly change: ConfigChange;
  readonly error: unknown;
}

export interface AppliedChanges {
  readonly applied: readonly ConfigChange[];
  readonly failed: readonly FailedChange[];
}

/** Makes one change through the registry's ordinary mutations, so the engine and the logs follow it as any other. */
async function applyOne(registry: Registry, change: ConfigChange): Promise<void> {
  switch (change.kind) {
    case "remove_outage":
      return registry.removeOutage(change.outage.id);
    case "remove_subscription":
      return registry.removeSubscription(change.subscription.callerId, change.subscription.serviceId);
    case "remove_service":
      return registry.removeService(change.service.id);
    case "remove_caller":
      return registry.removeCaller(change.caller.id);
    case "update_service":
      await registry.updateService(change.service);
      return;
    case "add_service":
      await registry.addService(change.service);
      return;
    case "update_caller":
      await registry.updateCaller(change.caller);
      return;
    case "add_caller":
      await registry.addCaller(change.caller);
      return;
    case "set_subscription":
      await registry.setSubscription(change.subscription);
      return;
    case "replace_outage":
      await registry.removeOutage(change.previous.id);
      await registry.addOutage(change.outage);
      return;
    case "add_outage":
      await registry.addOutage(change.outage);
      return;
  }
}

/**
 * Applies a plan phase by phase ({@link CHANGE_ORDER}): the changes of one
 * phase are started together, so the registry's commit queue can write them
 * in few transactions (one fsync for a thousand services, not a thousand),
 * and a phase starts only when the one before it is durable. A refused
 * change does not stop the others: each is reported, and what depends on it
 * (a subscription to a service that could not be added) fails in turn and is
 * reported too. Planning again later retries whatever did not happen.
 */
export async function applyConfigChanges(registry: Registry, changes: readonly ConfigChange[]): Promise<AppliedChanges> {
  const applied: ConfigChange[] = [];
  const failed: FailedChange[] = [];
  for (const kind of CHANGE_ORDER) {
    const phase = changes.filter((change) => change.kind === kind);
    const results = await Promise.allSettled(phase.map((change) => applyOne(registry, change)));
    results.forEach((result, i) => {
      if (result.status === "fulfilled") applied.push(phase[i]!);
      else failed.push({ change: phase[i]!, error: result.reason });
    });
  }
  return { applied, failed };
}
