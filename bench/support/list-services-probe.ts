import type { MonitorClients } from "./monitor-client.js";

/** What a probe measured between its start and stop. */
export interface ProbeResult {
  /** Latency of each call that answered, ms, in start order. */
  readonly latencies: number[];
  /** Calls that failed (an error or the per-call timeout), by error message. */
  readonly failures: Readonly<Record<string, number>>;
  readonly failed: number;
  /** Calls that were due but not sent because `maxInFlight` were still unanswered. */
  readonly skipped: number;
}

export interface ListServicesProbe {
  /** Stops issuing calls and resolves once every call in flight has answered or failed. */
  stop(): Promise<ProbeResult>;
}

/**
 * Calls ListServices every `periodMs` on a fixed schedule (open loop: a slow
 * answer does not delay the next call, so a stall shows in the latencies
 * instead of in fewer samples), each with its own deadline. This is the
 * well-behaved client whose experience the attack scenario reports.
 */
export function startListServicesProbe(
  management: MonitorClients["management"],
  options: { readonly periodMs: number; readonly timeoutMs: number; readonly maxInFlight: number },
): ListServicesProbe {
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  let failed = 0;
  let skipped = 0;
  const inFlight = new Set<Promise<void>>();
  const begun = performance.now();
  let issued = 0;

  const call = () => {
    if (inFlight.size >= options.maxInFlight) {
      skipped++;
      return;
    }
    const index = latencies.length;
    latencies.push(Number.NaN);
    const started = performance.now();
    const done: Promise<void> = management.listServices({}, { timeoutMs: options.timeoutMs }).then(
      () => {
        latencies[index] = performance.now() - started;
      },
      (error: unknown) => {
        failed++;
        const message = error instanceof Error ? error.message.slice(0, 100) : String(error);
        failures[message] = (failures[message] ?? 0) + 1;
      },
    );
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  };
  // Ticks every few ms and sends each call that has come due, so a late
  // timer (the driver's own loop busy) catches up rather than skipping.
  const timer = setInterval(() => {
    const due = Math.floor((performance.now() - begun) / options.periodMs) + 1;
    for (; issued < due; issued++) call();
  }, Math.min(5, options.periodMs));

  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      return { latencies: latencies.filter((l) => !Number.isNaN(l)), failures, failed, skipped };
    },
  };
}
