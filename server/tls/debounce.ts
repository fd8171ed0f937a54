/** The timer functions a debounce needs; tests pass manual ones. */
export interface DebounceTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface Debounced {
  /** Asks for `action`; it runs once `waitMs` after the last of a burst of calls. */
  trigger(): void;
  /** Drops a pending run. */
  cancel(): void;
}

/**
 * Runs `action` once per burst of triggers: an editor's save, or `mv` over a
 * file, is several file-system events, and a certificate and its key are
 * often replaced one after the other.
 */
export function debounce(action: () => void, waitMs: number, timers: DebounceTimers): Debounced {
  let pending: unknown;
  let armed = false;
  const cancel = () => {
    if (armed) timers.clearTimeout(pending);
    armed = false;
  };
  return {
    trigger() {
      cancel();
      armed = true;
      pending = timers.setTimeout(() => {
        armed = false;
        action();
      }, waitMs);
    },
    cancel,
  };
}
