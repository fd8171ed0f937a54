import type { Clock } from "../domain/clock.js";
import { effectiveIntervalMs } from "../domain/effective-interval.js";
import { MonitorError } from "../domain/monitor-error.js";
import { nextCheckAt, startupOffsetMs } from "../domain/next-check.js";
import { applyAnnouncement, decide, NOTHING_ANNOUNCED } from "../domain/notification.js";
import { observe, UNOBSERVED } from "../domain/observe.js";
import { isInOutage, nextOutageBoundary } from "../domain/outage-windows.js";
import type { ServiceState, ServiceStateSource } from "../domain/service-state.js";
import type {
  Announced,
  Announcement,
  CheckResult,
  Millis,
  Observation,
  PlannedOutage,
  ServiceConfig,
  SubscriptionConfig,
} from "../domain/types.js";
import type { EventLog, EventToAppend } from "../store/event-log.js";
import type { Registry, RegistryChange } from "../store/registry.js";
import { createCheckScheduler, type Timers } from "./check-scheduler.js";
import type { EngineObserver } from "./engine-observer.js";
import type { EventHub } from "./event-hub.js";
import type { ProbeTarget } from "./probe.js";

/** One subscription as the engine tracks it (also a PlanningSubscription, without copying). */
interface SubscriptionState {
  config: SubscriptionConfig;
  gracePeriodMs: number;
  announced: Announced;
}

/** Everything the engine keeps per service. */
interface ServiceRuntime {
  readonly config: ServiceConfig;
  readonly subs: Map<string, SubscriptionState>;
  readonly target: ProbeTarget;
  observation: Observation;
  outages: readonly PlannedOutage[];
  effectiveIntervalMs: number;
  /** When the next check starts; for a never-checked service, its first check. */
  nextCheckAt: Millis;
  checking: boolean;
  removed: boolean;
}

/** One entry of a caller's Watch snapshot. */
export interface SnapshotEntry {
  readonly serviceId: string;
  readonly host: string;
  readonly port: number;
  readonly announced: Announced;
}

export interface EngineStats {
  readonly checksStarted: number;
  readonly checksCompleted: number;
  readonly inFlight: number;
  readonly waiting: number;
  readonly services: number;
}

export interface MonitorEngine extends ServiceStateSource {
  /** Loads the registry and the announced states, plans every service, follows registry changes. */
  start(): void;
  /** Stops planning checks; results of checks still running are dropped. */
  stop(): void;
  /** The announced status of each of a caller's subscriptions. */
  snapshot(callerId: string): SnapshotEntry[];
  stats(): EngineStats;
}

export interface MonitorEngineOptions {
  readonly registry: Registry;
  readonly eventLog: EventLog;
  readonly hub: EventHub;
  readonly probe: (target: ProbeTarget) => Promise<CheckResult>;
  readonly clock: Clock;
  readonly timers?: Timers;
  /** Checks running at once; beyond it, due services wait their turn in order. */
  readonly maxConcurrentChecks?: number;
  /** Told of checks, announcements and log writes (logs, metrics). */
  readonly observer?: EngineObserver;
  /** Reports a failure that the loop survived (event log write, a bug in a handler). */
  readonly onError?: (error: unknown, context: string) => void;
}

const subscriptionState = (config: SubscriptionConfig, announced: Announced): SubscriptionState => ({
  config,
  gracePeriodMs: config.gracePeriodMs,
  announced,
});

const subscriptionEnded = (
  callerId: string,
  serviceId: string,
  reason: "unsubscribed" | "service unregistered",
): EventToAppend => ({ callerId, event: { kind: "subscription_ended", serviceId, reason } });

/**
 * The loop that feeds probe results into the domain rules: one scheduler for
 * every service, a bounded number of checks in flight, and for each result
 * the announcements the rules call for, written to the event log before they
 * are published to open streams. It follows the registry through its change
 * events, so a new service, subscription or outage takes effect at once.
 */
