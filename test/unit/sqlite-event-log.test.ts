import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CallerEvent, Status } from "../../server/domain/types.js";
import type { EventLog, EventToAppend } from "../../server/store/event-log.js";
import { EventLogFileError, openSqliteEventLog } from "../../server/store/sqlite-event-log.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../..");
const childScript = path.join(repoRoot, "test/fixtures/event-log-append-child.ts");

function change(serviceId: string, status: "up" | "down", sinceMs: number, previous: Status = "unknown"): CallerEvent {
  return { kind: "status_change", serviceId, host: "127.0.0.1", port: 8080, previous, status, sinceMs, detail: "d" };
}

function ended(serviceId: string): CallerEvent {
  return { kind: "subscription_ended", serviceId, reason: "unsubscribed" };
}

function to(callerId: string, event: CallerEvent): EventToAppend {
  return { callerId, event };
}

/** n status changes for one caller, services svc-0..svc-(n-1). */
function many(callerId: string, n: number): EventToAppend[] {
  return Array.from({ length: n }, (_, i) => to(callerId, change(`svc-${i}`, "up", i)));
}

let dir: string;
let dbPath: string;
const open: EventLog[] = [];

/** Opens a log and remembers it, so afterEach closes it even when a test fails. */
function openLog(p: string = dbPath, retentionPerCaller?: number): EventLog {
  const log = openSqliteEventLog(retentionPerCaller === undefined ? { path: p } : { path: p, retentionPerCaller });
  open.push(log);
  return log;
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "event-log-"));
  dbPath = path.join(dir, "events.db");
});

