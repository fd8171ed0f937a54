import { randomBytes } from "node:crypto";
import { MonitorError, notFound } from "../domain/monitor-error.js";
import { UNOBSERVED } from "../domain/observe.js";
import { quoteInput } from "../domain/quote-input.js";
import { checksSameTarget } from "../domain/same-check-target.js";
import type { CallerConfig, PlannedOutage, ServiceConfig } from "../domain/types.js";
import type { CommitQueue, Step } from "./commit-queue.js";
import type { Registry, RegistryChange } from "./registry.js";
import type { RegistryModel } from "./registry-model.js";

export interface RegistryOptions {
  /** Makes ids for services ("svc") and outages ("out"); random by default. */
  readonly newId?: (prefix: "svc" | "out") => string;
  /** Told when a change listener throws; the change is durable and the other listeners still hear it. */
  readonly onListenerError?: (error: unknown, change: RegistryChange) => void;
}

function randomId(prefix: string): string {
  return `${prefix}_${randomBytes(8).toString("hex")}`;
}

/** The event that ends a subscription (notification rule 6); it commits with the removal. */
export const subscriptionEnded = (
  callerId: string,
  serviceId: string,
  reason: "unsubscribed" | "service unregistered",
): Step => ({ kind: "event", callerId, event: { kind: "subscription_ended", serviceId, reason } });

/**
 * Services, callers, subscriptions and planned outages: reads from memory,
 * mutations through the commit queue. Each mutation is planned against
 * memory as its batch leaves it (so two concurrent registrations of one
 * address cannot both succeed), commits its consequences in the same
 * transaction (an unregistered service's `subscription_ended` for every
 * subscriber, whatever it had announced; an unregistered caller's log), and
 * only then shows in memory and reaches the change listeners (the engine,
 * the log). A failed write changes nothing and rejects with `unavailable`.
 */
