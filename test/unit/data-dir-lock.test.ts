import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { acquireDataDirLock, LOCK_FILE, systemProcessTable, type ProcessTable } from "../../server/store/data-dir-lock.js";
import { StoreLockedError } from "../../server/store/store-lock.js";

/**
 * The data-dir lock (issue 8, item 4): one holder at a time, a dead holder's
 * lock taken over, pid reuse and garbage recognised, and two servers racing
 * over one lock never both winning.
 */

const freshDir = () => mkdtempSync(join(tmpdir(), "monitor-lock-"));
const lockPath = (dir: string) => join(dir, LOCK_FILE);
const readLock = (dir: string) => JSON.parse(readFileSync(lockPath(dir), "utf8")) as Record<string, unknown>;

function record(overrides: Record<string, unknown>): string {
  return JSON.stringify({
    pid: process.pid,
    startTime: systemProcessTable.startTimeOf(process.pid),
    bootId: systemProcessTable.bootId(),
    hostname: systemProcessTable.hostname(),
    nonce: "0000000000000000",
    since: "2026-01-01T00:00:00.000Z",
    ...overrides,
  });
}

/** A pid that ran and has exited (and was reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""]);
  return child.pid!;
}

/** Pretend processes: the pids in `running` run, started at "t<pid>". */
function fakeProcesses(running: readonly number[], bootId = "boot-1"): ProcessTable {
  return {
    startTimeOf: (pid) => (running.includes(pid) ? `t${pid}` : undefined),
    bootId: () => bootId,
    hostname: () => "host-a",
  };
}

