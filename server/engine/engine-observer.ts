import type { CheckResult, Millis, ServiceConfig, Status } from "../domain/types.js";

/**
 * What the engine tells the outside about its work, for logs, metrics and
 * benchmarks. Every method is optional and must not throw (a throw is caught
 * and reported through the engine's onError, and the loop goes on); none of
 * them can change what the engine does.
 */
export interface EngineObserver {
  /** A check started `startedAt`; it was planned for `plannedAt` (lateness = startedAt − plannedAt). */
  checkStarted?(serviceId: string, plannedAt: Millis, startedAt: Millis): void;
  /** A check finished; `result.latencyMs` is how long it took. */
  checkFinished?(service: ServiceConfig, result: CheckResult): void;
  /**
   * A status was announced to `callers` subscribers of `service` in one
   * evaluation (one call per service and status, not per caller), after the
   * events were durable in the log.
   */
  announced?(service: ServiceConfig, status: Exclude<Status, "unknown">, detail: string, callers: number): void;
}

/**
 * The observer with every call guarded: a throwing observer is reported to
 * `onError` and the engine carries on, so a bug in logging or metrics can
 * never stop checks or lose an announcement.
 */
export function guardObserver(observer: EngineObserver, onError: (error: unknown, context: string) => void): Required<EngineObserver> {
  const guard =
    <A extends unknown[]>(name: keyof EngineObserver, call: ((...args: A) => void) | undefined) =>
    (...args: A): void => {
      if (call === undefined) return;
      try {
        call.apply(observer, args);
      } catch (error) {
        onError(error, `engine observer ${name}`);
      }
    };
  return {
    checkStarted: guard("checkStarted", observer.checkStarted),
    checkFinished: guard("checkFinished", observer.checkFinished),
    announced: guard("announced", observer.announced),
  };
}