export function createRegistry(model: RegistryModel, queue: CommitQueue, options: RegistryOptions = {}): Registry {
  const newId = options.newId ?? randomId;
  const listeners = new Set<(change: RegistryChange) => void | Promise<unknown>>();

  /** Tells every listener; returns what they set off. */
  function tell(change: RegistryChange): Promise<unknown>[] {
    const followUps: Promise<unknown>[] = [];
    for (const listener of listeners) {
      try {
        const followUp = listener(change);
        if (followUp !== undefined) followUps.push(followUp);
      } catch (error) {
        options.onListenerError?.(error, change);
      }
    }
    return followUps;
  }

  /**
   * Submits a plan whose commit tells the listeners `change`; resolves with
   * `value` once that and what the listeners set off are settled.
   */
  async function mutate<T>(plan: () => { steps: Step[]; change: RegistryChange; value: T }): Promise<T> {
    const result = await queue.submit(() => {
      const { steps, change, value } = plan();
      return { steps, committed: () => ({ value, followUps: tell(change) }) };
    });
    const { value, followUps } = result!;
    // The follow-ups report their own failures; the mutation itself is durable.
    await Promise.allSettled(followUps);
    return value;
  }

  function requireService(id: string): ServiceConfig {
    const service = model.getService(id);
    if (service === undefined) throw notFound("service", id);
    return service;
  }
  function requireCaller(id: string): CallerConfig {
    const caller = model.getCaller(id);
    if (caller === undefined) throw notFound("caller", id);
    return caller;
  }
  function requireFreeAddress(host: string, port: number, self?: string): void {
    const existing = model.serviceAt(host, port);
    if (existing !== undefined && existing.id !== self) {
      throw new MonitorError(
        "already_exists",
        // The host passed checkHost (a hostname or IP) and the id is ours or checked: both safe to repeat.
        `service ${host}:${port} is already registered as "${existing.id}"`,
      );
    }
  }

  return {
    getService: model.getService,
    listServices: model.listServices,
    getCaller: model.getCaller,
    listCallers: model.listCallers,
    getSubscription: model.getSubscription,
    listSubscriptions: model.listSubscriptions,
    subscriptionsOf: model.subscriptionsOf,
    getOutage: model.getOutage,
    listOutages: model.listOutages,

    addService(input) {
      return mutate(() => {
        requireFreeAddress(input.host, input.port);
        const id = input.id ?? newId("svc");
        if (model.getService(id) !== undefined) {
          throw new MonitorError("already_exists", `service ${quoteInput(id)} is already registered`);
        }
        const service: ServiceConfig = { ...input, id };
        return { steps: [{ kind: "put_service", service }], change: { kind: "service_added", service }, value: service };
      });
    },
    updateService(service) {
      return mutate(() => {
        const previous = requireService(service.id);
        requireFreeAddress(service.host, service.port, service.id);
        const steps: Step[] = [{ kind: "put_service", service }];
        // Moved: what the checks saw of the old address must not survive a restart.
        if (!checksSameTarget(previous, service)) steps.push({ kind: "put_observation", serviceId: service.id, observation: UNOBSERVED });
        return {
          steps,
          change: { kind: "service_updated", service, previous },
          value: service,
        };
      });
    },
    removeService(id) {
      return mutate(() => {
        const service = requireService(id);
        const subscriptions = [...model.subscriptionsOf(id)];
        const outages = model.listOutages(id);
        const steps: Step[] = [];
        for (const sub of subscriptions) {
          steps.push(subscriptionEnded(sub.callerId, id, "service unregistered"));
          steps.push({ kind: "delete_subscription", callerId: sub.callerId, serviceId: id });
        }
        for (const outage of outages) steps.push({ kind: "delete_outage", outageId: outage.id });
        steps.push({ kind: "delete_service", serviceId: id });
        return { steps, change: { kind: "service_removed", service, subscriptions, outages }, value: undefined };
      });
    },
    addCaller(caller) {
      return mutate(() => {
        if (model.getCaller(caller.id) !== undefined) {
          throw new MonitorError("already_exists", `caller ${quoteInput(caller.id)} is already registered`);
        }
        return { steps: [{ kind: "put_caller", caller }], change: { kind: "caller_added", caller }, value: caller };
      });
    },
    updateCaller(caller) {
      return mutate(() => {
        const previous = requireCaller(caller.id);
        return { steps: [{ kind: "put_caller", caller }], change: { kind: "caller_updated", caller, previous }, value: caller };
      });
    },
    removeCaller(id) {
      return mutate(() => {
        const caller = requireCaller(id);
        const subscriptions = model.listSubscriptions({ callerId: id });
        const steps: Step[] = subscriptions.map((sub) => ({ kind: "delete_subscription", callerId: id, serviceId: sub.serviceId }));
        steps.push({ kind: "delete_caller", callerId: id });
        return { steps, change: { kind: "caller_removed", caller, subscriptions }, value: undefined };
      });
    },
    setSubscription(subscription) {
      return mutate(() => {
        requireCaller(subscription.callerId);
        requireService(subscription.serviceId);
        const previous = model.getSubscription(subscription.callerId, subscription.serviceId);
        return {
          steps: [{ kind: "put_subscription", subscription }],
          change: { kind: "subscription_set", subscription, previous },
          value: subscription,
        };
      });
    },
    removeSubscription(callerId, serviceId) {
      return mutate(() => {
        const subscription = model.getSubscription(callerId, serviceId);
        if (subscription === undefined) {
          throw new MonitorError(
            "not_found",
            `caller ${quoteInput(callerId)} is not subscribed to service ${quoteInput(serviceId)}`,
          );
        }
        return {
          steps: [subscriptionEnded(callerId, serviceId, "unsubscribed"), { kind: "delete_subscription", callerId, serviceId }],
          change: { kind: "subscription_removed", subscription },
          value: undefined,
        };
      });
    },
    addOutage(input) {
      return mutate(() => {
        requireService(input.serviceId);
        const id = input.id ?? newId("out");
        if (model.getOutage(id) !== undefined) {
          throw new MonitorError("already_exists", `planned outage ${quoteInput(id)} already exists`);
        }
        const outage: PlannedOutage = { ...input, id };
        return { steps: [{ kind: "put_outage", outage }], change: { kind: "outage_added", outage }, value: outage };
      });
    },
    removeOutage(id) {
      return mutate(() => {
        const outage = model.getOutage(id);
        if (outage === undefined) throw notFound("planned outage", id);
        return { steps: [{ kind: "delete_outage", outageId: id }], change: { kind: "outage_removed", outage }, value: undefined };
      });
    },

    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    flush: () => queue.idle(),
  };
}
