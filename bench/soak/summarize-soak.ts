import { flatWithin, type Flatness } from "./flat-within.js";
import type { SoakResult } from "./run-soak.js";

/** What a soak proves or disproves, from its result. */
export interface SoakSummary {
  readonly rss: Flatness | { readonly error: string };
  readonly fds: Flatness | { readonly error: string };
  readonly events: number;
  readonly streams: number;
  readonly gaps: number;
  readonly repeats: number;
  readonly snapshots: number;
  readonly logMismatches: number;
  readonly failures: Readonly<Record<string, number>>;
  /** The invariants that failed; empty when the run is clean. */
  readonly violations: readonly string[];
}

/** Resource tolerance: RSS and FDs within 10 % between the first and last quarter. */
export const SOAK_TOLERANCE = 0.1;

/**
 * `withResources`: judge RSS/FD flatness too (the hour-long bench); the short
 * CI variant checks only invariants, since five minutes on a shared machine
 * say nothing about growth.
 */
export function summarizeSoak(result: SoakResult, withResources: boolean): SoakSummary {
  const rss = flatWithin(result.samples.map((s) => s.rssBytes), SOAK_TOLERANCE);
  const fds = flatWithin(result.samples.map((s) => s.fds), SOAK_TOLERANCE);
  const sum = (pick: (w: SoakResult["watchers"][number]) => number) => result.watchers.reduce((total, w) => total + pick(w), 0);
  const failures: Record<string, number> = {};
  for (const watcher of result.watchers) {
    for (const [code, count] of Object.entries(watcher.failures)) failures[code] = (failures[code] ?? 0) + count;
  }
  const summary = {
    rss,
    fds,
    events: sum((w) => w.events),
    streams: sum((w) => w.streams),
    gaps: sum((w) => w.gaps),
    repeats: sum((w) => w.repeats),
    snapshots: sum((w) => w.snapshots),
    logMismatches: sum((w) => Math.max(0, w.logMismatches)),
    failures,
  };
  const violations: string[] = [];
  if (!result.serverAlive) violations.push("the server exited during the run");
  if (summary.gaps > 0) violations.push(`${summary.gaps} gap(s) in watchers' sequences`);
  if (summary.repeats > 0) violations.push(`${summary.repeats} event(s) delivered twice`);
  if (summary.snapshots > 0) violations.push(`${summary.snapshots} snapshot(s) on replays and resumes`);
  if (summary.logMismatches > 0) violations.push(`${summary.logMismatches} event(s) heard differ from the caller's log`);
  if (Object.keys(failures).length > 0) violations.push(`streams failed: ${JSON.stringify(failures)}`);
  if (result.errorLines.length > 0) violations.push(`${result.errorLines.length} error line(s) in the server log, first: ${result.errorLines[0]}`);
  const silent = result.watchers.filter((w) => w.events === 0).map((w) => w.callerId);
  if (silent.length > 0) violations.push(`watchers that heard nothing: ${silent.join(", ")}`);
  if (withResources) {
    for (const [name, flat] of [["RSS", rss], ["open FDs", fds]] as const) {
      if ("error" in flat) violations.push(`${name}: ${flat.error}`);
      else if (!flat.flat) violations.push(`${name} changed ${(flat.change * 100).toFixed(1)} % (first quarter ${flat.firstQuarterMedian}, last ${flat.lastQuarterMedian})`);
    }
  }
  return { ...summary, violations };
}
