import { setTimeout as sleep } from "node:timers/promises";
import type { ChildWorker } from "./child-worker.js";
import type { CheckLoopRequest, CheckLoopResults, LoopCounts } from "./check-loop-child.js";
import { coresBetween, sampleProcess, type ProcessSample } from "./process-stats.js";
import type { WebFarm } from "./web-farm.js";

/** One-second samples of a check loop and the listeners it checks. */
export interface LoopMeasurement {
  /** Successful checks per second. */
  readonly rates: number[];
  readonly failures: number[];
  /** The loop process's CPU, cores, per second. */
  readonly loopCores: number[];
  /** The listeners' process's CPU, cores, per second. */
  readonly farmCores: number[];
  /** TCP connections the web farm accepted per request it answered, per second (web farm only). */
  readonly connectionsPerRequest: number[];
  /** The last failure's detail; "" when none failed. */
  readonly lastFailure: string;
}

/**
 * Measures `seconds` one-second windows of a running loop: its counts (asked
 * over IPC at each second), its CPU and the listeners' from /proc, and, when
 * `web` is given, what the web farm saw in the same second.
 */
export async function measureLoop(
  loop: ChildWorker<CheckLoopRequest, CheckLoopResults>,
  farmPid: number,
  seconds: number,
  web?: WebFarm,
): Promise<LoopMeasurement> {
  const out: LoopMeasurement = { rates: [], failures: [], loopCores: [], farmCores: [], connectionsPerRequest: [], lastFailure: "" };
  await web?.startWindow(1000);
  let counts: LoopCounts = await loop.request({ op: "count" });
  let loopSample: ProcessSample = sampleProcess(loop.pid);
  let farmSample: ProcessSample = sampleProcess(farmPid);
  const begun = performance.now();
  for (let s = 1; s <= seconds; s++) {
    await sleep(Math.max(0, begun + s * 1000 - performance.now()));
    const nextCounts = await loop.request({ op: "count" });
    const nextLoop = sampleProcess(loop.pid);
    const nextFarm = sampleProcess(farmPid);
    const wall = (nextLoop.atMs - loopSample.atMs) / 1000;
    out.rates.push((nextCounts.succeeded - counts.succeeded) / wall);
    out.failures.push((nextCounts.failed - counts.failed) / wall);
    out.loopCores.push(coresBetween(loopSample, nextLoop));
    out.farmCores.push(coresBetween(farmSample, nextFarm));
    if (web !== undefined) {
      const window = await web.collect();
      if (window.accepts > 0) out.connectionsPerRequest.push(window.connections / window.accepts);
    }
    counts = nextCounts;
    loopSample = nextLoop;
    farmSample = nextFarm;
  }
  return { ...out, lastFailure: counts.lastFailure };
}
