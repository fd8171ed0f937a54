/**
 * Resolves after `ms`, or as soon as `signal` aborts, and then leaves no timer
 * behind: a cancelled watch must not hold the process open for the rest of a
 * backoff. The timer is not unref'd while it runs, since a program whose only
 * work is a watch waiting to reconnect must stay alive.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