afterEach(() => {
  for (const log of open.splice(0)) log.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("openSqliteEventLog: numbering", () => {
  it("starts at 1 and grows by 1 per event, independently per caller", () => {
    const log = openLog(":memory:");
    expect(log.position("a")).toEqual({ lastSequence: 0, firstRetained: 1 });
    expect(log.append([to("a", change("s", "up", 1))], 10).map((e) => e.sequence)).toEqual([1]);
    expect(log.append([to("a", change("s", "down", 2))], 11).map((e) => e.sequence)).toEqual([2]);
    expect(log.append([to("b", change("s", "up", 3))], 12).map((e) => e.sequence)).toEqual([1]);
    expect(log.append([to("a", ended("s"))], 13).map((e) => e.sequence)).toEqual([3]);
    expect(log.position("a")).toEqual({ lastSequence: 3, firstRetained: 1 });
    expect(log.position("b")).toEqual({ lastSequence: 1, firstRetained: 1 });
  });

  it("numbers a mixed batch per caller and returns it in input order", () => {
    const log = openLog(":memory:");
    log.append([to("b", change("x", "up", 1))], 1);
    const batch = [
      to("a", change("s1", "up", 1)),
      to("b", change("s1", "up", 2)),
      to("a", change("s2", "down", 3)),
      to("c", ended("s3")),
      to("a", ended("s1")),
    ];
    const logged = log.append(batch, 42);
    expect(logged.map((e) => [e.callerId, e.sequence])).toEqual([
      ["a", 1],
      ["b", 2],
      ["a", 2],
      ["c", 1],
      ["a", 3],
    ]);
    expect(logged.map((e) => e.event)).toEqual(batch.map((e) => e.event));
    expect(logged.every((e) => e.timeMs === 42)).toBe(true);
    // What append returned is exactly what read returns.
    expect(log.read("a", 0, 100)).toEqual(logged.filter((e) => e.callerId === "a"));
  });

  it("treats an empty batch as a no-op", () => {
    const log = openLog(":memory:");
    expect(log.append([], 1)).toEqual([]);
    expect(log.position("a")).toEqual({ lastSequence: 0, firstRetained: 1 });
  });

  it("keeps sequences across close and reopen of the same file, and keeps growing", () => {
    const first = openLog();
    first.append(many("a", 3), 100);
    first.append(many("b", 1), 100);
    first.close();

    const second = openLog();
    expect(second.position("a")).toEqual({ lastSequence: 3, firstRetained: 1 });
    expect(second.read("a", 0, 10).map((e) => e.sequence)).toEqual([1, 2, 3]);
    expect(second.append(many("a", 2), 200).map((e) => e.sequence)).toEqual([4, 5]);
    expect(second.append(many("b", 1), 200).map((e) => e.sequence)).toEqual([2]);
  });

  it("uses WAL mode on a file", () => {
    openLog().append(many("a", 1), 1);
    const raw = new Database(dbPath, { readonly: true });
    try {
      expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(raw.pragma("user_version", { simple: true })).toBe(1);
    } finally {
      raw.close();
    }
  });
});

describe("openSqliteEventLog: retention and reading", () => {
  it("keeps only the newest retentionPerCaller events per caller", () => {
    const log = openLog(dbPath, 5);
    log.append(many("a", 3), 1);
    expect(log.position("a")).toEqual({ lastSequence: 3, firstRetained: 1 });
    log.append(many("a", 4), 2);
    expect(log.position("a")).toEqual({ lastSequence: 7, firstRetained: 3 });
    expect(log.read("a", 0, 100).map((e) => e.sequence)).toEqual([3, 4, 5, 6, 7]);
    // A batch larger than the retention keeps its own tail.
    log.append(many("a", 12), 3);
    expect(log.position("a")).toEqual({ lastSequence: 19, firstRetained: 15 });
    expect(log.read("a", 0, 100).map((e) => e.sequence)).toEqual([15, 16, 17, 18, 19]);
    // Other callers are untouched.
    log.append(many("b", 2), 4);
    expect(log.position("b")).toEqual({ lastSequence: 2, firstRetained: 1 });
  });

  it("pages with after and limit", () => {
    const log = openLog(":memory:");
    log.append(many("a", 10), 1);
    log.append(many("b", 3), 1);
    expect(log.read("a", 0, 4).map((e) => e.sequence)).toEqual([1, 2, 3, 4]);
    expect(log.read("a", 4, 4).map((e) => e.sequence)).toEqual([5, 6, 7, 8]);
    expect(log.read("a", 8, 4).map((e) => e.sequence)).toEqual([9, 10]);
    expect(log.read("a", 10, 4)).toEqual([]);
    expect(log.read("a", 3, 0)).toEqual([]);
    expect(log.read("a", 3, -1)).toEqual([]);
    expect(log.read("a", 0, Number.POSITIVE_INFINITY)).toHaveLength(10);
    expect(log.read("nobody", 0, 10)).toEqual([]);
    expect(log.read("a", 2, 1)[0]).toEqual({ callerId: "a", sequence: 3, timeMs: 1, event: change("svc-2", "up", 2) });
  });
});

describe("openSqliteEventLog: announced state", () => {
  it("is set by status_change, replaced by a later one and cleared by subscription_ended", () => {
    const log = openLog(":memory:");
    log.append([to("a", change("s1", "up", 10)), to("a", change("s2", "down", 20)), to("b", change("s1", "up", 30))], 1);
    expect(log.announcedFor("a")).toEqual([
      { callerId: "a", serviceId: "s1", announced: { status: "up", sinceMs: 10 } },
      { callerId: "a", serviceId: "s2", announced: { status: "down", sinceMs: 20 } },
    ]);
    log.append([to("a", change("s1", "down", 40, "up"))], 2);
    log.append([to("a", ended("s2"))], 3);
    expect(log.announcedFor("a")).toEqual([{ callerId: "a", serviceId: "s1", announced: { status: "down", sinceMs: 40 } }]);
    expect(log.announcedAll()).toEqual([
      { callerId: "a", serviceId: "s1", announced: { status: "down", sinceMs: 40 } },
      { callerId: "b", serviceId: "s1", announced: { status: "up", sinceMs: 30 } },
    ]);
  });

  it("follows the order of events inside one batch", () => {
    const log = openLog(":memory:");
    log.append(
      [
        to("a", change("gone", "up", 1)),
        to("a", ended("gone")),
        to("a", ended("back")),
        to("a", change("back", "up", 2)),
        to("a", change("twice", "up", 3)),
        to("a", change("twice", "down", 4, "up")),
      ],
      1,
    );
    expect(log.announcedFor("a").map((e) => [e.serviceId, e.announced.status, e.announced.sinceMs])).toEqual([
      ["back", "up", 2],
      ["twice", "down", 4],
    ]);
  });

  it("is recovered after reopen", () => {
    const first = openLog();
    first.append([to("a", change("s1", "up", 10)), to("b", change("s2", "down", 20)), to("b", ended("s3"))], 1);
    first.close();
    expect(openLog().announcedAll()).toEqual([
      { callerId: "a", serviceId: "s1", announced: { status: "up", sinceMs: 10 } },
      { callerId: "b", serviceId: "s2", announced: { status: "down", sinceMs: 20 } },
    ]);
  });

  it("forgetAnnounced drops one subscription's state without logging an event", () => {
    const log = openLog(":memory:");
    log.append([to("a", change("s1", "up", 10)), to("a", change("s2", "up", 20))], 1);
    log.forgetAnnounced("a", "s1");
    log.forgetAnnounced("a", "unknown-service");
    expect(log.announcedFor("a").map((e) => e.serviceId)).toEqual(["s2"]);
    expect(log.position("a").lastSequence).toBe(2);
  });
});

describe("openSqliteEventLog: dropCaller", () => {
  it("deletes events and announced state but never reuses sequences", () => {
    const log = openLog();
    log.append([to("a", change("s1", "up", 1)), to("a", change("s2", "up", 1)), to("b", change("s1", "up", 1))], 1);
    log.dropCaller("a");
    expect(log.read("a", 0, 10)).toEqual([]);
    expect(log.announcedFor("a")).toEqual([]);
    expect(log.position("a")).toEqual({ lastSequence: 2, firstRetained: 3 });
    expect(log.announcedFor("b")).toHaveLength(1);
    expect(log.append(many("a", 1), 2)[0]?.sequence).toBe(3);
    log.dropCaller("a");
    log.close();
    // Also across a restart: the counter lives in the file.
    const reopened = openLog();
    expect(reopened.append(many("a", 1), 3)[0]?.sequence).toBe(4);
    expect(reopened.position("a")).toEqual({ lastSequence: 4, firstRetained: 4 });
  });
});

describe("openSqliteEventLog: bad input and bad files", () => {
  it("refuses a batch with an invalid event and commits none of it", () => {
    const log = openLog(":memory:");
    const bad = { kind: "status_change", serviceId: "s" } as unknown as CallerEvent;
    expect(() => log.append([to("a", change("s", "up", 1)), to("a", bad)], 1)).toThrow(/event 1 for caller a/);
    expect(log.position("a")).toEqual({ lastSequence: 0, firstRetained: 1 });
    expect(log.announcedFor("a")).toEqual([]);
    expect(() => log.append(many("a", 1), Number.NaN)).toThrow(RangeError);
  });

  it("rejects a garbage file with an error naming it", () => {
    fs.writeFileSync(dbPath, randomBytes(8192));
    let caught: unknown;
    try {
      openLog();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(EventLogFileError);
    expect((caught as Error).message).toContain(dbPath);
    // The file is left alone for the operator to inspect.
    expect(fs.statSync(dbPath).size).toBe(8192);
  });

  it("rejects a file whose schema is newer than the code", () => {
    const raw = new Database(dbPath);
    raw.pragma("user_version = 99");
    raw.close();
    expect(() => openLog()).toThrow(new RegExp(`${escape(dbPath)}.*schema version 99`));
  });

  it("names caller and sequence when a stored payload is not a CallerEvent", () => {
    openLog().append(many("a", 2), 1);
    const raw = new Database(dbPath);
    raw.prepare("UPDATE events SET payload = ? WHERE caller_id = 'a' AND sequence = 2").run('{"kind":"nope"}');
    raw.close();
    const log = openLog();
    expect(log.read("a", 0, 1)).toHaveLength(1);
    expect(() => log.read("a", 0, 10)).toThrow(/caller a sequence 2/);
  });

  it("creates a missing parent directory", () => {
    const nested = path.join(dir, "x", "y", "events.db");
    openLog(nested).append(many("a", 1), 1);
    expect(fs.existsSync(nested)).toBe(true);
  });

  it("rejects a non-positive retention", () => {
    expect(() => openSqliteEventLog({ path: ":memory:", retentionPerCaller: 0 })).toThrow(RangeError);
  });

  it("close is idempotent, and a closed log refuses work", () => {
    const log = openLog();
    log.append(many("a", 1), 1);
    log.close();
    log.close();
    expect(() => log.read("a", 0, 1)).toThrow(/closed/);
    // After a clean close the WAL has been folded into the main file.
    expect(fs.existsSync(`${dbPath}-wal`) ? fs.statSync(`${dbPath}-wal`).size : 0).toBe(0);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

describe("openSqliteEventLog: durability", () => {
  it("keeps every event a SIGKILLed writer reported appended", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@service-monitor/source", childScript, dbPath], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const reported = new Map<string, number>();
    let stderr = "";
    let lines = 0;
    let buffered = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split("\n");
      buffered = parts.pop() ?? "";
      for (const line of parts) {
        const [callerId, seq] = line.split(" ");
        if (callerId === undefined || seq === undefined) continue;
        reported.set(callerId, Math.max(reported.get(callerId) ?? 0, Number(seq)));
        // Kill mid-stream: the writer is still appending when the signal lands.
        if (++lines === 600) child.kill("SIGKILL");
      }
    });
    const signal = await exited;
    expect(signal, `child stderr: ${stderr}`).toBe("SIGKILL");
    expect(reported.get("a") ?? 0).toBeGreaterThan(100);

    const log = openLog();
    for (const [callerId, last] of reported) {
      const position = log.position(callerId);
      expect(position.lastSequence).toBeGreaterThanOrEqual(last);
      const sequences = log.read(callerId, 0, position.lastSequence).map((e) => e.sequence);
      // Every sequence from 1 to the last one ever assigned, no gap.
      expect(sequences).toEqual(Array.from({ length: position.lastSequence }, (_, i) => i + 1));
    }
  });
});
