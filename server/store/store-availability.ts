import type { Millis } from "../domain/types.js";

/**
 * Whether the store can be written, as the server shows it (health, logs).
 * Unavailable from the first lost connection until the store was reached
 * again, its lock re-taken and its contents found to match memory.
 */
export type StoreAvailability =
  | { readonly kind: "available" }
  | {
      readonly kind: "unavailable";
      readonly sinceMs: Millis;
      /** The latest reason (the first loss, then each failed attempt's). */
      readonly reason: string;
      /** Reconnect attempts that failed so far. */
      readonly attempts: number;
    };

export type AvailabilityEvent =
  | { readonly kind: "lost"; readonly reason: string }
  | { readonly kind: "attempt_failed"; readonly reason: string }
  | { readonly kind: "recovered" };

export const AVAILABLE: StoreAvailability = { kind: "available" };

/**
 * The next state. A second loss while unavailable keeps the outage's start
 * (one outage, not several); an attempt that fails while available (a stale
 * timer) changes nothing.
 */
export function nextAvailability(state: StoreAvailability, event: AvailabilityEvent, now: Millis): StoreAvailability {
  switch (event.kind) {
    case "lost":
      return state.kind === "unavailable" ? { ...state, reason: event.reason } : { kind: "unavailable", sinceMs: now, reason: event.reason, attempts: 0 };
    case "attempt_failed":
      return state.kind === "unavailable" ? { ...state, reason: event.reason, attempts: state.attempts + 1 } : state;
    case "recovered":
      return AVAILABLE;
  }
}
