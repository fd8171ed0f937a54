import type { EngineObserver } from "./engine/engine-observer.js";

/**
 * One observer that tells each of `observers` in turn (logs, then metrics),
 * so the engine keeps a single `observer` option. Each call is made only on
 * the observers that implement it, and on every one of them even if an
 * earlier one throws (logs failing must not blind the metrics); the first
 * error is rethrown afterwards, for the engine to report.
 */
export function combineObservers(...observers: readonly EngineObserver[]): EngineObserver {
  const each = (call: (observer: EngineObserver) => void): void => {
    const errors: unknown[] = [];
    for (const observer of observers) {
      try {
        call(observer);
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw errors[0];
  };
  return {
    checkStarted: (serviceId, plannedAt, startedAt) => each((o) => o.checkStarted?.(serviceId, plannedAt, startedAt)),
    checkFinished: (service, result) => each((o) => o.checkFinished?.(service, result)),
    announced: (service, status, detail, callers) => each((o) => o.announced?.(service, status, detail, callers)),
  };
}
