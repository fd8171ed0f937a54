import { alertingAfter, decideAvailability } from "../domain/availability-alert.js";
import { windowDurations } from "../domain/availability-window.js";
import type { StatusDurations } from "../domain/status-durations.js";
import { applyAnnouncement, decide } from "../domain/notification.js";
import { isInOutage } from "../domain/outage-windows.js";
import { checksSameTarget } from "../domain/same-check-target.js";
import type { Announced, Announcement, AvailabilityAlertRule, CallerEvent, Millis, ServiceConfig } from "../domain/types.js";
import type { CommitQueue, Step } from "../store/commit-queue.js";
import type { Registry } from "../store/registry.js";
import type { EngineObserver } from "./engine-observer.js";
import { isPaused, type ServiceRuntime } from "./service-runtime.js";
import type { ServiceTable } from "./service-table.js";

export interface AnnouncerOptions {
  readonly queue: CommitQueue;
  /**
   * Read while planning, so a batch's earlier plans count: a subscription
   * removed or changed, an outage added, a service updated earlier in the
   * same batch.
   */
  readonly registry: Pick<Registry, "getSubscription" | "getService" | "listOutages">;
  /** The engine's services by id: a service updated since is a new runtime. */
  readonly services: Pick<ServiceTable, "get">;
  readonly observer: Required<Pick<EngineObserver, "announced">>;
  readonly onError: (error: unknown, context: string) => void;
}

export interface Announcer {
  /**
   * Applies the notification rules to every subscription of the service (or
   * only to the caller `only`'s) and commits what they call for; with
   * `observed`, the service's observation is written in the same
   * transaction. Resolves true once that is durable (or there was nothing to
   * commit), false when the write failed (reported to onError; never rejects).
   */
  evaluate(serviceId: string, options?: { readonly only?: string; readonly observed?: boolean }): Promise<boolean>;
  /** Commits events that need no rule (recovery's missing `subscription_ended`). */
  emit(steps: readonly Step[]): void;
}

/** A subscription's key in `pending`: the state object may be replaced, the ids stay. */
const keyOf = (callerId: string, serviceId: string) => `${callerId}\u0000${serviceId}`;

/**
 * Turns rule decisions into durable events (watch stream rule 1). The rules
 * run when the batch is planned, on the latest observation, the time of the
 * batch, and the registry as the batch's earlier plans leave it (outages,
 * grace periods, whether the subscription still exists); a subscription's
 * announced status changes only once its event is durable — if the write
 * fails, nothing changed and the next evaluation decides again. While a batch
 * is being planned or written, what it is about to announce is kept beside
 * the announced status (`pending`, by caller and service), so a second
 * evaluation in the meantime never announces it twice.
 */
