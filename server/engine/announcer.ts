import { applyAnnouncement, decide } from "../domain/notification.js";
import { isInOutage } from "../domain/outage-windows.js";
import type { Announcement, Millis, ServiceConfig } from "../domain/types.js";
import type { EventLog, EventToAppend } from "../store/event-log.js";
import type { EngineObserver } from "./engine-observer.js";
import type { EventHub } from "./event-hub.js";
import type { ServiceRuntime, SubscriptionState } from "./service-runtime.js";

export interface AnnouncerOptions {
  readonly eventLog: EventLog;
  readonly hub: EventHub;
  readonly observer: Required<Pick<EngineObserver, "announced" | "eventsAppended">>;
  readonly onError: (error: unknown, context: string) => void;
}

export interface Announcer {
  /**
   * Applies the notification rules to every subscription of the service (or
   * only to `only`), and announces what they call for.
   */
  evaluate(rt: ServiceRuntime, now: Millis, only?: SubscriptionState): void;
  /** Writes the events to the log, then publishes them to open streams; false if the log refused them. */
  emit(events: readonly EventToAppend[], now: Millis): boolean;
}

/**
 * Turns rule decisions into durable events (watch stream rule 1): an event is
 * appended to the caller's log before any stream hears of it, and a
 * subscription's announced status changes only once its event is durable —
 * if the log refuses the write, the next evaluation simply tries again.
 */
export function createAnnouncer(options: AnnouncerOptions): Announcer {
  const { eventLog, hub, observer, onError } = options;

  function emit(events: readonly EventToAppend[], now: Millis): boolean {
    if (events.length === 0) return true;
    try {
      const started = performance.now();
      const logged = eventLog.append(events, now);
      observer.eventsAppended(logged.length, performance.now() - started);
      hub.publish(logged);
      return true;
    } catch (error) {
      onError(error, "appending to the event log");
      return false;
    }
  }

  function evaluate(rt: ServiceRuntime, now: Millis, only?: SubscriptionState): void {
    const inOutage = isInOutage(rt.outages, now);
    const events: EventToAppend[] = [];
    const decided: Array<[SubscriptionState, Announcement]> = [];
    for (const sub of only === undefined ? rt.subs.values() : [only]) {
      const announcement = decide({
        serviceId: rt.config.id,
        announced: sub.announced,
        observation: rt.observation,
        gracePeriodMs: sub.gracePeriodMs,
        now,
        inOutage,
      });
      if (announcement === undefined) continue;
      decided.push([sub, announcement]);
      events.push({ callerId: sub.config.callerId, event: statusChangeEvent(rt.config, announcement) });
    }
    if (!emit(events, now)) return;
    for (const [sub, announcement] of decided) sub.announced = applyAnnouncement(sub.announced, announcement);
    tellObserver(rt.config, decided.map(([, announcement]) => announcement));
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

function statusChangeEvent(config: ServiceConfig, announcement: Announcement): EventToAppend["event"] {
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
