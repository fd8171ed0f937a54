import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { link, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { StoreLockedError, type StoreLock } from "./store-lock.js";

/**
 * One server per data directory, with a lock file, because Node has no flock.
 *
 * Design. `<data-dir>/monitor.lock` holds the holder's identity as JSON: pid,
 * the process's start time (field 22 of /proc/<pid>/stat, clock ticks since
 * boot), the boot id, the host name and a random nonce.
 *
 * - Taking a free lock: the record is written to a private temporary file and
 *   hard-linked to `monitor.lock`. link(2) fails with EEXIST when the name
 *   exists, so of two servers starting at once exactly one wins, and the file
 *   appears complete (an open("wx") + write would show a racing reader an
 *   empty file for a moment).
 * - A lock that exists is held while its process runs: same host, same boot,
 *   a process with that pid running (not a zombie) and started at the recorded
 *   time. A different start time means the pid was reused by an unrelated
 *   process after the holder died; a different boot id, that the machine
 *   rebooted. Either way, and when the file is not a record at all (garbage:
 *   never written by this code, which only ever shows complete files), the
 *   lock is stale: a SIGKILLed server's lock does not block its restart.
 * - Taking over a stale lock cannot be "unlink, then link": two servers could
 *   both judge it stale and the second's unlink would remove the first's fresh
 *   lock. Instead a server first claims *that* stale content: it creates
 *   `monitor.lock.takeover-<hash of the stale bytes>` exclusively (only one
 *   claim per stale lock can exist), checks the lock still holds those bytes,
 *   and renames its own record over it (atomic). A server that loses the claim
 *   looks again and finds the winner's live lock. A claim is held for
 *   microseconds; one older than 10 s is left from a server killed in between
 *   and is removed.
 * - Released on clean shutdown (only if the file is still ours). A crash
 *   leaves the file; the next start finds it stale.
 *
 * A lock on another host (a data dir on a network file system, or a volume
 * shared by containers, which each have their own pid namespace and by
 * default their own host name) cannot be checked, so it is treated as held;
 * the message says which file to remove.
 * Where /proc is missing (macOS) only "a process with that pid runs" is
 * checked, which pid reuse can fool into refusing a start (never into
 * letting two servers in).
 */
export const LOCK_FILE = "monitor.lock";

/** What the lock needs to know about processes; tests pass their own. */
export interface ProcessTable {
  /**
   * A running process's start time; "" when it runs but the platform cannot
   * say when it started; undefined when no such process runs (or only its
   * zombie is left).
   */
  startTimeOf(pid: number): string | undefined;
  /** Differs at every boot; "" when unknown. */
  bootId(): string;
  hostname(): string;
}

export interface DataDirLockOptions {
  readonly processes?: ProcessTable;
  /** This process's pid; the real one unless a test pretends otherwise. */
  readonly pid?: number;
}

interface LockRecord {
  readonly pid: number;
  readonly startTime: string;
  readonly bootId: string;
  readonly hostname: string;
  readonly nonce: string;
  readonly since: string;
}

const ABANDONED_CLAIM_MS = 10_000;
/** How long to keep looking while other servers are changing the lock at the same moment. */
const CONTENDED_FOR_MS = 2_000;

/** Reads /proc on Linux; elsewhere asks kill(pid, 0) whether the pid runs. */
export const systemProcessTable: ProcessTable = {
  startTimeOf(pid) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      return pidRuns(pid) ? "" : undefined;
    }
    // "pid (comm) state ppid ..." — comm may hold spaces and parentheses, so
    // split after the last ")". Fields from there: state is field 3, starttime 22.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const state = fields[0];
    if (state === "Z" || state === "X") return undefined;
    return fields[22 - 3] ?? "";
  },
  bootId() {
    try {
      return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    } catch {
      return "";
    }
  },
  hostname,
};

function pidRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function parseRecord(text: string): LockRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const r = value as Record<string, unknown>;
  const strings = ["startTime", "bootId", "hostname", "nonce", "since"] as const;
  if (typeof r["pid"] !== "number" || !Number.isSafeInteger(r["pid"]) || r["pid"] <= 0) return undefined;
  if (!strings.every((key) => typeof r[key] === "string")) return undefined;
  return value as LockRecord;
}

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException).code;

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
}

