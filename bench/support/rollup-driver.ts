import { cpuUsage } from "node:process";
import type { RollupJob, RollupPass } from "../../server/history/rollup-job.js";

/** One rollup pass with the process's CPU it took (writer work interleaved at its awaits included). */
export interface TimedPass extends RollupPass {
  readonly cpuMs: number;
}

/**
 * Runs a rollup job's passes on the job's own schedule — one `everyMs`
 * after the last caught-up pass, the next at once while a backlog is left
 * (the job's `start()` does the same) — but through `runOnce()`, so the
 * bench can read the CPU each pass took.
 */
export interface RollupDriver {
  readonly passes: readonly TimedPass[];
  /** Passes until caught up, now. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Passes until caught up, each timed. Between passes it yields to the event
 * loop as the job's own schedule does (a timer of 0 ms): on SQLite a pass
 * never waits for I/O, so back-to-back passes awaited in a loop would hold
 * the loop for the whole backlog.
 */
export async function drainRollups(job: RollupJob, into: TimedPass[]): Promise<void> {
  for (let first = true; ; first = false) {
    if (!first) await new Promise((resolve) => setTimeout(resolve, 0));
    const before = cpuUsage();
    const pass = await job.runOnce();
    const used = cpuUsage(before);
    if (pass.rows > 0) into.push({ ...pass, cpuMs: (used.user + used.system) / 1000 });
    if (pass.caughtUp) return;
  }
}

export function startRollupDriver(job: RollupJob, everyMs: number, onError: (error: unknown) => void): RollupDriver {
  const passes: TimedPass[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      running = drainRollups(job, passes)
        .catch(onError)
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, everyMs);
  };
  schedule();
  return {
    passes,
    async drain() {
      await running;
      await drainRollups(job, passes);
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
    },
  };
}
