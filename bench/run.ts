/**
 * `npm run bench`: starts the real server as its own process, drives it with
 * the generated gRPC client and a farm of loopback listeners, and prints a
 * table of figures (median, p99 over one-second windows or single events),
 * writing them with the machine's description to bench/results/latest.json.
 * See docs/benchmarks.md for the method and the figures.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { checkThroughput } from "./scenarios/check-throughput.js";
import { fanOut } from "./scenarios/fan-out.js";
import { history } from "./scenarios/history.js";
import { httpChecks } from "./scenarios/http-checks.js";
import { manySubscribers } from "./scenarios/many-subscribers.js";
import { notificationLatency } from "./scenarios/notification-latency.js";
import { registryAndRestart } from "./scenarios/registry-and-restart.js";
import { storeMutations } from "./scenarios/store-mutations.js";
import { tcpClose } from "./scenarios/tcp-close.js";
import { watchAttacks } from "./scenarios/watch-attacks.js";
import { CONFIGS } from "./support/bench-config.js";
import type { BenchContext } from "./support/bench-context.js";
import { ROOT } from "./support/bench-server.js";
import { startListenerFarm } from "./support/listener-farm.js";
import { parseBenchArgs, USAGE } from "./support/parse-bench-args.js";
import { formatTable, loadAverage1m, machineInfo, type BenchReport, type ScenarioResult } from "./support/report.js";

const SCENARIOS: ReadonlyArray<readonly [string, (ctx: BenchContext) => Promise<ScenarioResult[]>]> = [
  ["1", checkThroughput],
  ["2", manySubscribers],
  ["3", notificationLatency],
  ["4", fanOut],
  ["5", registryAndRestart],
  ["6", tcpClose],
  ["7", watchAttacks],
  ["8", storeMutations],
  ["9", httpChecks],
  ["10", history],
];

async function main(): Promise<void> {
  let args;
  try {
    args = parseBenchArgs(process.argv.slice(2), join(ROOT, "bench/results/latest.json"));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const config = CONFIGS[args.mode];
  const tmpRoot = mkdtempSync(join(tmpdir(), "monitor-bench-"));
  const serverNodeFlags =
    args.cpuProfDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${resolve(args.cpuProfDir)}`];
  const farm = await startListenerFarm();
  let dirs = 0;
  const ctx: BenchContext = {
    config,
    farm,
    postgres: args.postgres ? "required" : "auto",
    serverNodeFlags,
    newDataDir: () => join(tmpRoot, `data-${++dirs}`),
    log: (message) => process.stderr.write(`[bench ${((performance.now() - begun) / 1000).toFixed(0)}s] ${message}\n`),
  };
  const begun = performance.now();
  const startedAt = new Date().toISOString();
  const loadBefore = loadAverage1m();
  const scenarios: ScenarioResult[] = [];
  try {
    for (const [id, run] of SCENARIOS) {
      if (args.only.length > 0 && !args.only.includes(id)) continue;
      scenarios.push(...(await run(ctx)));
    }
  } finally {
    await farm.close();
    rmSync(tmpRoot, { recursive: true, force: true });
  }
  const report: BenchReport = {
    mode: config.mode,
    machine: machineInfo(),
    startedAt,
    finishedAt: new Date().toISOString(),
    loadAverage: { before: loadBefore, after: loadAverage1m() },
    scenarios,
  };
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);
  // Exit once the table is out: client HTTP/2 sessions to the stopped
  // servers would otherwise hold the process open until they time out.
  process.stdout.write(`${formatTable(report)}\n\nwritten to ${args.out}\n`, () => process.exit(0));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
