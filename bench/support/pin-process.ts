import { execFileSync } from "node:child_process";
import { cpus } from "node:os";

/** Whether `taskset` (util-linux) can be run here; without it nothing is pinned and the scenario says so. */
export function canPin(): boolean {
  try {
    execFileSync("taskset", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Every CPU of the machine, as taskset writes a list ("0-1"). */
export const ALL_CPUS = `0-${cpus().length - 1}`;

/**
 * Pins every thread of `pid` to `cpuList` (e.g. "1"; ALL_CPUS undoes it).
 * Threads made later inherit it from the thread that makes them.
 */
export function pinProcess(pid: number, cpuList: string): void {
  execFileSync("taskset", ["-a", "-p", "-c", cpuList, String(pid)], { stdio: "ignore" });
}
