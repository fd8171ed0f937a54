import { nextCheckAt } from "../domain/next-check.js";
import { nextOutageBoundary } from "../domain/outage-windows.js";
import type { Millis } from "../domain/types.js";
import { isPaused, type ServiceRuntime } from "./service-runtime.js";

/**
 * Plans a service's next wake-up (checking rules 1-3, notification rule 4):
 * the next check — at the effective interval after the last one, or earlier
 * for a pending grace deadline — or, when it comes first, the next outage
 * boundary, where the subscriptions are reconciled.
 *
 * A service being checked, or queued for a check slot, only has its
 * `nextCheckAt` updated: it plans again when its check completes.
 */
export function planNextWake(
  rt: ServiceRuntime,
  now: Millis,
  schedule: (serviceId: string, atMs: Millis) => void,
  /** The next check, decided by the caller (recovery after a restart). */
  checkAt?: Millis,
): void {
  // Paused: never woken (a runtime is paused from its creation; resuming makes a new one).
  if (rt.lifecycle.t === "removed" || isPaused(rt)) return;
  if (checkAt !== undefined) rt.nextCheckAt = checkAt;
  else if (rt.observation.lastCheckAt !== undefined) rt.nextCheckAt = nextCheckOf(rt, now);
  if (rt.lifecycle.t !== "planned") return;
  const boundary = nextOutageBoundary(rt.outages, now);
  schedule(rt.config.id, boundary !== undefined && boundary < rt.nextCheckAt ? boundary : rt.nextCheckAt);
}

/** When the service's next check is due after its last one (never before now). */
export function nextCheckOf(rt: ServiceRuntime, now: Millis): Millis {
  return nextCheckAt({
    now,
    lastCheckAt: rt.observation.lastCheckAt,
    effectiveIntervalMs: rt.effectiveIntervalMs,
    observation: rt.observation,
    subscriptions: rt.subs.values(),
    outages: rt.outages,
  });
}