describe("acquireDataDirLock", () => {
  it("refuses a second acquisition while the first holds, naming the directory and the pid", async () => {
    const dir = freshDir();
    const first = await acquireDataDirLock(dir);
    expect(readLock(dir)).toMatchObject({ pid: process.pid, startTime: systemProcessTable.startTimeOf(process.pid) });

    const second = acquireDataDirLock(dir);
    await expect(second).rejects.toBeInstanceOf(StoreLockedError);
    await expect(second).rejects.toThrow(`data directory ${dir} is in use by another server (pid ${process.pid}, this process`);
    await expect(second).rejects.toMatchObject({ resource: dir, holderPid: process.pid });

    await first.release();
    expect(readdirSync(dir)).toEqual([]);
    const again = await acquireDataDirLock(dir);
    await again.release();
  });

  it("names another live process as the holder", async () => {
    const dir = freshDir();
    await acquireDataDirLock(dir, { pid: 1001, processes: fakeProcesses([1001, 1002]) });
    await expect(acquireDataDirLock(dir, { pid: 1002, processes: fakeProcesses([1001, 1002]) })).rejects.toThrow(
      `data directory ${dir} is in use by another server (pid 1001, lock file ${lockPath(dir)})`,
    );
  });

  it("takes over a lock left by a process that no longer runs", async () => {
    const dir = freshDir();
    const dead = deadPid();
    writeFileSync(lockPath(dir), record({ pid: dead, startTime: "12345" }));
    const lock = await acquireDataDirLock(dir);
    expect(readLock(dir)).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  it("takes over a lock whose pid now belongs to a process started at another time (pid reuse)", async () => {
    const dir = freshDir();
    writeFileSync(lockPath(dir), record({ pid: process.pid, startTime: "1" }));
    const lock = await acquireDataDirLock(dir);
    expect(readLock(dir)).toMatchObject({ pid: process.pid, startTime: systemProcessTable.startTimeOf(process.pid) });
    await lock.release();
  });

  it("takes over a lock from before a reboot, even if the pid and start time match again", async () => {
    const dir = freshDir();
    writeFileSync(lockPath(dir), JSON.stringify({ pid: 1001, startTime: "t1001", bootId: "boot-0", hostname: "host-a", nonce: "n", since: "" }));
    const lock = await acquireDataDirLock(dir, { pid: 1002, processes: fakeProcesses([1001, 1002], "boot-1") });
    expect(readLock(dir)).toMatchObject({ pid: 1002, bootId: "boot-1" });
    await lock.release();
  });

  it.each([
    ["not JSON", "garbage\u0000\u0001"],
    ["empty", ""],
    ["JSON of the wrong shape", JSON.stringify({ pid: "1001" })],
    ["a negative pid", record({ pid: -1 })],
  ])("takes over a lock file that is %s", async (_what, text) => {
    const dir = freshDir();
    writeFileSync(lockPath(dir), text);
    const lock = await acquireDataDirLock(dir);
    expect(readLock(dir)).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  it("refuses a lock held on another host, saying which file to remove if that server is gone", async () => {
    const dir = freshDir();
    writeFileSync(lockPath(dir), record({ pid: 4242, hostname: "elsewhere" }));
    await expect(acquireDataDirLock(dir)).rejects.toThrow(
      `pid 4242 on host elsewhere; a process on another host cannot be checked, so if that server is gone, remove ${lockPath(dir)}`,
    );
  });

  it.each([
    ["a free directory", undefined],
    ["a stale lock", JSON.stringify({ pid: 999, startTime: "t999", bootId: "boot-1", hostname: "host-a", nonce: "n", since: "" })],
  ])("lets exactly one of several servers starting at once on %s win", async (_what, existing) => {
    const dir = freshDir();
    if (existing !== undefined) writeFileSync(lockPath(dir), existing);
    const pids = [1001, 1002, 1003, 1004];
    const processes = fakeProcesses(pids);
    const outcomes = await Promise.allSettled(pids.map((pid) => acquireDataDirLock(dir, { pid, processes })));
    const won = outcomes.filter((o) => o.status === "fulfilled");
    const refused = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as unknown] : []));
    expect(won).toHaveLength(1);
    const holder = readLock(dir)["pid"];
    expect(refused).toHaveLength(3);
    for (const error of refused) expect(error).toMatchObject({ name: "StoreLockedError", holderPid: holder });
    // No claim or scratch file is left behind.
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
  });

  it("passes over a takeover claim abandoned by a server killed mid-takeover, and removes it", async () => {
    const dir = freshDir();
    const stale = record({ pid: deadPid(), startTime: "1" });
    writeFileSync(lockPath(dir), stale);
    const claim = `${lockPath(dir)}.takeover-${createHash("sha256").update(stale).digest("hex").slice(0, 16)}-0`;
    writeFileSync(claim, "");
    const longAgo = new Date(Date.now() - 60_000);
    utimesSync(claim, longAgo, longAgo);
    const lock = await acquireDataDirLock(dir);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    await lock.release();
  });

  it("waits while another server's takeover claim is fresh, rather than deleting it", async () => {
    const dir = freshDir();
    const stale = record({ pid: deadPid(), startTime: "1" });
    writeFileSync(lockPath(dir), stale);
    const claim = `${lockPath(dir)}.takeover-${createHash("sha256").update(stale).digest("hex").slice(0, 16)}-0`;
    writeFileSync(claim, "");
    // The claimant never finishes: the lock is never taken over, and its claim is left alone.
    await expect(acquireDataDirLock(dir)).rejects.toThrow();
    expect(readdirSync(dir).sort()).toEqual([LOCK_FILE, claim.slice(dir.length + 1)].sort());
  });

  it("releases only its own lock, once", async () => {
    const dir = freshDir();
    const lock = await acquireDataDirLock(dir);
    const someoneElse = record({ pid: 4242, nonce: "ffffffffffffffff" });
    writeFileSync(lockPath(dir), someoneElse);
    await lock.release();
    await lock.release();
    expect(readFileSync(lockPath(dir), "utf8")).toBe(someoneElse);
  });
});

describe("systemProcessTable", () => {
  it("knows this process and its start time, and not an exited one", () => {
    const mine = systemProcessTable.startTimeOf(process.pid);
    expect(mine).toBeDefined();
    if (process.platform === "linux") expect(mine).toMatch(/^\d+$/);
    expect(systemProcessTable.startTimeOf(deadPid())).toBeUndefined();
  });
});
