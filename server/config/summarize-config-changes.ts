import type { ConfigChange } from "./plan-config-changes.js";

export interface ChangeCounts {
  added: number;
  updated: number;
  removed: number;
}

/** How many objects of each kind a set of changes added, updated and removed, for the log line. */
export interface ChangeSummary {
  readonly services: ChangeCounts;
  readonly callers: ChangeCounts;
  readonly subscriptions: ChangeCounts;
  readonly outages: ChangeCounts;
}

type Kind = keyof ChangeSummary;

function classify(change: ConfigChange): [Kind, keyof ChangeCounts] {
  switch (change.kind) {
    case "add_service":
      return ["services", "added"];
    case "update_service":
      return ["services", "updated"];
    case "remove_service":
      return ["services", "removed"];
    case "add_caller":
      return ["callers", "added"];
    case "update_caller":
      return ["callers", "updated"];
    case "remove_caller":
      return ["callers", "removed"];
    case "set_subscription":
      return ["subscriptions", change.previous === undefined ? "added" : "updated"];
    case "remove_subscription":
      return ["subscriptions", "removed"];
    case "add_outage":
      return ["outages", "added"];
    case "replace_outage":
      return ["outages", "updated"];
    case "remove_outage":
      return ["outages", "removed"];
  }
}

export function summarizeChanges(changes: readonly ConfigChange[]): ChangeSummary {
  const zero = (): ChangeCounts => ({ added: 0, updated: 0, removed: 0 });
  const summary = { services: zero(), callers: zero(), subscriptions: zero(), outages: zero() };
  for (const change of changes) {
    const [kind, verb] = classify(change);
    summary[kind][verb]++;
  }
  return summary;
}

/** "services +2 ~1 -0, callers +1 ~0 -0, …": added, updated, removed. */
export function formatSummary(summary: ChangeSummary): string {
  return (Object.keys(summary) as Kind[])
    .map((kind) => `${kind} +${summary[kind].added} ~${summary[kind].updated} -${summary[kind].removed}`)
    .join(", ");
}

/**
 * The API-created object a change takes over, as "service svc_…", or
 * undefined: an update of an object that had no `managedBy` is an adoption,
 * which the operator should hear of (the file now removes it when it goes).
 */
export function adoptedBy(change: ConfigChange): string | undefined {
  switch (change.kind) {
    case "update_service":
      return change.previous.managedBy === undefined ? `service ${change.service.id}` : undefined;
    case "update_caller":
      return change.previous.managedBy === undefined ? `caller ${change.caller.id}` : undefined;
    case "set_subscription": {
      const { callerId, serviceId } = change.subscription;
      return change.previous !== undefined && change.previous.managedBy === undefined
        ? `subscription ${callerId} → ${serviceId}`
        : undefined;
    }
    case "replace_outage":
      return change.previous.managedBy === undefined ? `outage ${change.outage.id}` : undefined;
    default:
      return undefined;
  }
}
