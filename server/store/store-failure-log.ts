import type { Logger } from "pino";
import { MonitorError } from "../domain/monitor-error.js";
import { throttlePerKey } from "../logging/throttle-per-key.js";
import { StoreError } from "./store.js";

/** Reports one background failure: what failed, and what was being done. */
export type FailureReport = (error: unknown, context: string) => void;

/** Whether an error says only that the store is down (the write's, or the refusal made of it). */
function isStoreUnavailable(error: unknown): boolean {
  return (error instanceof StoreError || error instanceof MonitorError) && error.kind === "unavailable";
}

/**
 * Logs the failures of the server's background work (batch writes,
 * evaluations' commits, history appends) with their stacks, one reporter
 * per source ("store", "engine", "history").
 *
 * While the store is down every check's write fails: 1,000 services checked
 * each second would log 1,000 stacks a second and bury the lines that say
 * why (the outage's own warnings, its reconnect attempts). Failures that say
 * only "the store is unavailable" are therefore logged at most once per
 * source every `intervalMs` (10 s), the next line counting those held back. Any
 * other failure is a bug or corruption and is logged every time.
 */
export function createStoreFailureLog(logger: Pick<Logger, "error">, now: () => number, intervalMs = 10_000): (source: string) => FailureReport {
  const pass = throttlePerKey(now, intervalMs);
  return (source) => (error, context) => {
    if (!isStoreUnavailable(error)) {
      logger.error({ err: error }, `${source}: ${context}`);
      return;
    }
    const suppressed = pass(source);
    if (suppressed === undefined) return;
    const note = suppressed > 0 ? `; ${suppressed} more such failure(s) since the previous line not logged` : "";
    logger.error({ err: error, ...(suppressed > 0 ? { suppressed } : {}) }, `${source}: ${context} (the store is unavailable${note})`);
  };
}
