import { randomBytes } from "node:crypto";
import { MonitorError, notFound } from "../domain/monitor-error.js";
import { UNOBSERVED } from "../domain/observe.js";
import { quoteInput } from "../domain/quote-input.js";
import { checksSameTarget, observationAfterTargetChange } from "../domain/same-check-target.js";
import { describeTarget, targetKey } from "../domain/service-target.js";
import type { CallerConfig, CallerEvent, PlannedOutage, ServiceConfig } from "../domain/types.js";
import type { CommitQueue, Step } from "./commit-queue.js";
import type { Registry, RegistryChange } from "./registry.js";
import { withTokenOf } from "./with-token-of.js";
import type { RegistryModel } from "./registry-model.js";
import { hostAllowed, type TargetPolicy } from "../limits/target-policy.js";
import { hostPortOfUrl } from "../domain/service-target.js";
import { DEFAULT_REGISTRY_LIMITS, registryLimitRefusal, type RegistryLimits, type RegistryRow } from "../limits/registry-limits.js";

export interface RegistryOptions {
  /** Makes ids for services ("svc") and outages ("out"); random by default. */
  readonly newId?: (prefix: "svc" | "out") => string;
  /** Told when a change listener throws; the change is durable and the other listeners still hear it. */
  readonly onListenerError?: (error: unknown, change: RegistryChange) => void;
  /** Most services, callers and subscriptions held; {@link DEFAULT_REGISTRY_LIMITS} by default. */
  readonly limits?: RegistryLimits;
  /** Told of every registration refused by a limit (the metric, the throttled log). */
  readonly onLimitRefused?: (row: RegistryRow, error: MonitorError) => void;
  /** Which hosts services may check (--allow-targets); every host when absent. */
  readonly targetPolicy?: TargetPolicy;
  /** Told of every service refused by the target policy. */
  readonly onTargetRefused?: (error: MonitorError) => void;
}

function randomId(prefix: string): string {
  return `${prefix}_${randomBytes(8).toString("hex")}`;
}