export function createMonitorEngine(options: MonitorEngineOptions): MonitorEngine {
  const { registry, eventLog, hub, probe, clock } = options;
  const maxConcurrent = options.maxConcurrentChecks ?? 1000;
  const onError = options.onError ?? (() => {});
  const observer = options.observer ?? {};
  const services = new Map<string, ServiceRuntime>();
  /** Due services that found every check slot taken, in the order they came due. */
  const waiting = new Set<ServiceRuntime>();
  let inFlight = 0;
  let checksStarted = 0;
  let checksCompleted = 0;
  let stopped = false;
  let unfollow: (() => void) | undefined;

  const scheduler = createCheckScheduler<string>({
    clock,
    ...(options.timers === undefined ? {} : { timers: options.timers }),
    onDue,
    onError: (error, id) => onError(error, `planning service ${id}`),
  });

  /** Called when the service's subscriptions change, not per check. */
  function recomputeInterval(rt: ServiceRuntime): void {
    const intervals: number[] = [];
    for (const sub of rt.subs.values()) intervals.push(sub.config.pollingIntervalMs);
    rt.effectiveIntervalMs = effectiveIntervalMs(rt.config.checkIntervalMs, intervals);
  }

  /** Plans the next wake-up: a check, or an outage boundary to reconcile at. */
  function plan(rt: ServiceRuntime, now: Millis): void {
    if (rt.removed || stopped) return;
    if (rt.observation.lastCheckAt !== undefined) {
      rt.nextCheckAt = nextCheckAt({
        now,
        lastCheckAt: rt.observation.lastCheckAt,
        effectiveIntervalMs: rt.effectiveIntervalMs,
        observation: rt.observation,
        subscriptions: rt.subs.values(),
        outages: rt.outages,
      });
    }
    // A running check plans again when it completes.
    if (rt.checking) return;
    const boundary = nextOutageBoundary(rt.outages, now);
    scheduler.schedule(rt.config.id, boundary !== undefined && boundary < rt.nextCheckAt ? boundary : rt.nextCheckAt);
  }

  /** Writes, then publishes, the events; returns false if the log refused them. */
  function emit(events: EventToAppend[], now: Millis): boolean {
    if (events.length === 0) return true;
    try {
      const started = performance.now();
      const logged = eventLog.append(events, now);
      observer.eventsAppended?.(logged.length, performance.now() - started);
      hub.publish(logged);
      return true;
    } catch (error) {
      onError(error, "appending to the event log");
      return false;
    }
  }

  /** Applies the notification rules to every subscription of the service. */
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
      events.push({
        callerId: sub.config.callerId,
        event: {
          kind: "status_change",
          serviceId: rt.config.id,
          host: rt.config.host,
          port: rt.config.port,
          previous: announcement.previous,
          status: announcement.status,
          sinceMs: announcement.sinceMs,
          detail: announcement.detail,
        },
      });
    }
    // Only what is durable counts as announced: if the log refused the
    // events, the next evaluation tries again.
    if (!emit(events, now)) return;
    for (const [sub, announcement] of decided) sub.announced = applyAnnouncement(sub.announced, announcement);
    tellAnnounced(rt.config, decided.map(([, announcement]) => announcement));
  }

  /** One observer call per status announced in an evaluation, with how many callers heard it. */
  function tellAnnounced(config: ServiceConfig, announcements: readonly Announcement[]): void {
    if (announcements.length === 0 || observer.announced === undefined) return;
    const byStatus = new Map<"up" | "down", { detail: string; callers: number }>();
    for (const { status, detail } of announcements) {
      const entry = byStatus.get(status);
      if (entry === undefined) byStatus.set(status, { detail, callers: 1 });
      else entry.callers++;
    }
    for (const [status, { detail, callers }] of byStatus) observer.announced(config, status, detail, callers);
  }

  function onDue(id: string, now: Millis): void {
    const rt = services.get(id);
    if (rt === undefined || rt.checking) return;
    if (now >= rt.nextCheckAt) {
      if (inFlight < maxConcurrent) startCheck(rt, now);
      else waiting.add(rt);
      return;
    }
    // An outage boundary: reconcile (notification rule 4), then plan again.
    evaluate(rt, now);
    // Ended windows can never matter again; the registry keeps them for the record.
    rt.outages = rt.outages.filter((outage) => outage.endMs > now);
    plan(rt, now);
  }

  function startCheck(rt: ServiceRuntime, now: Millis): void {
    rt.checking = true;
    inFlight++;
    checksStarted++;
    observer.checkStarted?.(rt.config.id, rt.nextCheckAt, now);
    probe(rt.target).then(
      (result) => finishCheck(rt, result),
      (error: unknown) => {
        // The probe never rejects by contract; if it does, keep the loop alive.
        onError(error, `checking ${rt.config.host}:${rt.config.port}`);
        finishCheck(rt, { status: "down", at: now, latencyMs: 0, detail: `probe failed: ${String(error)}` });
      },
    );
  }

  function finishCheck(rt: ServiceRuntime, result: CheckResult): void {
    inFlight--;
    checksCompleted++;
    rt.checking = false;
    observer.checkFinished?.(rt.config, result);
    if (!stopped && !rt.removed) {
      const now = clock.now();
      rt.observation = observe(rt.observation, result);
      evaluate(rt, now);
      plan(rt, now);
    }
    startWaiting();
  }

  function startWaiting(): void {
    for (const rt of waiting) {
      if (inFlight >= maxConcurrent || stopped) return;
      waiting.delete(rt);
      if (!rt.removed) startCheck(rt, clock.now());
    }
  }

  function addRuntime(config: ServiceConfig, subs: Iterable<SubscriptionState>, firstCheckAt: (interval: number) => Millis): ServiceRuntime {
    const rt: ServiceRuntime = {
      config,
      subs: new Map([...subs].map((s) => [s.config.callerId, s])),
      target: { host: config.host, port: config.port, timeoutMs: config.checkTimeoutMs },
      observation: UNOBSERVED,
      outages: registry.listOutages(config.id),
      effectiveIntervalMs: config.checkIntervalMs,
      nextCheckAt: 0,
      checking: false,
      removed: false,
    };
    recomputeInterval(rt);
    rt.nextCheckAt = firstCheckAt(rt.effectiveIntervalMs);
    services.set(config.id, rt);
    return rt;
  }

  function removeRuntime(rt: ServiceRuntime): void {
    rt.removed = true;
    services.delete(rt.config.id);
    scheduler.cancel(rt.config.id);
    waiting.delete(rt);
  }

  function onChange(change: RegistryChange): void {
    const now = clock.now();
    switch (change.kind) {
      case "service_added": {
        // A newly registered service is checked at once.
        plan(addRuntime(change.service, [], () => now), now);
        return;
      }
      case "service_removed": {
        const rt = services.get(change.service.id);
        if (rt === undefined) return;
        removeRuntime(rt);
        emit(
          [...rt.subs.keys()].map((callerId) => subscriptionEnded(callerId, rt.config.id, "service unregistered")),
          now,
        );
        return;
      }
      case "caller_added":
        return;
      case "caller_removed": {
        for (const sub of change.subscriptions) {
          const rt = services.get(sub.serviceId);
          if (rt === undefined) continue;
          rt.subs.delete(sub.callerId);
          recomputeInterval(rt);
          plan(rt, now);
        }
        try {
          eventLog.dropCaller(change.caller.id);
        } catch (error) {
          onError(error, `dropping the event log of caller ${change.caller.id}`);
        }
        hub.endCaller(change.caller.id, new MonitorError("not_found", `caller "${change.caller.id}" was unregistered`));
        return;
      }
      case "subscription_set": {
        const rt = services.get(change.subscription.serviceId);
        if (rt === undefined) return;
        const existing = rt.subs.get(change.subscription.callerId);
        const sub = subscriptionState(change.subscription, existing?.announced ?? NOTHING_ANNOUNCED);
        rt.subs.set(change.subscription.callerId, sub);
        recomputeInterval(rt);
        // Notification rule 5: a known status is announced right away.
        evaluate(rt, now, sub);
        plan(rt, now);
        return;
      }
      case "subscription_removed": {
        const rt = services.get(change.subscription.serviceId);
        if (rt === undefined) return;
        rt.subs.delete(change.subscription.callerId);
        recomputeInterval(rt);
        emit([subscriptionEnded(change.subscription.callerId, rt.config.id, "unsubscribed")], now);
        plan(rt, now);
        return;
      }
      case "outage_added":
      case "outage_removed": {
        const rt = services.get(change.outage.serviceId);
        if (rt === undefined) return;
        rt.outages = registry.listOutages(rt.config.id);
        // Cancelling an outage we are inside of ends it now: reconcile.
        evaluate(rt, now);
        plan(rt, now);
        return;
      }
    }
  }

  function start(): void {
    const now = clock.now();
    const announced = new Map<string, Map<string, Announced>>();
    for (const entry of eventLog.announcedAll()) {
      let byService = announced.get(entry.callerId);
      if (byService === undefined) announced.set(entry.callerId, (byService = new Map()));
      byService.set(entry.serviceId, entry.announced);
    }
    const take = (callerId: string, serviceId: string): Announced => {
      const byService = announced.get(callerId);
      const found = byService?.get(serviceId);
      byService?.delete(serviceId);
      return found ?? NOTHING_ANNOUNCED;
    };
    for (const config of registry.listServices()) {
      const subs = [...registry.subscriptionsOf(config.id)].map((c) => subscriptionState(c, take(c.callerId, c.serviceId)));
      // Spread first checks over the interval (checking rule 2), stably per service.
      const rt = addRuntime(config, subs, (interval) => now + startupOffsetMs(config.id, interval));
      plan(rt, now);
    }
    // Announced states whose subscription is gone: the server stopped between
    // the registry write and the event. Finish the job now.
    const leftovers: EventToAppend[] = [];
    for (const [callerId, byService] of announced) {
      if (registry.getCaller(callerId) === undefined) {
        eventLog.dropCaller(callerId);
        continue;
      }
      for (const serviceId of byService.keys()) {
        const reason = registry.getService(serviceId) === undefined ? "service unregistered" : "unsubscribed";
        leftovers.push(subscriptionEnded(callerId, serviceId, reason));
      }
    }
    emit(leftovers, now);
    unfollow = registry.onChange((change) => {
      if (stopped) return;
      try {
        onChange(change);
      } catch (error) {
        onError(error, `applying registry change ${change.kind}`);
      }
    });
  }

  const engine: MonitorEngine = {
    start,
    stop() {
      stopped = true;
      unfollow?.();
      scheduler.stop();
      waiting.clear();
    },
    stateOf(serviceId): ServiceState | undefined {
      const rt = services.get(serviceId);
      if (rt === undefined) return undefined;
      return {
        observation: rt.observation,
        effectiveIntervalMs: rt.effectiveIntervalMs,
        inPlannedOutage: isInOutage(rt.outages, clock.now()),
        nextCheckAt: rt.checking ? undefined : rt.nextCheckAt,
      };
    },
    snapshot(callerId) {
      const entries: SnapshotEntry[] = [];
      for (const sub of registry.listSubscriptions({ callerId })) {
        const rt = services.get(sub.serviceId);
        if (rt === undefined) continue;
        entries.push({
          serviceId: rt.config.id,
          host: rt.config.host,
          port: rt.config.port,
          announced: rt.subs.get(callerId)?.announced ?? NOTHING_ANNOUNCED,
        });
      }
      return entries;
    },
    stats: () => ({ checksStarted, checksCompleted, inFlight, waiting: waiting.size, services: services.size }),
  };
  return engine;
}
