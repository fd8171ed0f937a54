import type { Timers } from "../../server/engine/check-scheduler.js";

interface PendingTimer {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/**
 * A clock and timers that move only when a test says so. `advance` fires
 * each due timer at its own time, letting promises (probe results, engine
 * reactions) settle in between, so engine tests are exact and never sleep.
 */
export function createManualTime(start = Date.parse("2026-01-01T00:00:00Z")) {
  let now = start;
  let seq = 0;
  const pending = new Set<PendingTimer>();

  const timers: Timers = {
    setTimeout(callback, ms) {
      const timer: PendingTimer = { at: now + Math.max(0, ms), seq: seq++, callback, cancelled: false };
      pending.add(timer);
      // Quacks enough like a NodeJS.Timeout for the scheduler (unref, identity).
      return Object.assign(timer, { unref: () => timer, ref: () => timer, hasRef: () => false, refresh: () => timer }) as unknown as NodeJS.Timeout;
    },
    clearTimeout(handle) {
      const timer = handle as unknown as PendingTimer;
      timer.cancelled = true;
      pending.delete(timer);
    },
  };

  async function settle(): Promise<void> {
    // Several macrotask turns: probe promises, then the engine's reactions.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  }

  async function advanceTo(target: number): Promise<void> {
    await settle();
    for (;;) {
      let next: PendingTimer | undefined;
      for (const timer of pending) {
        if (timer.at <= target && (next === undefined || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq))) next = timer;
      }
      if (next === undefined) break;
      pending.delete(next);
      now = Math.max(now, next.at);
      next.callback();
      await settle();
    }
    now = Math.max(now, target);
    await settle();
  }

  return {
    clock: { now: () => now },
    timers,
    /** Moves time forward by `ms`, firing due timers in order. */
    advance: (ms: number) => advanceTo(now + ms),
    advanceTo,
    settle,
    pendingTimers: () => pending.size,
  };
}
