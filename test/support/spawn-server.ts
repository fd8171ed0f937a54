import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The compiled server, as `npm start` runs it (built by the tests' global setup). */
export const SERVER_MAIN = "dist/server/main.js";

export interface SpawnedServer {
  readonly port: number;
  readonly baseUrl: string;
  readonly dataDir: string;
  readonly process: ChildProcess;
  /** Every line the server wrote to stdout and stderr so far. */
  readonly output: () => string;
  /**
   * Sends `signal` (SIGTERM at most once; SIGKILL always) and resolves with
   * the exit code, or the signal that ended the process, once it is gone.
   */
  stop(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals>;
}

/**
 * Starts the real, compiled server (`dist/server/main.js`) as a child process on 127.0.0.1
 * (port 0 unless `port` is given, e.g. to restart on the same address) and waits for the "listening" log line that names the bound port.
 * `listenHost` binds another host (a wildcard, on port 0); clients still connect via 127.0.0.1.
 */
export async function spawnServer(
  options: { dataDir?: string; port?: number; listenHost?: string; args?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<SpawnedServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "monitor-test-"));
  const child = spawn(
    process.execPath,
    [SERVER_MAIN, "--listen", `${options.listenHost ?? "127.0.0.1"}:${options.port ?? 0}`, "--data-dir", dataDir, ...(options.args ?? [])],
    { cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  let signalled = false;
  let scheme: "http" | "https" = "http";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)),
  );

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 20 s:\n${output}`)), 20_000);
    const onData = () => {
      // The listening line itself: a config file's services are logged with addresses before it.
      const match = /"msg":"listening on [^"]*?:(\d+)( \(TLS, https\))?"/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        child.stdout!.off("data", onData);
        scheme = match[2] === undefined ? "http" : "https";
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });

  return {
    port,
    // https:// when the server said it serves TLS (--tls-cert).
    baseUrl: `${scheme}://127.0.0.1:${port}`,
    dataDir,
    process: child,
    output: () => output,
    async stop(signal = "SIGTERM") {
      // One graceful signal only: a second SIGTERM means "exit now" to the server.
      const running = child.exitCode === null && child.signalCode === null;
      if (running && (signal === "SIGKILL" || !signalled)) {
        signalled = true;
        child.kill(signal);
      }
      return exited;
    },
  };
}

/**
 * Runs the server to exit (e.g. a start-up that must fail) and returns its code and output;
 * `args` come after the defaults and win over them (`--listen` given again).
 */
export async function runServerToExit(
  dataDir: string,
  timeoutMs = 20_000,
  options: { args?: readonly string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [SERVER_MAIN, "--listen", "127.0.0.1:0", "--data-dir", dataDir, ...(options.args ?? [])], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  clearTimeout(timer);
  return { code, output };
}
