import { describeTarget } from "../domain/service-target.js";
import type { CheckResult, Millis } from "../domain/types.js";
import type { EngineObserver } from "./engine-observer.js";
import { checking, PLANNED, QUEUED, type ServiceRuntime } from "./service-runtime.js";

export interface CheckPoolOptions {
  /** Checks running at once; beyond it, due services wait their turn in the order they came due. */
  readonly maxConcurrent: number;
  readonly now: () => Millis;
  readonly observer: Required<Pick<EngineObserver, "checkStarted" | "checkFinished">>;
  /** The result of a check, for a service that was not removed meanwhile. */
  readonly onResult: (rt: ServiceRuntime, result: CheckResult) => void;
  readonly onError: (error: unknown, context: string) => void;
}

export interface CheckPool {
  /** Starts a check of a due service now, or queues it until a slot frees. */
  submit(rt: ServiceRuntime, now: Millis): void;
  /** Forgets a queued service (unregistered). A running check's result is dropped by its lifecycle. */
  forget(rt: ServiceRuntime): void;
  /** Starts nothing more; queued services are dropped. */
  stop(): void;
  readonly inFlight: number;
  readonly waiting: number;
  readonly started: number;
  readonly completed: number;
}

/**
 * Runs checks with bounded concurrency (checking rule 2): a service never has
 * two checks at once (its lifecycle says `checking`), and when every slot is
 * taken due services queue in order, so a slow network delays checks evenly
 * instead of piling up sockets.
 */
export function createCheckPool(options: CheckPoolOptions): CheckPool {
  const { maxConcurrent, observer } = options;
  /** Insertion-ordered: the order services came due. */
  const waiting = new Set<ServiceRuntime>();
  let inFlight = 0;
  let started = 0;
  let completed = 0;
  let stopped = false;

  function run(rt: ServiceRuntime, now: Millis): void {
    rt.lifecycle = checking(now);
    rt.lastCheckStartedAt = now;
    inFlight++;
    started++;
    observer.checkStarted(rt.config.id, rt.nextCheckAt, now);
    // Never rejects by contract; a rejection is still reported and counted as down.
    rt.check().then(
      (result) => finish(rt, result),
      (error: unknown) => {
        options.onError(error, `checking ${describeTarget(rt.config)}`);
        finish(rt, { status: "down", at: now, latencyMs: 0, detail: `probe failed: ${String(error)}` });
      },
    );
  }

  function finish(rt: ServiceRuntime, result: CheckResult): void {
    inFlight--;
    completed++;
    observer.checkFinished(rt.config, result);
    if (rt.lifecycle.t === "checking" && !stopped) {
      rt.lifecycle = PLANNED;
      options.onResult(rt, result);
    }
    drain();
  }

  function drain(): void {
    for (const rt of waiting) {
      if (inFlight >= maxConcurrent || stopped) return;
      waiting.delete(rt);
      if (rt.lifecycle.t === "queued") run(rt, options.now());
    }
  }

  return {
    submit(rt, now) {
      if (stopped || rt.lifecycle.t !== "planned") return;
      if (inFlight < maxConcurrent) {
        run(rt, now);
      } else {
        rt.lifecycle = QUEUED;
        waiting.add(rt);
      }
    },
    forget(rt) {
      waiting.delete(rt);
    },
    stop() {
      stopped = true;
      waiting.clear();
    },
    get inFlight() {
      return inFlight;
    },
    get waiting() {
      return waiting.size;
    },
    get started() {
      return started;
    },
    get completed() {
      return completed;
    },
  };
}
