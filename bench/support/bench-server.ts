import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository root, where `server/main.ts` is run from. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * The server script every scenario starts: this checkout's build, or
 * `BENCH_SERVER_MAIN` (absolute, or relative to ROOT), e.g. an older version
 * built in a git worktree, so the same scenario measures both.
 */
export const SERVER_MAIN = process.env["BENCH_SERVER_MAIN"] ?? "dist/server/main.js";

export interface BenchServer {
  readonly pid: number;
  readonly port: number;
  readonly baseUrl: string;
  readonly dataDir: string;
  /** performance.now() when the process was spawned, and when its "listening" line arrived. */
  readonly spawnedAt: number;
  readonly listeningAt: number;
  readonly process: ChildProcess;
  /** Everything it wrote so far (the last 1 MB). */
  output(): string;
  /** SIGTERM (graceful: stores flushed, profile written), SIGKILL after `graceMs`; resolves on exit. */
  stop(graceMs?: number): Promise<number | NodeJS.Signals>;
}

export interface BenchServerOptions {
  readonly dataDir: string;
  /** Node flags placed before the script, e.g. ["--cpu-prof", "--cpu-prof-dir=..."]. */
  readonly nodeFlags?: readonly string[];
  readonly startTimeoutMs?: number;
  /** More server flags, after --listen and --data-dir, e.g. ["--tcp-close", "reset"]. */
  readonly args?: readonly string[];
  /** Runs the server under `taskset -c LIST` (e.g. "0": one core), every thread of it; the pid is still node's. */
  readonly cpuList?: string;
}

const OUTPUT_LIMIT = 1 << 20;

/**
 * Benchmarks measure the server's speed, not its limits: registry sizes far
 * above any scenario and no mutation rate limit, so no scenario is refused. A scenario's own `args` come
 * after these and win.
 */
export const BENCH_LIMIT_ARGS = ["--max-services", "10000000", "--max-callers", "10000000", "--max-subscriptions", "100000000", "--max-mutation-rate", "0"] as const;

/**
 * Starts the real server ({@link SERVER_MAIN}) as its own process on 127.0.0.1,
 * port 0, the way an operator would, and resolves when it logs the
 * "listening" line with the bound address. The timestamps let the restart
 * scenario measure spawn → listening.
 */
export async function startBenchServer(options: BenchServerOptions): Promise<BenchServer> {
  const spawnedAt = performance.now();
  const command = [
    process.execPath,
    ...(options.nodeFlags ?? []),
    SERVER_MAIN,
    "--listen",
    "127.0.0.1:0",
    "--data-dir",
    options.dataDir,
    ...BENCH_LIMIT_ARGS,
    ...(options.args ?? []),
  ];
  // taskset execs node in its own process, so the pid read from /proc is the server's.
  if (options.cpuList !== undefined) command.unshift("taskset", "-c", options.cpuList);
  const child = spawn(command[0]!, command.slice(1), { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const append = (chunk: string) => {
    output += chunk;
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT / 2);
  };
  child.stdout!.setEncoding("utf8").on("data", append);
  child.stderr!.setEncoding("utf8").on("data", append);
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)),
  );

  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const { port, listeningAt } = await new Promise<{ port: number; listeningAt: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server did not log "listening" within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = () => {
      const match = /"address":"127\.0\.0\.1:(\d+)"/.exec(output);
      if (match === null) return;
      const at = performance.now();
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      resolve({ port: Number(match[1]), listeningAt: at });
    };
    child.stdout!.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });

  return {
    pid: child.pid!,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    dataDir: options.dataDir,
    spawnedAt,
    listeningAt,
    process: child,
    output: () => output,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
