import { applyAnnouncement, decide } from "../domain/notification.js";
import { isInOutage } from "../domain/outage-windows.js";
import type { Announced, Announcement, CallerEvent, ServiceConfig } from "../domain/types.js";
import type { CommitQueue, Step } from "../store/commit-queue.js";
import type { Registry } from "../store/registry.js";
import type { EngineObserver } from "./engine-observer.js";
import type { ServiceRuntime, SubscriptionState } from "./service-runtime.js";

export interface AnnouncerOptions {
  readonly queue: CommitQueue;
  /** Read while planning: a subscription removed earlier in the same batch is no longer there. */
  readonly registry: Pick<Registry, "getSubscription" | "getService">;
  readonly observer: Required<Pick<EngineObserver, "announced">>;
  readonly onError: (error: unknown, context: string) => void;
}

export interface Announcer {
  /**
   * Applies the notification rules to every subscription of the service (or
   * only to `only`) and commits what they call for; with `observed`, the
   * service's observation is written in the same transaction. Resolves
   * once that is durable, or failed (reported to onError, never rejected).
   */
  evaluate(rt: ServiceRuntime, options?: { readonly only?: SubscriptionState; readonly observed?: boolean }): Promise<void>;
  /** Commits events that need no rule (recovery's missing `subscription_ended`). */
  emit(steps: readonly Step[]): void;
}

/**
 * Turns rule decisions into durable events (watch stream rule 1). The rules
 * run when the batch is planned, on the latest observation and the time of
 * the batch; a subscription's announced status changes only once its event
 * is durable — if the write fails, nothing changed and the next evaluation
 * decides again. While a batch is being planned or written, what it is about
 * to announce is kept beside the announced status (`pending`), so a second
 * evaluation of the same service in the meantime never announces it twice.
 */
export function createAnnouncer(options: AnnouncerOptions): Announcer {
  const { queue, registry, observer, onError } = options;
  const pending = new Map<SubscriptionState, Announced>();

  const report = (context: string) => (error: unknown) => onError(error, context);

  function evaluate(rt: ServiceRuntime, opts: { readonly only?: SubscriptionState; readonly observed?: boolean } = {}): Promise<void> {
    return queue
      .submit((now) => {
        if (rt.lifecycle.t === "removed" || registry.getService(rt.config.id) === undefined) return undefined;
        const steps: Step[] = [];
        if (opts.observed === true) steps.push({ kind: "put_observation", serviceId: rt.config.id, observation: rt.observation });
        const inOutage = isInOutage(rt.outages, now);
        const decided: Array<[SubscriptionState, Announcement, Announced]> = [];
        for (const sub of opts.only === undefined ? rt.subs.values() : [opts.only]) {
          // Unsubscribed earlier in this batch: its subscription_ended is its last event.
          if (registry.getSubscription(sub.config.callerId, rt.config.id) === undefined) continue;
          const announced = pending.get(sub) ?? sub.announced;
          const announcement = decide({
            serviceId: rt.config.id,
            announced,
            observation: rt.observation,
            gracePeriodMs: sub.gracePeriodMs,
            now,
            inOutage,
          });
          if (announcement === undefined) continue;
          const next = applyAnnouncement(announced, announcement);
          pending.set(sub, next);
          decided.push([sub, announcement, next]);
          steps.push({ kind: "event", callerId: sub.config.callerId, event: statusChangeEvent(rt.config, announcement) });
        }
        if (steps.length === 0) return undefined;
        const settle = () => {
          for (const [sub, , next] of decided) if (pending.get(sub) === next) pending.delete(sub);
        };
        return {
          steps,
          committed: () => {
            for (const [sub, , next] of decided) sub.announced = next;
            settle();
            if (decided.length > 0) tellObserver(rt.config, decided.map(([, announcement]) => announcement));
          },
          failed: settle,
        };
      })
      .then(() => {}, report(`committing the evaluation of service ${rt.config.id}`));
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
    previous: announcement.previous,
    status: announcement.status,
    sinceMs: announcement.sinceMs,
    detail: announcement.detail,
  };
}
