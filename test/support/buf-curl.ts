import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "./spawn-server.js";

const execFileAsync = promisify(execFile);
const BUF = join(ROOT, "node_modules/.bin/buf");

export interface BufCurlOutput {
  readonly stdout: string;
  readonly stderr: string;
}

export interface BufCurlResult extends BufCurlOutput {
  /** buf's exit code: 0 on success; for a failed RPC, 8 × the gRPC code (INVALID_ARGUMENT → 24). */
  readonly exitCode: number;
}

export interface BufCurl {
  /**
   * Runs `buf curl --http2-prior-knowledge --protocol grpc ...args` (gRPC over
   * h2c; over TLS for an https:// URL); rejects on a non-zero exit, with buf's stderr in the error message.
   */
  call(...args: string[]): Promise<BufCurlOutput>;
  /** Like `call`, but resolves with the exit code instead of rejecting, for calls meant to fail. */
  run(...args: string[]): Promise<BufCurlResult>;
  /** Starts a long-running `buf curl` (a server stream); its output accumulates in `output()`. */
  stream(...args: string[]): { output(): string; stop(): void };
  /** Removes the temporary HOME. */
  dispose(): Promise<void>;
}

/**
 * `buf curl` with a fresh, writable HOME (and XDG/buf cache dirs inside it),
 * so it behaves the same on a CI runner, a fresh clone and a developer's
 * machine with its own buf config. CI=true keeps buf from prompting.
 */
/** h2c by prior knowledge for an http:// URL; an https:// one negotiates h2 by ALPN (buf refuses the flag there). */
function curlArgs(args: readonly string[]): string[] {
  const tls = args.some((arg) => arg.startsWith("https://"));
  return ["curl", ...(tls ? [] : ["--http2-prior-knowledge"]), "--protocol", "grpc", ...args];
}

export async function createBufCurl(options: { timeoutMs?: number } = {}): Promise<BufCurl> {
  const home = await mkdtemp(join(tmpdir(), "buf-curl-home-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CI: "true",
    HOME: home,
    XDG_CACHE_HOME: join(home, "cache"),
    XDG_CONFIG_HOME: join(home, "config"),
    BUF_CACHE_DIR: join(home, "buf-cache"),
  };
  const timeout = options.timeoutMs ?? 20_000;

  async function call(...args: string[]): Promise<BufCurlOutput> {
    const { stdout, stderr } = await execFileAsync(
      BUF,
      curlArgs(args),
      { timeout, env },
    );
    return { stdout, stderr };
  }

  return {
    call,
    async run(...args) {
      try {
        return { ...(await call(...args)), exitCode: 0 };
      } catch (error) {
        const failed = error as Partial<BufCurlOutput> & { code?: unknown; killed?: boolean };
        // A spawn failure (ENOENT) or a timeout is not an answer from buf.
        if (typeof failed.code !== "number" || failed.killed === true) throw error;
        return { stdout: failed.stdout ?? "", stderr: failed.stderr ?? "", exitCode: failed.code };
      }
    },
    stream(...args) {
      const child = spawn(BUF, curlArgs(args), { env });
      let output = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
      const killer = setTimeout(() => child.kill("SIGKILL"), timeout);
      child.once("exit", () => clearTimeout(killer));
      return { output: () => output, stop: () => void child.kill("SIGTERM") };
    },
    dispose: () => rm(home, { recursive: true, force: true }),
  };
}
