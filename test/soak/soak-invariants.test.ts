import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { runSoak } from "../../bench/soak/run-soak.js";
import { summarizeSoak } from "../../bench/soak/summarize-soak.js";

/**
 * The soak's short variant (the hour-long one is `npm run bench:soak`): the
 * real server checking 200 flapping loopback services while 20 watchers drop
 * and resume their streams at random for SOAK_MINUTES (default 5). Asserts
 * only invariants: every watcher's sequence gap-free and repeat-free across
 * resumes and equal to its caller's log, no stream failing, no error in the
 * server's log, the server alive. RSS and FDs are sampled but not judged here:
 * five minutes on a shared machine say nothing about growth.
 */
const minutes = Number(process.env["SOAK_MINUTES"] ?? "5");
const dir = mkdtempSync(join(tmpdir(), "monitor-soak-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it(
  `${minutes} min of flapping services and resuming watchers: no gap, no repeat, the log's own events`,
  async () => {
    expect(minutes, "SOAK_MINUTES").toBeGreaterThan(0);
    const result = await runSoak({
      minutes,
      services: 200,
      callers: 20,
      subscriptionsPerCaller: 20,
      flipsPerSecond: 4,
      holdMs: [2_000, 20_000],
      sampleEveryMs: 10_000,
      seed: 20261202,
      dataDir: join(dir, "data"),
      log: () => undefined,
    });
    const summary = summarizeSoak(result, false);
    expect(summary.violations).toEqual([]);
    // The run did what it claims: events flowed and watchers resumed many times.
    expect(summary.events).toBeGreaterThan(0);
    expect(summary.streams).toBeGreaterThan(result.watchers.length * 2);
  },
  (minutes * 60 + 120) * 1000,
);
