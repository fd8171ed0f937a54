import { setTimeout as sleep } from "node:timers/promises";
import type { FarmWindow } from "./farm-protocol.js";
import type { ListenerFarm } from "./listener-farm.js";
import { startProcessMeter } from "./process-stats.js";

/** One measured stretch: the farm's view of each second, and each process's CPU and RSS per second. */
export interface Measurement {
  readonly seconds: readonly FarmWindow[];
  readonly processes: Record<string, { cores: number[]; rssBytes: number[] }>;
}

/**
 * Measures `seconds` one-second windows: what the listeners accepted (and
 * how late, for checks `intervalMs` apart) and what each named process used.
 */
export async function measureSeconds(
  farm: Pick<ListenerFarm, "startWindow" | "collect">,
  pids: Record<string, number>,
  seconds: number,
  intervalMs: number,
): Promise<Measurement> {
  await farm.startWindow(intervalMs);
  const meter = startProcessMeter(pids);
  const begun = performance.now();
  const windows: FarmWindow[] = [];
  for (let s = 1; s <= seconds; s++) {
    await sleep(Math.max(0, begun + s * 1000 - performance.now()));
    windows.push(await farm.collect());
  }
  return { seconds: windows, processes: meter.stop() };
}

/** The per-second rates of accepts at the listeners `indices` (all when omitted). */
export function acceptRates(measurement: Measurement, indices?: readonly number[]): number[] {
  return measurement.seconds.map((w) => {
    let accepts = w.accepts;
    if (indices !== undefined) {
      accepts = 0;
      for (const i of indices) accepts += w.perListener[i] ?? 0;
    }
    return (accepts * 1000) / w.durationMs;
  });
}

/** Every lateness sample of the measurement, ms. */
export function allLateness(measurement: Measurement): number[] {
  const all: number[] = [];
  for (const w of measurement.seconds) for (const l of w.lateness) all.push(l);
  return all;
}

/** Merges measurements of the same processes (repetitions) into one. */
export function mergeMeasurements(list: readonly Measurement[]): Measurement {
  const processes: Measurement["processes"] = {};
  for (const m of list) {
    for (const [name, p] of Object.entries(m.processes)) {
      const into = (processes[name] ??= { cores: [], rssBytes: [] });
      into.cores.push(...p.cores);
      into.rssBytes.push(...p.rssBytes);
    }
  }
  return { seconds: list.flatMap((m) => m.seconds), processes };
}
