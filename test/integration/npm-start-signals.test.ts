import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/spawn-server.js";

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly output: string;
}

/**
 * Runs `npm start` in a process group of its own, as a terminal would, and
 * once the server is listening sends `signal` to the whole group (Ctrl-C) or
 * to npm alone (a process manager). Resolves when every process of the run
 * has closed its output.
 */
function npmStartThenSignal(signal: NodeJS.Signals, target: "group" | "npm"): Promise<Run> {
  const dataDir = mkdtempSync(join(tmpdir(), "monitor-npm-start-"));
  const child = spawn("npm", ["start", "--", "--listen", "127.0.0.1:0", "--data-dir", dataDir], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let sent = false;
  const onData = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    if (!sent && output.includes("listening on")) {
      sent = true;
      process.kill(target === "group" ? -child.pid! : child.pid!, signal);
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const killer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 20_000);
  return new Promise((resolve) => {
    // "close", not "exit": the server may still be writing after npm is gone.
    child.once("close", (code, exitSignal) => {
      clearTimeout(killer);
      resolve({ code, signal: exitSignal, output });
    });
  });
}

describe("npm start and stop signals", () => {
  it("stops gracefully and exits 0 on Ctrl-C to the process group, 20 times out of 20", async () => {
    const runs: Run[] = [];
    // Four at a time: 20 runs in about a quarter of the time, on two cores.
    for (let round = 0; round < 5; round++) {
      runs.push(...(await Promise.all([1, 2, 3, 4].map(() => npmStartThenSignal("SIGINT", "group")))));
    }
    const graceful = runs.filter((run) => run.code === 0 && run.output.includes('"msg":"stopped"'));
    const forced = runs.filter((run) => run.output.includes("second signal"));
    expect(forced.map((run) => run.output)).toEqual([]);
    expect(graceful).toHaveLength(20);
  }, 120_000);

  it("stops gracefully when only npm is sent SIGTERM (npm relays it to the server it exec'd)", async () => {
    const run = await npmStartThenSignal("SIGTERM", "npm");
    expect(run.output).toContain('"msg":"stopped"');
    expect(run.code).toBe(0);
  });
});
