import { MonitorError } from "../domain/monitor-error.js";
import { quoteInput } from "../domain/quote-input.js";

/** How many Watch streams may be open at once (issue 8: one client must not take the server down). */
export interface WatchStreamLimits {
  /** Per caller id, over every connection: checked by the Watch handler ({@link createWatchStreamGate}). */
  readonly perCaller: number;
  /** Per HTTP/2 connection, over every caller: checked in front of connect (watch-connection-limit.ts). */
  readonly perConnection: number;
}

export const DEFAULT_WATCH_STREAM_LIMITS: WatchStreamLimits = { perCaller: 16, perConnection: 100 };

/** An admitted stream; `release` it when the stream ends (a second call does nothing). */
export interface WatchStreamLease {
  release(): void;
}

/**
 * Admits each caller's Watch streams up to the per-caller limit and counts
 * them until released.
 *
 * The count is taken at admission, not from the EventHub's attached sinks: a
 * stream replaying a long log attaches only once it has caught up, so 5,000
 * replaying streams would all pass a check of the hub. Admission and the
 * count change in one synchronous step, so concurrent requests cannot
 * overshoot.
 */
export interface WatchStreamGate {
  /** A lease, or throws a resource_exhausted MonitorError naming the limit. */
  admit(callerId: string): WatchStreamLease;
  /** Admitted streams of one caller. */
  openFor(callerId: string): number;
  /** Admitted streams of every caller: the open Watch streams, replaying or live. */
  total(): number;
}

export function createWatchStreamGate(perCaller: number = DEFAULT_WATCH_STREAM_LIMITS.perCaller): WatchStreamGate {
  const byCaller = new Map<string, number>();
  let total = 0;

  return {
    admit(callerId) {
      const count = byCaller.get(callerId) ?? 0;
      if (count >= perCaller) {
        throw new MonitorError(
          "resource_exhausted",
          `caller ${quoteInput(callerId)} already has ${count} open Watch streams, the most allowed per caller; close one first`,
        );
      }
      byCaller.set(callerId, count + 1);
      total++;
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          total--;
          const left = (byCaller.get(callerId) ?? 1) - 1;
          if (left === 0) byCaller.delete(callerId);
          else byCaller.set(callerId, left);
        },
      };
    },
    openFor: (callerId) => byCaller.get(callerId) ?? 0,
    total: () => total,
  };
}
