import { readdirSync, readFileSync } from "node:fs";

/** What one process holds, from /proc (Linux). */
export interface ProcessStats {
  /** Resident set size (VmRSS), in bytes. */
  readonly rssBytes: number;
  /** Open file descriptors (entries of /proc/<pid>/fd). */
  readonly fds: number;
}

/** Reads VmRSS and the open file descriptors of `pid`. */
export function readProcessStats(pid: number): ProcessStats {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return { rssBytes: Number(kb) * 1024, fds: readdirSync(`/proc/${pid}/fd`).length };
}

export const MiB = 1024 * 1024;
