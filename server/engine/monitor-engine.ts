import { addResult, trimBefore } from "../domain/availability-window.js";
import type { Clock } from "../domain/clock.js";
import { observe } from "../domain/observe.js";
import { isInOutage } from "../domain/outage-windows.js";
import type { CheckResult, Millis, Observation } from "../domain/types.js";
import type { HistorySink } from "../history/history-sink.js";
import type { CommitQueue } from "../store/commit-queue.js";
import type { Registry } from "../store/registry.js";
import { createAnnouncer } from "./announcer.js";
import { createCheckPool } from "./check-pool.js";
import { createCheckScheduler, type Timers } from "./check-scheduler.js";
import { guardObserver, type EngineObserver } from "./engine-observer.js";
import { createEngineReadModel, type EngineReadModel } from "./engine-read-model.js";
import type { EventHub } from "./event-hub.js";
import { createRegistryFollower } from "./registry-follower.js";
import type { PrepareCheck } from "./service-check.js";
import { alertWindowMs, type ServiceRuntime } from "./service-runtime.js";
import { createServiceTable } from "./service-table.js";
import { recoverAtStartup, type RecoveredState } from "./startup-recovery.js";

export type { EngineStats, SnapshotEntry } from "./engine-read-model.js";

/** How soon a service whose decision could not be saved is checked again. */
export const RETRY_UNSAVED_MS = 5000;

export interface MonitorEngine extends EngineReadModel {
  /** Rebuilds from the registry and what the store recovered, plans every service, follows registry changes. */
  start(recovered?: RecoveredState): void;
  /** Stops planning checks; results of checks still running are dropped. */
  stop(): void;
}

export interface MonitorEngineOptions {
  readonly registry: Registry;
  /** Where announcements and observations are committed (the registry's queue). */
  readonly queue: CommitQueue;
  readonly hub: EventHub;
  /** Builds each service's check from its settings (check-by-kind.ts in the server). */
  readonly prepareCheck: PrepareCheck;
  readonly clock: Clock;
  readonly timers?: Timers;
  /** Checks running at once; beyond it, due services wait their turn in order. */
  readonly maxConcurrentChecks?: number;
  /**
   * Where every check result, pause and observed status change goes for the
   * history (the history writer: it buffers, so this never waits).
   */
  readonly history?: HistorySink;
  /** Told of checks, announcements and log writes (logs, metrics). */
  readonly observer?: EngineObserver;
  /** Reports a failure that the loop survived (a store write, a bug in a handler). */
  readonly onError?: (error: unknown, context: string) => void;
}

/**
 * The loop that feeds probe results into the domain rules, wired from its
 * parts: one scheduler wakes services when due (check-scheduler), a bounded
 * pool runs their checks (check-pool), each result goes through the rules to
 * durable announcements (announcer), and the next wake-up is planned
 * (check-planner). The registry follower applies registry changes at once;
 * startup recovery rebuilds everything from the stores.
 */
export function createMonitorEngine(options: MonitorEngineOptions): MonitorEngine {
  const { registry, queue, hub, clock } = options;
  const onError = options.onError ?? (() => {});
  const observer = guardObserver(options.observer ?? {}, onError);
  let stopped = false;
  let unfollow: (() => void) | undefined;

  const scheduler = createCheckScheduler<string>({
    clock,
    ...(options.timers === undefined ? {} : { timers: options.timers }),
    onDue,
    onError: (error, id) => onError(error, `planning service ${id}`),
  });
  const pool = createCheckPool({
    maxConcurrent: options.maxConcurrentChecks ?? 1000,
    now: clock.now,
    observer,
    onResult,
    onError,
  });
  const services = createServiceTable(scheduler, pool, options.prepareCheck);
  const announcer = createAnnouncer({ queue, registry, services, observer, onError });
  const follow = createRegistryFollower({
    registry,
    hub,
    services,
    announcer,
    ...(options.history === undefined ? {} : { history: options.history }),
  });

  function onDue(id: string, now: Millis): void {
    const rt = services.get(id);
    if (rt === undefined || rt.lifecycle.t !== "planned") return;
    if (now >= rt.nextCheckAt) {
      pool.submit(rt, now);
      return;
    }
    // An outage boundary: reconcile (notification rule 4), then plan again.
    retryIfUnsaved(id, announcer.evaluate(id));
    // Ended windows can never matter again; the registry keeps them for the record.
    rt.outages = rt.outages.filter((outage) => outage.endMs > now);
    services.plan(rt, now);
  }

  function onResult(rt: ServiceRuntime, result: CheckResult): void {
    const now = clock.now();
    const previous = rt.observation;
    rt.observation = observe(previous, result);
    remember(rt, result, previous, now);
    // The observation commits with what it decides: one write per check tick.
    retryIfUnsaved(rt.config.id, announcer.evaluate(rt.config.id, { observed: true }));
    services.plan(rt, now);
  }

  /**
   * Hands the result to the history and keeps it for availability alerts. A
   * result stands until the next one, at most twice the interval plus the
   * timeout: a check that times out delays the next by that much.
   */
  function remember(rt: ServiceRuntime, result: CheckResult, previous: Observation, now: Millis): void {
    const serviceId = rt.config.id;
    const inOutage = isInOutage(rt.outages, result.at);
    const maxSpanMs = 2 * rt.effectiveIntervalMs + rt.config.checkTimeoutMs;
    const { history } = options;
    if (history !== undefined) {
      history.record({
        kind: "check",
        serviceId,
        at: result.at,
        status: result.status,
        latencyMs: result.latencyMs,
        detail: result.detail,
        inOutage,
        maxSpanMs,
        ...(result.http === undefined ? {} : { http: result.http }),
      });
      const { status, sinceMs } = rt.observation;
      const recorded = rt.recordedStatus ?? previous.status;
      if (status !== recorded && status !== "unknown") {
        history.statusChanged({ serviceId, at: sinceMs, previous: recorded, status, detail: result.detail });
      }
      if (status !== "unknown") rt.recordedStatus = status;
    }
    const keepMs = alertWindowMs(rt);
    if (keepMs === 0) {
      rt.recent.length = 0;
      return;
    }
    addResult(rt.recent, result.at, inOutage ? "excluded" : result.status, maxSpanMs);
    trimBefore(rt.recent, now - keepMs);
  }

  /**
   * A decision the store could not save (it was unavailable) is owed still:
   * check again within RETRY_UNSAVED_MS rather than a whole interval later,
   * so a short store outage delays a DOWN by seconds.
   */
  function retryIfUnsaved(id: string, saved: Promise<boolean>): void {
    void saved.then((ok) => {
      const rt = services.get(id);
      if (ok || stopped || rt === undefined) return;
      const now = clock.now();
      if (rt.nextCheckAt > now + RETRY_UNSAVED_MS) services.plan(rt, now, now + RETRY_UNSAVED_MS);
    });
  }

  return {
    ...createEngineReadModel(registry, services, pool, clock.now),
    start(recovered = { announced: [], observations: [] }) {
      recoverAtStartup({ registry, services, announcer }, recovered, clock.now());
      unfollow = registry.onChange((change) => {
        if (stopped) return undefined;
        try {
          return follow(change, clock.now());
        } catch (error) {
          onError(error, `applying registry change ${change.kind}`);
          return undefined;
        }
      });
    },
    stop() {
      stopped = true;
      unfollow?.();
      scheduler.stop();
      pool.stop();
    },
  };
}
