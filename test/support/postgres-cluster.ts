import { execFile, execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * A throwaway PostgreSQL cluster for tests and benchmarks: initdb into a
 * temporary directory, a postmaster on a free loopback port (and a Unix
 * socket in that directory, nowhere else), trust authentication for the
 * `postgres` role. As root it runs as the `postgres` user (initdb refuses
 * root); as anyone else, as that user.
 */
export interface PostgresCluster {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  readonly url: string;
  readonly port: number;
  /** The temporary directory: data/, the socket, log. */
  readonly dir: string;
  /** Stops the postmaster at once and deletes the directory. Idempotent. */
  stop(): Promise<void>;
  /** Stops the postmaster at once (`-m immediate`: every session cut, crash recovery at the next start), keeping its data. */
  halt(): Promise<void>;
  /** Starts the halted postmaster again, on the same port and data. */
  restart(): Promise<void>;
}

export interface StartPostgresClusterOptions {
  /** Where initdb and pg_ctl are; default: findPostgresBinaries(). */
  readonly binDir?: string;
  /** The directory to use (must be empty or missing); default: a new temporary one. */
  readonly dir?: string;
  /** The port; default: a free one. */
  readonly port?: number;
  /**
   * Keep fsync on, for benchmarks that report durable figures. Tests turn it
   * off: a throwaway cluster need not survive a power cut, and CREATE DATABASE
   * per test is several times faster without it.
   */
  readonly durable?: boolean;
}

/**
 * The directory holding initdb and pg_ctl: $MONITOR_POSTGRES_BIN, else the
 * newest /usr/lib/postgresql/<version>/bin (Debian, Ubuntu), else the one of
 * `pg_config --bindir` on PATH (Homebrew, other distributions); undefined
 * when none is found.
 */
export function findPostgresBinaries(): string | undefined {
  const hasTools = (dir: string): boolean => existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl"));
  const fromEnv = process.env["MONITOR_POSTGRES_BIN"];
  if (fromEnv !== undefined && fromEnv !== "") return hasTools(fromEnv) ? fromEnv : undefined;
  const debian = "/usr/lib/postgresql";
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    for (const version of versions) if (hasTools(join(debian, version, "bin"))) return join(debian, version, "bin");
  }
  try {
    const dir = execFileSync("pg_config", ["--bindir"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    return hasTools(dir) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** A port nothing listens on right now, on 127.0.0.1. */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

const quote = (arg: string): string => `'${arg.replaceAll("'", `'\\''`)}'`;
const asRoot = (): boolean => process.getuid?.() === 0;

/** The argv that runs `file args` as the cluster's owner. */
function ownerCommand(file: string, args: readonly string[]): [string, string[]] {
  if (!asRoot()) return [file, [...args]];
  return ["su", ["postgres", "-s", "/bin/sh", "-c", [file, ...args].map(quote).join(" ")]];
}

function stopArgs(binDir: string, dir: string): [string, string[]] {
  return ownerCommand(join(binDir, "pg_ctl"), ["-D", join(dir, "data"), "-m", "immediate", "-w", "stop"]);
}

/** Starts a cluster; ~1.5 s (initdb is most of it). Throws with initdb's or the server log's output when it cannot. */
export async function startPostgresCluster(options: StartPostgresClusterOptions = {}): Promise<PostgresCluster> {
  const binDir = options.binDir ?? findPostgresBinaries();
  if (binDir === undefined) {
    throw new Error("PostgreSQL binaries not found (looked in $MONITOR_POSTGRES_BIN, /usr/lib/postgresql/*/bin, pg_config --bindir)");
  }
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "monitor-pg-"));
  const port = options.port ?? (await freeLoopbackPort());
  if (asRoot()) chownSync(dir, Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim()), 0);
  const data = join(dir, "data");
  const owner = asRoot() ? "postgres" : userInfo().username;
  const exec = async (file: string, args: readonly string[]): Promise<void> => {
    const [command, argv] = ownerCommand(join(binDir, file), args);
    try {
      await run(command, argv, { cwd: dir, encoding: "utf8" });
    } catch (err) {
      const { stdout = "", stderr = "" } = err as { stdout?: string; stderr?: string };
      let log = "";
      try {
        log = execFileSync("tail", ["-n", "20", join(dir, "log")], { encoding: "utf8" });
      } catch {
        // No log yet: initdb failed.
      }
      throw new Error(`${file} failed (as ${owner}):\n${stdout}${stderr}${log}`, { cause: err });
    }
  };
  const settings = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses=127.0.0.1",
    "-c max_connections=200",
    ...(options.durable === true ? [] : ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]),
  ].join(" ");
  const start = () => exec("pg_ctl", ["-D", data, "-w", "-t", "60", "-o", settings, "-l", join(dir, "log"), "start"]);
  try {
    await exec("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]);
    await start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    async halt() {
      const [command, argv] = stopArgs(binDir, dir);
      await run(command, argv);
    },
    restart: start,
    stop() {
      stopped ??= (async () => {
        const [command, argv] = stopArgs(binDir, dir);
        await run(command, argv).catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/**
 * The same as `cluster.stop()`, synchronously, for an 'exit' handler: a
 * test run killed before its teardown must not leave a postmaster behind.
 */
export function stopPostgresClusterSync(dir: string, binDir = findPostgresBinaries()): void {
  if (binDir === undefined || !existsSync(join(dir, "data"))) return;
  const [command, argv] = stopArgs(binDir, dir);
  try {
    execFileSync(command, argv, { stdio: "ignore" });
  } catch {
    // Already stopped.
  }
  rmSync(dir, { recursive: true, force: true });
}
