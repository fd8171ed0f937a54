import { readFileSync } from "node:fs";

/**
 * CPU time and memory of another process, read from /proc (Linux), so the
 * bench measures the server, the listener farm and the bare loop from
 * outside without their cooperation.
 */

/** Clock ticks per second for /proc/<pid>/stat times; 100 on every Linux Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;

/** user + system CPU seconds the process has used so far. */
export function readCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) is in parentheses and may hold spaces; the
  // fields after the last ")" are fixed: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) {
    throw new Error(`cannot parse /proc/${pid}/stat: ${stat.slice(0, 200)}`);
  }
  return (utime + stime) / CLOCK_TICKS_PER_SECOND;
}

/** Resident set size in bytes (VmRSS of /proc/<pid>/status). */
export function readRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (match === null) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** A reading of one process at one moment. */
export interface ProcessSample {
  readonly atMs: number;
  readonly cpuSeconds: number;
  readonly rssBytes: number;
}

export function sampleProcess(pid: number): ProcessSample {
  return { atMs: performance.now(), cpuSeconds: readCpuSeconds(pid), rssBytes: readRssBytes(pid) };
}

/** CPU used between two samples, in cores (CPU seconds per second of wall time). */
export function coresBetween(from: ProcessSample, to: ProcessSample): number {
  const wallSeconds = (to.atMs - from.atMs) / 1000;
  return wallSeconds > 0 ? (to.cpuSeconds - from.cpuSeconds) / wallSeconds : Number.NaN;
}

/**
 * Samples processes once a second until stopped; each second gives one CPU
 * figure (cores) and one RSS figure per process, which is what the bench
 * reports medians and p99s of. /proc times tick at 10 ms, so a one-second
 * window is accurate to about 1% of a core.
 */
export interface ProcessMeter {
  /** Per process name: cores used in each whole second so far, and RSS at each second. */
  stop(): Record<string, { cores: number[]; rssBytes: number[] }>;
}

export function startProcessMeter(pids: Record<string, number>, periodMs = 1000): ProcessMeter {
  const names = Object.keys(pids);
  const result: Record<string, { cores: number[]; rssBytes: number[] }> = {};
  let last: Record<string, ProcessSample> = {};
  for (const name of names) {
    result[name] = { cores: [], rssBytes: [] };
    last[name] = sampleProcess(pids[name]!);
  }
  const timer = setInterval(() => {
    const next: Record<string, ProcessSample> = {};
    for (const name of names) {
      const sample = sampleProcess(pids[name]!);
      result[name]!.cores.push(coresBetween(last[name]!, sample));
      result[name]!.rssBytes.push(sample.rssBytes);
      next[name] = sample;
    }
    last = next;
  }, periodMs);
  return {
    stop() {
      clearInterval(timer);
      return result;
    },
  };
}
