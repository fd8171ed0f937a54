import type { PoolTimings } from "./monitor-client.js";

/**
 * Runs `lanes` loops side by side for `durationMs`, each calling
 * `task(lane, n)` (n counts that lane's calls from 0) one call after
 * another: `lanes` calls in flight for a fixed window, where runPool runs a
 * fixed count. No call starts after the window; the ones in flight then are
 * awaited but fall outside it (`finishedAt` is the window's end), so
 * perSecondRates counts whole seconds of the window only. The first failure
 * rejects: the bench stops rather than report figures over failed calls.
 */
export async function runLanesFor(
  lanes: number,
  durationMs: number,
  task: (lane: number, n: number) => Promise<unknown>,
): Promise<PoolTimings> {
  const completions: number[] = [];
  const latencies: number[] = [];
  const startedAt = performance.now();
  const endsAt = startedAt + durationMs;
  async function lane(index: number): Promise<void> {
    for (let n = 0; performance.now() < endsAt; n++) {
      const begun = performance.now();
      await task(index, n);
      const end = performance.now();
      if (end <= endsAt) {
        completions.push(end);
        latencies.push(end - begun);
      }
    }
  }
  await Promise.all(Array.from({ length: lanes }, (_, i) => lane(i)));
  return { startedAt, finishedAt: endsAt, completions, latencies };
}
