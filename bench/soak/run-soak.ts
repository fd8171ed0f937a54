import { setMaxListeners } from "node:events";
import { readdirSync } from "node:fs";
import { prng } from "../../test/support/prng.js";
import { startBenchServer } from "../support/bench-server.js";
import { startListenerFarm } from "../support/listener-farm.js";
import { createMonitorClients, registerCallers, registerServices, subscribeAll } from "../support/monitor-client.js";
import { readRssBytes } from "../support/process-stats.js";
import { compareWithLog, runWatcher, type WatcherReport } from "./soak-watcher.js";

export interface SoakOptions {
  readonly minutes: number;
  readonly services: number;
  /** One watcher per caller. */
  readonly callers: number;
  readonly subscriptionsPerCaller: number;
  /** Services taken down each second; each comes back after 1–15 s. */
  readonly flipsPerSecond: number;
  /** How long a watcher holds a stream before it drops it and resumes (ms). */
  readonly holdMs: readonly [number, number];
  readonly sampleEveryMs: number;
  readonly seed: number;
  readonly dataDir: string;
  readonly log: (message: string) => void;
}

export interface SoakSample {
  /** ms since the load started. */
  readonly atMs: number;
  readonly rssBytes: number;
  readonly fds: number;
}

export interface SoakResult {
  readonly options: Omit<SoakOptions, "log" | "dataDir">;
  readonly samples: readonly SoakSample[];
  readonly watchers: ReadonlyArray<Omit<WatcherReport, "check"> & { readonly last: string; readonly logMismatches: number }>;
  readonly flips: number;
  /** Listeners the farm failed to take down or bring back (a port taken meanwhile), with why. */
  readonly farmErrors: readonly string[];
  /** Whether the server was still running when the load ended. */
  readonly serverAlive: boolean;
  /** Server log lines at error or fatal. */
  readonly errorLines: readonly string[];
  readonly warnLines: number;
}

function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/**
 * The soak: the real server (SQLite) checking `services` loopback listeners
 * every second while a farm (its own process) takes random ones down and back
 * up, and one watcher per caller dropping and resuming its stream at random.
 * Samples the server's RSS and open FDs; every watcher's sequence is checked
 * as it arrives and, at the end, against the caller's log replayed whole.
 */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const { log } = options;
  const random = prng(options.seed);
  const farm = await startListenerFarm();
  const server = await startBenchServer({ dataDir: options.dataDir });
  // Every line is judged as it comes (the server's output() keeps only the last MB).
  const errorLines: string[] = [];
  let warnLines = 0;
  let partial = "";
  const judge = (chunk: Buffer | string) => {
    const lines = (partial + chunk.toString()).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? 0);
      if (level >= 50) errorLines.push(line);
      else if (level === 40) warnLines++;
    }
  };
  server.process.stdout?.on("data", judge);
  server.process.stderr?.on("data", judge);
  const clients = createMonitorClients(server.baseUrl, Math.max(1, Math.ceil(options.callers / 25)));
  const stopLoad = new AbortController();
  // One listener per watcher's open stream: expected, not a leak.
  setMaxListeners(options.callers + 10, stopLoad.signal);
  const timers = new Set<NodeJS.Timeout>();
  try {
    const ports = await farm.open(options.services);
    const { ids } = await registerServices(clients.management, ports, { checkIntervalMs: 1000, concurrency: 32 });
    const callerIds = Array.from({ length: options.callers }, (_, i) => `soak-${i}`);
    await registerCallers(clients.management, callerIds, 16);
    for (const callerId of callerIds) {
      const picked = new Set<string>();
      while (picked.size < Math.min(options.subscriptionsPerCaller, ids.length)) picked.add(ids[Math.floor(random() * ids.length)]!);
      const gracePeriodMs = Math.floor(random() * 6) * 1000;
      await subscribeAll(clients.management, [...picked].map((serviceId) => ({ callerId, serviceId })), { pollingIntervalMs: 1000, gracePeriodMs, concurrency: 32 });
    }
    log(`soak: ${ids.length} services, ${callerIds.length} callers x ${options.subscriptionsPerCaller} subscriptions; running ${options.minutes} min`);

    const began = Date.now();
    const stopAt = began + options.minutes * 60_000;
    const down = new Set<number>();
    const farmErrors: string[] = [];
    let flips = 0;
    const flipper = setInterval(() => {
      const now = Date.now();
      if (now >= stopAt) return;
      const picked: number[] = [];
      for (let i = 0; i < options.flipsPerSecond; i++) {
        const index = Math.floor(random() * ports.length);
        if (!down.has(index)) picked.push(index), down.add(index);
      }
      if (picked.length === 0) return;
      flips += picked.length;
      farm.set(picked, "down").catch((error: unknown) => farmErrors.push(`down: ${String(error)}`));
      const back = setTimeout(() => {
        timers.delete(back);
        // While a listener is down its port is free, and an outgoing connection (a check)
        // may take it as its ephemeral port; it then cannot listen again. Such a service
        // stays down for the rest of the run: counted, not fatal.
        farm.set(picked, "up").then(
          () => picked.forEach((index) => down.delete(index)),
          (error: unknown) => farmErrors.push(`up: ${String(error)}`),
        );
      }, 1000 + random() * 14_000);
      timers.add(back);
    }, 1000);

    const samples: SoakSample[] = [];
    const sample = () => samples.push({ atMs: Date.now() - began, rssBytes: readRssBytes(server.pid), fds: openFds(server.pid) });
    sample();
    const sampler = setInterval(sample, options.sampleEveryMs);
    const reports = await Promise.all(
      callerIds.map((callerId, i) =>
        runWatcher({
          client: clients.watch[i % clients.watch.length]!,
          callerId,
          random: prng(options.seed + 1 + i),
          holdMs: options.holdMs,
          stopAt,
          signal: stopLoad.signal,
        }),
      ),
    );
    clearInterval(flipper);
    clearInterval(sampler);
    sample();
    const serverAlive = server.process.exitCode === null && server.process.signalCode === null;
    log(`soak: load over after ${((Date.now() - began) / 60_000).toFixed(1)} min; comparing every watcher with its caller's log`);
    const watchers = [];
    for (const report of reports) {
      const logMismatches = serverAlive ? await compareWithLog(clients.watch[0]!, report) : -1;
      const { check, ...rest } = report;
      watchers.push({ ...rest, last: check.last.toString(), logMismatches });
    }
    return {
      options: {
        minutes: options.minutes,
        services: options.services,
        callers: options.callers,
        subscriptionsPerCaller: options.subscriptionsPerCaller,
        flipsPerSecond: options.flipsPerSecond,
        holdMs: options.holdMs,
        sampleEveryMs: options.sampleEveryMs,
        seed: options.seed,
      },
      samples,
      watchers,
      flips,
      farmErrors,
      serverAlive,
      errorLines,
      warnLines,
    };
  } finally {
    stopLoad.abort();
    for (const timer of timers) clearTimeout(timer);
    await server.stop(5000);
    await farm.close();
  }
}