/** What a mutation's plan found: something to commit, or nothing to change. */
type Mutation<T> = { steps: Step[]; change: RegistryChange; value: T } | { unchanged: T };

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
  const limits = options.limits ?? DEFAULT_REGISTRY_LIMITS;

  /** Checked inside the plan, against memory as the batch leaves it, so concurrent adds cannot overshoot. */
  function requireRoomFor(row: RegistryRow): void {
    const refusal = registryLimitRefusal(row, model.counts(), limits);
    if (refusal === undefined) return;
    options.onLimitRefused?.(row, refusal);
    throw refusal;
  }
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
   * `value` once that and what the listeners set off are settled. A plan
   * that finds nothing to change (`unchanged`) commits nothing and tells no
   * one: an idempotent repeat (pausing a paused service).
   */
  async function mutate<T>(plan: () => Mutation<T>): Promise<T> {
    let unchanged: { value: T } | undefined;
    const result = await queue.submit(() => {
      const planned = plan();
      if ("unchanged" in planned) {
        unchanged = { value: planned.unchanged };
        return undefined;
      }
      const { steps, change, value } = planned;
      return { steps, committed: () => ({ value, followUps: tell(change) }) };
    });
    if (unchanged !== undefined) return unchanged.value;
    const { value, followUps } = result!;
    // The follow-ups report their own failures; the mutation itself is durable.
    await Promise.allSettled(followUps);
    return value;
  }

  /** One event per subscriber of the service (pause and resume). */
  function toEverySubscriber(serviceId: string, event: CallerEvent): Step[] {
    return [...model.subscriptionsOf(serviceId)].map((sub) => ({ kind: "event", callerId: sub.callerId, event }));
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
  function requireFreeTarget(service: Pick<ServiceConfig, "host" | "port" | "probe">, self?: string): void {
    const existing = model.serviceWithTarget(targetKey(service));
    if (existing !== undefined && existing.id !== self) {
      throw new MonitorError(
        "already_exists",
        // The host and URL passed validation and the id is ours or checked: all safe to repeat.
        `service ${describeTarget(service)} is already registered as "${existing.id}"`,
      );
    }
  }

  /** In the registry, so RegisterService, UpdateService and the config file all obey it. */
  function requireAllowedTarget(service: Pick<ServiceConfig, "host" | "probe">): void {
    const policy = options.targetPolicy;
    if (policy === undefined) return;
    const probe = service.probe;
    const host = probe?.kind === "http" ? hostPortOfUrl(new URL(probe.url)).host : service.host;
    if (hostAllowed(policy, host)) return;
    // Validated before it gets here (a host name or an IP literal): safe to repeat.
    const field = probe?.kind === "http" ? "http.url: host" : "host";
    const refusal = new MonitorError("permission_denied", `${field} ${host} is not allowed by --allow-targets`);
    options.onTargetRefused?.(refusal);
    throw refusal;
  }

  function editService(id: string, edit: (current: ServiceConfig) => ServiceConfig): Promise<ServiceConfig> {
    return mutate(() => {
      const previous = requireService(id);
      const input = edit(previous);
      if (input.id !== id) throw new Error(`editService: the edit of ${id} returned service ${input.id}`);
      // Only pause and resume change the pause state (and tell subscribers).
      const { pausedAt: _, ...settings } = input;
      const service: ServiceConfig = previous.pausedAt === undefined ? settings : { ...settings, pausedAt: previous.pausedAt };
      // A tightened policy must not stop edits of a service whose target stays as it was.
      if (targetKey(previous) !== targetKey(service)) requireAllowedTarget(service);
      requireFreeTarget(service, service.id);
      const steps: Step[] = [{ kind: "put_service", service }];
      // Moved: what the checks saw of the old target must not survive a restart.
      if (!checksSameTarget(previous, service)) {
        steps.push({ kind: "put_observation", serviceId: service.id, observation: observationAfterTargetChange(previous, service) });
      }
      return {
        steps,
        change: { kind: "service_updated", service, previous },
        value: service,
      };
    });
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
        requireAllowedTarget(input);
        requireFreeTarget(input);
        const id = input.id ?? newId("svc");
        if (model.getService(id) !== undefined) {
          throw new MonitorError("already_exists", `service ${quoteInput(id)} is already registered`);
        }
        requireRoomFor("service");
        const service: ServiceConfig = { ...input, id };
        return { steps: [{ kind: "put_service", service }], change: { kind: "service_added", service }, value: service };
      });
    },
    updateService: (input) => editService(input.id, () => input),
    editService,
    pauseService(id, at) {
      return mutate(() => {
        const previous = requireService(id);
        if (previous.pausedAt !== undefined) return { unchanged: previous };
        const service: ServiceConfig = { ...previous, pausedAt: at };
        return {
          steps: [{ kind: "put_service", service }, ...toEverySubscriber(id, { kind: "service_paused", serviceId: id })],
          change: { kind: "service_paused", service },
          value: service,
        };
      });
    },
    resumeService(id) {
      return mutate(() => {
        const previous = requireService(id);
        if (previous.pausedAt === undefined) return { unchanged: previous };
        const { pausedAt: _, ...service } = previous;
        return {
          steps: [
            { kind: "put_service", service },
            // Nothing known after a pause: what was seen before it says nothing of now.
            { kind: "put_observation", serviceId: id, observation: UNOBSERVED },
            ...toEverySubscriber(id, { kind: "service_resumed", serviceId: id }),
          ],
          change: { kind: "service_resumed", service, previous },
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
        requireRoomFor("caller");
        return { steps: [{ kind: "put_caller", caller }], change: { kind: "caller_added", caller }, value: caller };
      });
    },
    updateCaller(input) {
      return mutate(() => {
        const previous = requireCaller(input.id);
        const caller = withTokenOf(previous, input);
        return { steps: [{ kind: "put_caller", caller }], change: { kind: "caller_updated", caller, previous }, value: caller };
      });
    },
    rotateCallerToken(id, tokenHash) {
      return mutate(() => {
        const previous = requireCaller(id);
        const caller: CallerConfig = { ...previous, tokenHash };
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
        if (previous === undefined) requireRoomFor("subscription");
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
