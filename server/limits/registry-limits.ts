import { MonitorError } from "../domain/monitor-error.js";
import type { RegistryCounts } from "../store/registry-model.js";

/** How many services, callers and subscriptions the registry may hold (--max-services etc.). */
export interface RegistryLimits {
  readonly maxServices: number;
  readonly maxCallers: number;
  readonly maxSubscriptions: number;
}

export const DEFAULT_REGISTRY_LIMITS: RegistryLimits = {
  maxServices: 10_000,
  maxCallers: 10_000,
  maxSubscriptions: 100_000,
};

/** Which row a new registration adds. */
export type RegistryRow = "service" | "caller" | "subscription";

const LIMIT_OF = {
  service: { flag: "max-services", key: "maxServices", count: "services", plural: "services" },
  caller: { flag: "max-callers", key: "maxCallers", count: "callers", plural: "callers" },
  subscription: { flag: "max-subscriptions", key: "maxSubscriptions", count: "subscriptions", plural: "subscriptions" },
} as const;

/**
 * The refusal of one more `row`, or undefined when there is room. Only adding
 * a row is checked: updating an existing one never grows the registry, so it
 * is never refused (an operator lowering a limit must still be able to edit).
 */
export function registryLimitRefusal(row: RegistryRow, counts: RegistryCounts, limits: RegistryLimits): MonitorError | undefined {
  const { flag, key, count, plural } = LIMIT_OF[row];
  const limit = limits[key];
  if (counts[count] < limit) return undefined;
  return new MonitorError(
    "resource_exhausted",
    `${flag} limit of ${limit} reached; remove ${plural} or restart the server with a higher --${flag}`,
  );
}
