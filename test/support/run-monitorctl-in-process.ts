import { expect } from "vitest";
import { runMonitorctl } from "../../sdk/cli/run-monitorctl.js";

export interface CtlRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * monitorctl in-process against `server()` (host:port, read at each call, so
 * a suite can start its server in beforeAll); `signal` lets a test stop a
 * `watch` as Ctrl-C would.
 */
export function monitorctlAgainst(server: () => string) {
  async function ctl(args: string[], options: { signal?: AbortSignal; server?: string } = {}): Promise<CtlRun> {
    let stdout = "";
    let stderr = "";
    const code = await runMonitorctl(args, {
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      env: { MONITOR_SERVER: options.server ?? server() },
      isTty: false,
      signal: options.signal ?? new AbortController().signal,
    });
    return { code, stdout, stderr };
  }

  /** Runs a command that must succeed, and returns what it printed. */
  async function ok(args: string[]): Promise<string> {
    const run = await ctl(args);
    expect(run, `monitorctl ${args.join(" ")}`).toMatchObject({ code: 0, stderr: "" });
    return run.stdout;
  }

  return { ctl, ok };
}
