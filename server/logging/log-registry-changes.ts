import type { Logger } from "pino";
import type { Registry, RegistryChange } from "../store/registry.js";
import { describeTarget } from "../domain/service-target.js";

/**
 * One info line per durable registry change: what an operator reads to know
 * who registered what, and when. It follows the registry's change feed, so
 * every path that changes the registry is logged the same way and the
 * handlers stay free of logging. Returns a function that stops it.
 */
export function logRegistryChanges(registry: Pick<Registry, "onChange">, logger: Logger): () => void {
  return registry.onChange((change) => logChange(logger, change));
}

/** Logs one change; exported for the tests. */
export function logChange(logger: Logger, change: RegistryChange): void {
  switch (change.kind) {
    case "service_added": {
      const { service } = change;
      const address = describeTarget(service);
      logger.info(
        { serviceId: service.id, address, name: service.displayName, checkIntervalMs: service.checkIntervalMs },
        `service registered: ${service.id} ${address}`,
      );
      return;
    }
    case "service_paused":
      logger.info({ serviceId: change.service.id, address: describeTarget(change.service) }, `service paused: ${change.service.id}`);
      return;
    case "service_resumed":
      logger.info({ serviceId: change.service.id, address: describeTarget(change.service) }, `service resumed: ${change.service.id}`);
      return;
    case "service_removed": {
      const { service } = change;
      const address = describeTarget(service);
      logger.info(
        { serviceId: service.id, address, subscriptions: change.subscriptions.length, outages: change.outages.length },
        `service unregistered: ${service.id} ${address}`,
      );
      return;
    }
    case "caller_added":
      logger.info({ callerId: change.caller.id, name: change.caller.displayName }, `caller registered: ${change.caller.id}`);
      return;
    case "caller_removed":
      logger.info(
        { callerId: change.caller.id, subscriptions: change.subscriptions.length },
        `caller unregistered: ${change.caller.id}`,
      );
      return;
    case "subscription_set": {
      const { callerId, serviceId, pollingIntervalMs, gracePeriodMs } = change.subscription;
      const verb = change.previous === undefined ? "subscription set" : "subscription changed";
      logger.info({ callerId, serviceId, pollingIntervalMs, gracePeriodMs }, `${verb}: ${callerId} → ${serviceId}`);
      return;
    }
    case "subscription_removed": {
      const { callerId, serviceId } = change.subscription;
      logger.info({ callerId, serviceId }, `subscription removed: ${callerId} → ${serviceId}`);
      return;
    }
    case "outage_added": {
      const { id, serviceId, startMs, endMs, reason } = change.outage;
      logger.info(
        { outageId: id, serviceId, start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString(), reason },
        `outage scheduled: ${id} for ${serviceId}`,
      );
      return;
    }
    case "outage_removed": {
      const { id, serviceId } = change.outage;
      logger.info({ outageId: id, serviceId }, `outage cancelled: ${id} for ${serviceId}`);
      return;
    }
  }
}