async function removeIfExists(path: string): Promise<void> {
  await unlink(path).catch((error: unknown) => {
    if (errorCode(error) !== "ENOENT") throw error;
  });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes the data directory's lock, or throws StoreLockedError naming the
 * directory and the pid of the server that holds it. The directory must exist.
 */
export async function acquireDataDirLock(dir: string, options: DataDirLockOptions = {}): Promise<StoreLock> {
  const processes = options.processes ?? systemProcessTable;
  const pid = options.pid ?? process.pid;
  const path = join(dir, LOCK_FILE);
  const nonce = randomBytes(8).toString("hex");
  const mine: LockRecord = {
    pid,
    startTime: processes.startTimeOf(pid) ?? "",
    bootId: processes.bootId(),
    hostname: processes.hostname(),
    nonce,
    since: new Date().toISOString(),
  };
  const content = `${JSON.stringify(mine)}\n`;
  const scratch = `${path}.${pid}.${nonce}.tmp`;

  /** Holds when the recorded process is, as far as we can tell, still running. */
  function isHeld(holder: LockRecord): boolean {
    if (holder.hostname !== mine.hostname) return true;
    if (holder.bootId !== "" && mine.bootId !== "" && holder.bootId !== mine.bootId) return false;
    const started = processes.startTimeOf(holder.pid);
    if (started === undefined) return false;
    return started === "" || holder.startTime === "" || started === holder.startTime;
  }

  function refusal(holder: LockRecord): StoreLockedError {
    const who =
      holder.hostname !== mine.hostname
        ? `pid ${holder.pid} on host ${holder.hostname}; a process on another host cannot be checked, so if that server is gone, remove ${path}`
        : `pid ${holder.pid}${holder.pid === pid ? ", this process" : ""}, lock file ${path}`;
    return new StoreLockedError(
      `data directory ${dir} is in use by another server (${who}); stop it or choose another --data-dir`,
      dir,
      holder.pid,
    );
  }

  async function createFresh(): Promise<boolean> {
    await writeFile(scratch, content, { flag: "wx" });
    try {
      await link(scratch, path);
      return true;
    } catch (error) {
      if (errorCode(error) === "EEXIST") return false;
      throw error;
    } finally {
      await removeIfExists(scratch);
    }
  }

  /**
   * Replaces the lock if it still holds exactly `stale`; false when another
   * server got there first. The right to take over is a claim file created
   * exclusively, named after the stale bytes and a generation: a claim left
   * by a server killed mid-takeover is never deleted by the next claimant
   * (two could delete each other's fresh claims and both take over), it is
   * passed over for the next generation, whose exclusive create again lets
   * exactly one server through.
   */
  async function takeOver(stale: string): Promise<boolean> {
    const base = `${path}.takeover-${createHash("sha256").update(stale).digest("hex").slice(0, 16)}`;
    let generation = 0;
    for (;; generation++) {
      const claimedAt = await stat(`${base}-${generation}`).then(
        (s) => s.mtimeMs,
        () => undefined,
      );
      if (claimedAt === undefined) break;
      // A live claim: another server is taking over right now.
      if (Date.now() - claimedAt <= ABANDONED_CLAIM_MS) return false;
    }
    const claim = `${base}-${generation}`;
    try {
      await writeFile(claim, content, { flag: "wx" });
    } catch (error) {
      if (errorCode(error) === "EEXIST") return false;
      throw error;
    }
    try {
      if ((await readIfExists(path)) !== stale) return false;
      await writeFile(scratch, content, { flag: "wx" });
      await rename(scratch, path);
      return true;
    } finally {
      await removeIfExists(scratch);
      // Ours and the abandoned ones before it: the bytes they name are gone.
      for (let g = 0; g <= generation; g++) await removeIfExists(`${base}-${g}`);
    }
  }

  const giveUpAt = Date.now() + CONTENDED_FOR_MS;
  for (;;) {
    if (await createFresh()) break;
    const current = await readIfExists(path);
    if (current !== undefined) {
      const holder = parseRecord(current);
      if (holder !== undefined && isHeld(holder)) throw refusal(holder);
      if (await takeOver(current)) break;
    }
    // Released or taken over while we looked: look again, briefly.
    if (Date.now() > giveUpAt) {
      throw new StoreLockedError(`data directory ${dir}: its lock file ${path} kept changing; is another server starting?`, dir, undefined);
    }
    await pause(20);
  }

  let released = false;
  return {
    resource: path,
    async release() {
      if (released) return;
      released = true;
      try {
        if ((await readIfExists(path)) === content) await unlink(path);
      } catch {
        // Nothing to do: a leftover lock is found stale at the next start.
      }
    },
  };
}
