/**
 * `npm run bench:soak [-- --minutes 60]`: the soak (bench/soak/run-soak.ts)
 * for an hour by default: 1,000 flapping services, 100 watchers dropping and
 * resuming at random. Prints the summary, writes every sample and watcher to
 * bench/results/soak.json, and exits 1 if an invariant failed or RSS or open
 * FDs grew more than 10 % between the first and last quarter. Needs a quiet
 * machine for the resource figures to mean anything.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "./support/bench-server.js";
import { runSoak } from "./soak/run-soak.js";
import { summarizeSoak } from "./soak/summarize-soak.js";

function positive(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got ${JSON.stringify(text)}`);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: "string", default: "60" },
      services: { type: "string", default: "1000" },
      callers: { type: "string", default: "100" },
      subscriptions: { type: "string", default: "50" },
      flips: { type: "string", default: "10" },
      seed: { type: "string", default: "1" },
      out: { type: "string", default: join(ROOT, "bench/results/soak.json") },
    },
  });
  const dir = mkdtempSync(join(tmpdir(), "monitor-soak-"));
  const begun = Date.now();
  try {
    const result = await runSoak({
      minutes: positive("minutes", values.minutes),
      services: positive("services", values.services),
      callers: positive("callers", values.callers),
      subscriptionsPerCaller: positive("subscriptions", values.subscriptions),
      flipsPerSecond: positive("flips", values.flips),
      holdMs: [5_000, 60_000],
      sampleEveryMs: 10_000,
      seed: Number(values.seed),
      dataDir: join(dir, "data"),
      log: (message) => process.stderr.write(`[soak ${((Date.now() - begun) / 1000).toFixed(0)}s] ${message}\n`),
    });
    const summary = summarizeSoak(result, true);
    mkdirSync(dirname(values.out), { recursive: true });
    writeFileSync(values.out, `${JSON.stringify({ result, summary }, null, 2)}\n`);
    const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
    const flat = (f: typeof summary.rss, unit: (n: number) => string) =>
      "error" in f ? f.error : `${unit(f.firstQuarterMedian)} -> ${unit(f.lastQuarterMedian)} (${(f.change * 100).toFixed(1)} %)`;
    process.stdout.write(
      [
        `soak: ${result.options.minutes} min, ${result.options.services} services, ${result.watchers.length} watchers, ${result.flips} outages started, ${result.farmErrors.length} listener(s) that could not flip`,
        `RSS (median, first vs last quarter after warm-up): ${flat(summary.rss, mib)}`,
        `open FDs: ${flat(summary.fds, String)}`,
        `events heard: ${summary.events} over ${summary.streams} streams; gaps ${summary.gaps}, repeats ${summary.repeats}, snapshots ${summary.snapshots}, differing from the log ${summary.logMismatches}`,
        `server log: ${result.errorLines.length} error line(s), ${result.warnLines} warning(s)`,
        summary.violations.length === 0 ? "clean" : `FAILED:\n  ${summary.violations.join("\n  ")}`,
        `details: ${values.out}`,
        "",
      ].join("\n"),
    );
    if (summary.violations.length > 0) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