export function createAnnouncer(options: AnnouncerOptions): Announcer {
  const { queue, registry, services, observer, onError } = options;
  const pending = new Map<string, Announced>();

  const report = (context: string) => (error: unknown) => onError(error, context);

  /** The steps and decisions of one evaluation; throws nothing it has half done. */
  function plan(rt: ServiceRuntime, now: Millis, only: string | undefined, observed: boolean) {
    const serviceId = rt.config.id;
    const steps: Step[] = [];
    if (observed) steps.push({ kind: "put_observation", serviceId, observation: rt.observation });
    const inOutage = isInOutage(registry.listOutages(serviceId), now);
    // Subscribers with the same window share one computation (it walks the window's runs).
    const windows = new Map<number, StatusDurations>();
    const decided: Array<{ key: string; callerId: string; announcement: Announcement | undefined; next: Announced }> = [];
    for (const sub of only === undefined ? rt.subs.values() : [rt.subs.get(only)]) {
      if (sub === undefined) continue;
      const callerId = sub.config.callerId;
      // Unsubscribed earlier in this batch: its subscription_ended is its last event.
      const current = registry.getSubscription(callerId, serviceId);
      if (current === undefined) continue;
      const key = keyOf(callerId, serviceId);
      const announced = pending.get(key) ?? sub.announced;
      const announcement = decide({
        serviceId,
        announced,
        observation: rt.observation,
        gracePeriodMs: current.gracePeriodMs,
        now,
        inOutage,
      });
      let next = announced;
      if (announcement !== undefined) {
        next = applyAnnouncement(announced, announcement);
        steps.push({ kind: "event", callerId, event: statusChangeEvent(rt.config, announcement) });
      }
      const rule = current.availabilityAlert;
      const availability = rule === undefined ? undefined : decideAvailabilityOf(rt, rule, next, now, inOutage, windows);
      if (availability !== undefined) {
        // Absent means false, as the store loads it.
        next = alertingAfter(availability.decision) ? { ...next, alerting: true } : { status: next.status, sinceMs: next.sinceMs };
        steps.push({ kind: "event", callerId, event: availability.event });
      }
      if (next !== announced) decided.push({ key, callerId, announcement, next });
    }
    return { steps, decided };
  }

  /** Availability alert rules: decided on the runtime's recent results, as checks arrive. */
  function decideAvailabilityOf(
    rt: ServiceRuntime,
    rule: AvailabilityAlertRule,
    announced: Announced,
    now: Millis,
    inOutage: boolean,
    windows: Map<number, StatusDurations>,
  ) {
    let durations = windows.get(rule.windowMs);
    if (durations === undefined) {
      durations = windowDurations(rt.recent, { startMs: now - rule.windowMs, endMs: now }, now);
      windows.set(rule.windowMs, durations);
    }
    const decision = decideAvailability({ rule, alerting: announced.alerting === true, durations, inOutage });
    if (decision === undefined) return undefined;
    const { config } = rt;
    const event: CallerEvent = {
      kind: decision.kind,
      serviceId: config.id,
      host: config.host,
      port: config.port,
      ...(config.probe?.kind === "http" ? { url: config.probe.url } : {}),
      availability: decision.availability,
      threshold: rule.threshold,
      windowMs: rule.windowMs,
    };
    return { decision, event };
  }

  function evaluate(serviceId: string, opts: { readonly only?: string; readonly observed?: boolean } = {}): Promise<boolean> {
    return queue
      .submit((now) => {
        const rt = services.get(serviceId);
        const current = registry.getService(serviceId);
        if (rt === undefined || current === undefined) return undefined;
        if (current !== rt.config) {
          // Updated or paused earlier in this batch: the new runtime plans its own check and
          // decides nothing yet. It shows this result when the target is the same (the
          // follower carries the observation over), so the store keeps it too.
          if (opts.observed !== true || !checksSameTarget(rt.config, current)) return undefined;
          return { steps: [{ kind: "put_observation", serviceId, observation: rt.observation }] };
        }
        // Paused: nothing is announced (its results, if any, were dropped with the runtime it had).
        if (isPaused(rt)) return undefined;
        const { steps, decided } = plan(rt, now, opts.only, opts.observed === true);
        if (steps.length === 0) return undefined;
        for (const { key, next } of decided) pending.set(key, next);
        const settle = () => {
          for (const { key, next } of decided) if (pending.get(key) === next) pending.delete(key);
        };
        return {
          steps,
          committed: () => {
            settle();
            // The runtime as it is now: a change committed in this batch may have replaced it.
            const live = services.get(serviceId);
            for (const { callerId, next } of decided) {
              const sub = live?.subs.get(callerId);
              if (sub !== undefined) sub.announced = next;
            }
            const announcements = decided.flatMap((d) => (d.announcement === undefined ? [] : [d.announcement]));
            if (announcements.length > 0) tellObserver(rt.config, announcements);
          },
          failed: settle,
        };
      })
      .then(
        () => true,
        (error: unknown) => {
          onError(error, `committing the evaluation of service ${serviceId}`);
          return false;
        },
      );
  }

  function emit(steps: readonly Step[]): void {
    if (steps.length === 0) return;
    queue.submit(() => ({ steps })).catch(report("committing events"));
  }

  /** One observer call per status announced in an evaluation, with how many callers heard it. */
  function tellObserver(config: ServiceConfig, announcements: readonly Announcement[]): void {
    const byStatus = new Map<"up" | "down", { detail: string; callers: number }>();
    for (const { status, detail } of announcements) {
      const entry = byStatus.get(status);
      if (entry === undefined) byStatus.set(status, { detail, callers: 1 });
      else entry.callers++;
    }
    for (const [status, { detail, callers }] of byStatus) observer.announced(config, status, detail, callers);
  }

  return { evaluate, emit };
}

function statusChangeEvent(config: ServiceConfig, announcement: Announcement): CallerEvent {
  return {
    kind: "status_change",
    serviceId: config.id,
    host: config.host,
    port: config.port,
    ...(config.probe?.kind === "http" ? { url: config.probe.url } : {}),
    previous: announcement.previous,
    status: announcement.status,
    sinceMs: announcement.sinceMs,
    detail: announcement.detail,
    ...(announcement.http === undefined ? {} : { http: announcement.http }),
  };
}
