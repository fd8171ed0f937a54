import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { BenchReport } from "../../bench/support/report.js";
import { ROOT } from "../support/spawn-server.js";

/**
 * `npm run bench -- --smoke` end to end: every scenario runs against the real
 * server and the report is well-formed. Timings are never asserted (a shared
 * 2-core machine); only that each figure was measured.
 */
const dir = mkdtempSync(join(tmpdir(), "bench-smoke-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runBench(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@service-monitor/source", "bench/run.ts", ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, output })));
}

describe("npm run bench -- --smoke", () => {
  it("runs every scenario and writes a well-formed JSON report and the table", async () => {
    const out = join(dir, "report.json");
    const { code, output } = await runBench(["--smoke", "--out", out]);
    expect(code, output).toBe(0);
    expect(output).toContain("| scenario");

    const report = JSON.parse(readFileSync(out, "utf8")) as BenchReport;
    expect(report.mode).toBe("smoke");
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.machine.cpuModel).not.toBe("");
    expect(report.machine.node).toBe(process.version);
    const prefixes = report.scenarios.map((s) => s.id.split("-")[0]);
    expect([...new Set(prefixes)]).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
    for (const scenario of report.scenarios) {
      expect(scenario.figures.length, scenario.id).toBeGreaterThan(0);
      for (const f of scenario.figures) {
        expect(f.n, `${scenario.id}: ${f.name}`).toBeGreaterThan(0);
        expect(Number.isFinite(f.median), `${scenario.id}: ${f.name}`).toBe(true);
        expect(f.p99).toBeGreaterThanOrEqual(f.median);
        expect(f.max).toBeGreaterThanOrEqual(f.p99);
        if (f.target !== undefined) expect(typeof f.met).toBe("boolean");
      }
    }
    // Scenario 9 alone forks ten check loops and two servers: ~50 s on a quiet machine, twice that loaded.
  }, 240_000);

  it("refuses an unknown flag with exit code 2 and names it", async () => {
    const { code, output } = await runBench(["--fast"]);
    expect(code).toBe(2);
    expect(output).toContain('unknown argument "--fast"');
  });
});
