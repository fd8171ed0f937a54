import type { EngineObserver } from "./engine/engine-observer.js";

/**
 * One observer that tells each of `observers` in turn (logs, then metrics),
 * so the engine keeps a single `observer` option. Each call is made only on
 * the observers that implement it.
 */
export function combineObservers(...observers: readonly EngineObserver[]): EngineObserver {
  return {
    checkStarted(serviceId, plannedAt, startedAt) {
      for (const o of observers) o.checkStarted?.(serviceId, plannedAt, startedAt);
    },
    checkFinished(service, result) {
      for (const o of observers) o.checkFinished?.(service, result);
    },
    announced(service, status, detail, callers) {
      for (const o of observers) o.announced?.(service, status, detail, callers);
    },
    eventsAppended(count, durationMs) {
      for (const o of observers) o.eventsAppended?.(count, durationMs);
    },
  };
}
