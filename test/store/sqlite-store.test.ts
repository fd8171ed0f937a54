import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ServiceConfig } from "../../server/domain/types.js";
import { openSqliteStore } from "../../server/store/sqlite-store.js";
import { sqliteStoreError } from "../../server/store/sqlite-store-error.js";
import { decodeAnnounced, decodeCaller, decodeSubscription } from "../../server/store/store-rows.js";
import { decodeObservation } from "../../server/store/sqlite-store-rows.js";
import { SQLITE_STORE_APPLICATION_ID, SQLITE_STORE_SCHEMA_VERSION } from "../../server/store/sqlite-store-schema.js";
import { StoreError, type Store, type StoreOp } from "../../server/store/store.js";
import { describeStoreContract, reopenableBackend } from "./store-contract.js";

/** Each store in a temp dir of its own, as monitor.db: the real file path, WAL and all. */
const fileBackend = reopenableBackend(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sqlite-store-"));
  const file = path.join(dir, "monitor.db");
  return {
    open: (options) => openSqliteStore({ path: file, ...options }),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});

describeStoreContract("sqlite file", fileBackend);

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../..");
const childScript = path.join(repoRoot, "test/fixtures/sqlite-store-write-child.ts");

const T0 = 1_700_000_000_000;
let dir: string;
let file: string;
const opened: Store[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "sqlite-store-"));
  file = path.join(dir, "monitor.db");
});

afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function open(p: string = file, retentionPerCaller?: number): Promise<Store> {
  const store = await openSqliteStore(retentionPerCaller === undefined ? { path: p } : { path: p, retentionPerCaller });
  opened.push(store);
  return store;
}

function service(id: string): ServiceConfig {
  return { id, host: "127.0.0.1", port: 8080, displayName: id, checkIntervalMs: 30_000, checkTimeoutMs: 2_000, createdAt: T0 };
}

function change(callerId: string, sequence: number, serviceId = "s1"): StoreOp {
  return {
    kind: "append_event",
    event: {
      callerId,
      sequence,
      timeMs: T0 + sequence,
      event: { kind: "status_change", serviceId, host: "127.0.0.1", port: 8080, previous: "unknown", status: "up", sinceMs: T0, detail: "x".repeat(200) },
    },
  };
}

/** A store file with a few hundred pages: services, a caller and its events; closed, so all of it is in the main file. */
async function writeRealStore(): Promise<void> {
  const store = await openSqliteStore({ path: file });
  await store.write([
    ...Array.from({ length: 200 }, (_, i) => ({ kind: "put_service", service: service(`svc-${i}`) }) as const),
    { kind: "put_caller", caller: { id: "c1", displayName: "c1", createdAt: T0 } },
  ]);
  await store.write(Array.from({ length: 3_000 }, (_, i) => change("c1", i + 1)));
  await store.close();
  expect(fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0).toBe(0);
}

/** A raw connection to the file, for doing to it what the store never would. */
function raw(p: string = file): Database.Database {
  return new Database(p);
}

async function openError(p: string = file): Promise<StoreError> {
  const err: unknown = await openSqliteStore({ path: p }).then(
    async (store) => {
      await store.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreError);
  return err as StoreError;
}

describe("openSqliteStore: the file", () => {
  it("creates monitor.db (and a missing parent directory) in WAL mode, versioned and marked as ours", async () => {
    const nested = path.join(dir, "a", "b", "monitor.db");
    const store = await open(nested);
    expect(store.description).toBe(`sqlite ${nested}`);
    await store.close();
    const db = raw(nested);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("user_version", { simple: true })).toBe(SQLITE_STORE_SCHEMA_VERSION);
    expect(db.pragma("application_id", { simple: true })).toBe(SQLITE_STORE_APPLICATION_ID);
    db.close();
  });

  it("describes itself by absolute path even when given a relative one", async () => {
    const relative = path.relative(process.cwd(), file);
    const store = await open(relative);
    expect(store.description).toBe(`sqlite ${path.resolve(file)}`);
  });

  it("opens :memory: for tests", async () => {
    const store = await open(":memory:");
    expect(store.description).toBe("sqlite :memory:");
    await store.write([{ kind: "put_service", service: service("s1") }]);
    expect((await store.load()).services).toEqual([service("s1")]);
  });

  it("reopening a current file migrates nothing and changes no row", async () => {
    const store = await open();
    await store.write([{ kind: "put_service", service: service("s1") }]);
    await store.close();
    const before = fs.readFileSync(file);
    const again = await open();
    expect((await again.load()).services).toEqual([service("s1")]);
    await again.close();
    // Byte-identical but for the header's change counter, which a checkpoint may bump.
    expect(sameBytes(fs.readFileSync(file).subarray(100), before.subarray(100))).toBe(true);
  });

  it("folds the WAL into the main file on close", async () => {
    const store = await open();
    await store.write([{ kind: "put_service", service: service("s1") }]);
    expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(0);
    await store.close();
    expect(fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0).toBe(0);
  });

  it("refuses a non-positive retention", async () => {
    await expect(openSqliteStore({ path: ":memory:", retentionPerCaller: 0 })).rejects.toThrow(RangeError);
  });
});

describe("openSqliteStore: integrity at open", () => {
  it("refuses a 0-byte file (truncated) and leaves it as found", async () => {
    fs.writeFileSync(file, "");
    const err = await openError();
    expect(err.kind).toBe("corrupt");
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/empty \(0 bytes\).*restore it from a backup, or delete it to start an empty store.*sequences would restart/);
    expect(fs.statSync(file).size).toBe(0);
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
  });

  it("refuses a missing file whose -wal is still there, and does not create the file", async () => {
    const store = await open();
    await store.write([{ kind: "put_service", service: service("s1") }]);
    // Keep a copy of the -wal as it is with the store open, then "lose" the main file.
    const wal = fs.readFileSync(`${file}-wal`);
    await store.close();
    fs.rmSync(file);
    fs.writeFileSync(`${file}-wal`, wal);
    const err = await openError();
    expect(err.kind).toBe("corrupt");
    expect(err.message).toContain(`${file}-wal`);
    expect(err.message).toMatch(/missing.*restore.*start an empty store/);
    expect(fs.existsSync(file)).toBe(false);
  });

  it("refuses a file that is not a SQLite database", async () => {
    fs.writeFileSync(file, randomBytes(8192));
    const before = fs.readFileSync(file);
    const err = await openError();
    expect(err.kind).toBe("corrupt");
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/not a SQLite database.*SQLITE_NOTADB.*restore the file from a backup/);
    expect(sameBytes(fs.readFileSync(file), before)).toBe(true);
  });

  it("refuses a real store with 3 pages in the middle overwritten with garbage", async () => {
    await writeRealStore();
    const pageSize = 4096;
    const pages = fs.statSync(file).size / pageSize;
    expect(pages).toBeGreaterThan(50);
    const fd = fs.openSync(file, "r+");
    const middle = Math.floor(pages / 2);
    for (let p = middle; p < middle + 3; p++) fs.writeSync(fd, randomBytes(pageSize), 0, pageSize, p * pageSize);
    fs.closeSync(fd);
    const before = fs.readFileSync(file);
    const err = await openError();
    expect(err.kind).toBe("corrupt");
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/restore the file from a backup, or move it away to start an empty store/);
    expect(sameBytes(fs.readFileSync(file), before)).toBe(true);
  });

  it("refuses rows that refer to a missing parent (written with foreign keys off)", async () => {
    const store = await openSqliteStore({ path: file });
    await store.write([
      { kind: "put_service", service: service("s1") },
      { kind: "put_caller", caller: { id: "c1", displayName: "c1", createdAt: T0 } },
      { kind: "put_subscription", subscription: { callerId: "c1", serviceId: "s1", pollingIntervalMs: 1000, gracePeriodMs: 0 } },
      { kind: "put_outage", outage: { id: "o1", serviceId: "s1", startMs: T0, endMs: T0 + 1, reason: "" } },
    ]);
    await store.close();
    const db = raw();
    // better-sqlite3 turns them on by default; the sqlite3 shell does not.
    db.pragma("foreign_keys = OFF");
    db.exec("DELETE FROM services");
    db.close();
    const err = await openError();
    expect(err.kind).toBe("corrupt");
    expect(err.message).toContain(`sqlite ${file}: the integrity check failed: `);
    expect(err.message).toContain("1 row(s) of subscriptions refer to a missing row of services");
    expect(err.message).toContain("1 row(s) of outages refer to a missing row of services");
  });

  it("refuses a file whose schema lost a table", async () => {
    await (await openSqliteStore({ path: file })).close();
    const db = raw();
    db.exec("DROP TABLE announced");
    db.close();
    const err = await openError();
    expect(err.kind).toBe("corrupt");
    expect(err.message).toMatch(/the schema does not match its version \(no such table: announced\); restore the file from a backup/);
  });

  it("refuses a file whose schema is newer than the code", async () => {
    await (await openSqliteStore({ path: file })).close();
    const db = raw();
    db.pragma("user_version = 7");
    db.close();
    const err = await openError();
    expect(err.kind).toBe("corrupt");
    expect(err.message).toBe(
      `sqlite ${file}: schema version 7 is newer than this server (${SQLITE_STORE_SCHEMA_VERSION}); run a newer release or restore an older file`,
    );
  });

  it("refuses another application's SQLite file instead of adding tables to it", async () => {
    const db = raw();
    db.exec("CREATE TABLE notes (body TEXT)");
    db.close();
    const err = await openError();
    expect(err.kind).toBe("corrupt");
    expect(err.message).toMatch(/not a service monitor store/);
    const check = raw();
    expect(check.prepare("SELECT name FROM sqlite_schema").pluck().all()).toEqual(["notes"]);
    check.close();
  });

  it("refuses the previous version's events.db put in its place (same user_version, not ours)", async () => {
    const db = raw();
    db.exec("CREATE TABLE caller_counters (caller_id TEXT PRIMARY KEY, last_sequence INTEGER)");
    db.pragma("user_version = 1");
    db.close();
    const err = await openError();
    expect(err.kind).toBe("corrupt");
    expect(err.message).toMatch(/not a service monitor store \(its application_id is 0/);
  });
});

describe("openSqliteStore: rows that do not decode", () => {
  /** Writes a valid store, then lets `edit` damage a row with the constraints off, as a hand edit could. */
  async function damaged(edit: (db: Database.Database) => void): Promise<Store> {
    const store = await openSqliteStore({ path: file });
    await store.write([
      { kind: "put_service", service: { ...service("s1"), probe: { kind: "tcp", closeMode: "fin" } } },
      { kind: "put_caller", caller: { id: "c1", displayName: "c1", createdAt: T0 } },
      { kind: "put_subscription", subscription: { callerId: "c1", serviceId: "s1", pollingIntervalMs: 1000, gracePeriodMs: 0 } },
      { kind: "put_observation", serviceId: "s1", observation: { status: "up", sinceMs: T0, lastCheckAt: T0, lastLatencyMs: 1, detail: "" } },
      change("c1", 1),
    ]);
    await store.close();
    const db = raw();
    db.pragma("ignore_check_constraints = ON");
    edit(db);
    db.close();
    return open();
  }

  // A column with a CHECK (a status, managed_by) is already refused at open:
  // quick_check verifies CHECK constraints, and names the table.
  it.each([
    ["a bad observed status", "UPDATE observations SET status = 'sideways'", "observations"],
    ["a bad announced status", "UPDATE announced SET status = 'UP'", "announced"],
    ["a bad managed_by", "UPDATE callers SET managed_by = 'helm'", "callers"],
    ["half an alert rule", "UPDATE subscriptions SET alert_window_ms = 120000", "subscriptions"],
    ["a bad alerting flag", "UPDATE announced SET alerting = 2", "announced"],
  ])("open refuses %s, naming the table", async (_what, sql, table) => {
    await damaged((db) => db.exec(sql)).then(
      () => expect.unreachable("opened"),
      (err: unknown) => {
        expect(err).toBeInstanceOf(StoreError);
        expect((err as StoreError).kind).toBe("corrupt");
        expect((err as StoreError).message).toContain(`sqlite ${file}: the integrity check failed: CHECK constraint failed in ${table}`);
      },
    );
  });

  // What no constraint covers is checked where it is decoded.
  it.each([
    ["a probe that is not JSON", "UPDATE services SET probe = '{tcp'", /table services, id "s1": probe is not JSON/],
    ["a probe of an unknown kind", `UPDATE services SET probe = '{"kind":"icmp"}'`, /table services, id "s1": probe kind "icmp" is not a known kind/],
    ["a bad close mode", `UPDATE services SET probe = '{"kind":"tcp","closeMode":"slam"}'`, /table services, id "s1": probe closeMode "slam"/],
    [
      "an HTTP probe missing its fields",
      `UPDATE services SET probe = '{"kind":"http","url":"http://127.0.0.1:8080/"}'`,
      /table services, id "s1": probe method \(missing\) is not GET, HEAD or POST/,
    ],
    ["HTTP details that are not JSON", "UPDATE observations SET http = '{status'", /table observations, service_id "s1": http is not JSON/],
    ["HTTP details of the wrong shape", `UPDATE observations SET http = '{"statusCode":200}'`, /table observations, service_id "s1": http.phases: expected an object/],
  ])("load refuses %s, naming the table and key", async (_what, sql, message) => {
    const store = await damaged((db) => db.exec(sql));
    const err: unknown = await store.load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).kind).toBe("corrupt");
    expect((err as StoreError).message).toContain(`sqlite ${file}: load: `);
    expect((err as StoreError).message).toMatch(message);
  });

  it("the decoders name the table and key of a bad status or managed_by too (rows with CHECKs off)", () => {
    expect(() => decodeObservation(["s1", "sideways", 0, null, 0, "", null, null])).toThrow(/table observations, service_id "s1": status "sideways"/);
    expect(() => decodeAnnounced(["c1", "s1", "UP", 0, 0])).toThrow(
      /table announced, caller_id "c1" service_id "s1": status "UP"/,
    );
    expect(() => decodeAnnounced(["c1", "s1", "up", 0, 2])).toThrow(/table announced, caller_id "c1" service_id "s1": alerting 2 is not 0 or 1/);
    expect(() => decodeSubscription(["c1", "s1", 1_000, 0, null, 120_000, null])).toThrow(
      /table subscriptions, caller_id "c1" service_id "s1": alert_window_ms and alert_threshold must both be set/,
    );
    expect(() => decodeCaller(["c1", "", 0, "helm", null])).toThrow(
      /table callers, id "c1": managed_by "helm" is not "config"/,
    );
  });

  it("readEvents refuses a payload that is not an event, naming caller and sequence", async () => {
    const store = await damaged((db) => db.exec(`UPDATE events SET payload = '{"kind":"status_change"' WHERE sequence = 1`));
    expect((await store.load()).callers.length).toBe(1);
    const err: unknown = await store.readEvents("c1", 0, 10).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).kind).toBe("corrupt");
    expect((err as StoreError).message).toMatch(/table events, caller_id "c1" sequence 1: payload is not an event: payload is not JSON/);
  });
});

describe("openSqliteStore: errors while running", () => {
  it("a constraint the ops break is a plain Error naming the op, not a StoreError", async () => {
    const store = await open();
    const err: unknown = await store
      .write([
        { kind: "put_service", service: service("s1") },
        { kind: "put_subscription", subscription: { callerId: "nobody", serviceId: "s1", pollingIntervalMs: 1000, gracePeriodMs: 0 } },
      ])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(StoreError);
    expect((err as Error).message).toBe(
      `sqlite ${file}: write: op 2 of 2 (put_subscription): FOREIGN KEY constraint failed (SQLITE_CONSTRAINT_FOREIGNKEY)`,
    );
  });

  it("an event that is not a CallerEvent fails its write, naming the op", async () => {
    const store = await open();
    const bad = { kind: "append_event", event: { callerId: "c1", sequence: 1, timeMs: T0, event: { kind: "gossip", serviceId: "s1" } } };
    await expect(store.write([{ kind: "put_service", service: service("s1") }, bad as unknown as StoreOp])).rejects.toThrow(
      /op 2 of 2 \(append_event\): kind: unexpected value "gossip"/,
    );
    expect((await store.load()).services).toEqual([]);
  });

  it("a read-only file: writes reject with StoreError unavailable naming the file, reads still work", async () => {
    const store = await open();
    await store.write([{ kind: "put_service", service: service("s1") }]);
    await store.close();
    const undo = makeReadOnly(file);
    try {
      const again = await open();
      expect((await again.load()).services).toEqual([service("s1")]);
      const err: unknown = await again.write([{ kind: "put_service", service: service("s2") }]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).kind).toBe("unavailable");
      expect((err as StoreError).message).toMatch(new RegExp(`^sqlite ${escape(file)}: write: .*readonly database \\(SQLITE_READONLY`));
      expect((err as StoreError).cause).toBeInstanceOf(Database.SqliteError);
      expect((await again.load()).services).toEqual([service("s1")]);
      await again.close();
    } finally {
      undo();
    }
    // Fixed, the same file takes writes again, and the refused one left nothing.
    const fixed = await open();
    expect((await fixed.load()).services).toEqual([service("s1")]);
    await fixed.write([{ kind: "put_service", service: service("s2") }]);
  });

  it("a file system that refuses the write (a file-size limit): StoreError unavailable, and the file stays whole", async () => {
    // A real refused write without root: the child runs under `ulimit -f`
    // with SIGXFSZ ignored, so growing the -wal past the limit fails with EFBIG.
    const childScript = path.join(repoRoot, "test/fixtures/sqlite-store-full-child.ts");
    const out = execFileSync(
      "sh",
      ["-c", `trap '' XFSZ; ulimit -f 4096; exec "$0" "$@"`, process.execPath, "--import", "tsx", "--conditions=@service-monitor/source", childScript, file],
      { cwd: repoRoot, encoding: "utf8" },
    );
    const result = JSON.parse(out.trim().split("\n").pop()!) as { acknowledged: number; error?: { name: string; kind?: string; message: string } };
    expect(result.error, out).toBeDefined();
    expect(result.error!.name).toBe("StoreError");
    expect(result.error!.kind).toBe("unavailable");
    expect(result.error!.message).toMatch(new RegExp(`^sqlite ${escape(file)}: write: .*\\(SQLITE_(IOERR|FULL)`));
    expect(result.acknowledged).toBeGreaterThan(10);
    // Without the limit the file opens (quick_check passes) holding exactly the acknowledged writes.
    const again = await open();
    expect((await again.load()).services.length).toBe(result.acknowledged);
    await again.write([{ kind: "put_service", service: service("after") }]);
  }, 60_000);

  it("a write lock held by another connection past busy_timeout: write rejects with StoreError unavailable", async () => {
    const store = await open();
    const other = raw();
    other.pragma("busy_timeout = 0");
    other.exec("BEGIN IMMEDIATE");
    try {
      const err: unknown = await store.write([{ kind: "put_service", service: service("s1") }]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).kind).toBe("unavailable");
      expect((err as StoreError).message).toMatch(/: write: database is locked \(SQLITE_BUSY\)$/);
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    await store.write([{ kind: "put_service", service: service("s1") }]);
    expect((await store.load()).services).toEqual([service("s1")]);
  }, 20_000);

  it("a closed store rejects with StoreError unavailable", async () => {
    const store = await open();
    await store.close();
    const err: unknown = await store.load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).kind).toBe("unavailable");
    expect((err as StoreError).message).toBe(`sqlite ${file}: load: the store is closed`);
  });
});

describe("sqliteStoreError: the mapping of SQLite's result codes", () => {
  // Disk full, I/O errors and a moved file cannot be caused for real in a
  // unit test without root-only tricks (a tiny mounted file system); the
  // read-only file and the held lock above are real. These check the rest of
  // the table on errors built as better-sqlite3 builds them.
  const name = "sqlite /data/monitor.db";
  it.each([
    ["SQLITE_FULL", "unavailable"],
    ["SQLITE_IOERR", "unavailable"],
    ["SQLITE_IOERR_FSYNC", "unavailable"],
    ["SQLITE_IOERR_SHORT_READ", "unavailable"],
    ["SQLITE_READONLY_DBMOVED", "unavailable"],
    ["SQLITE_BUSY_SNAPSHOT", "unavailable"],
    ["SQLITE_CANTOPEN", "unavailable"],
    ["SQLITE_CORRUPT", "corrupt"],
    ["SQLITE_CORRUPT_INDEX", "corrupt"],
    ["SQLITE_NOTADB", "corrupt"],
  ])("%s → StoreError %s", (code, kind) => {
    const cause = new Database.SqliteError("what sqlite said", code);
    const err = sqliteStoreError(name, "write", cause);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).kind).toBe(kind);
    expect((err as StoreError).message).toBe(`sqlite /data/monitor.db: write: what sqlite said (${code})`);
    expect((err as StoreError).cause).toBe(cause);
  });

  it.each(["SQLITE_CONSTRAINT_PRIMARYKEY", "SQLITE_CONSTRAINT_FOREIGNKEY", "SQLITE_ERROR", "SQLITE_MISUSE"])(
    "%s (a bug of the code) → a plain Error keeping SQLite's message",
    (code) => {
      const err = sqliteStoreError(name, "write", new Database.SqliteError("what sqlite said", code));
      expect(err).not.toBeInstanceOf(StoreError);
      expect((err as Error).message).toBe(`sqlite /data/monitor.db: write: what sqlite said (${code})`);
    },
  );

  it("passes anything that is not a SQLite error through unchanged", () => {
    const err = new RangeError("no");
    expect(sqliteStoreError(name, "write", err)).toBe(err);
  });
});

describe("openSqliteStore: durability", () => {
  it("keeps every write a SIGKILLed writer saw resolve", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@service-monitor/source", childScript, file], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let reported = 0;
    let stderr = "";
    let buffered = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        reported = Math.max(reported, Number(line));
        // Kill mid-stream: the writer is still writing when the signal lands.
        if (reported >= 300 && child.exitCode === null && !child.killed) child.kill("SIGKILL");
      }
    });
    const signal = await exited;
    expect(signal, `child stderr: ${stderr}`).toBe("SIGKILL");
    expect(reported).toBeGreaterThanOrEqual(300);

    const store = await open();
    const contents = await store.load();
    const last = contents.sequences.find((s) => s.callerId === "a")?.lastSequence ?? 0;
    expect(last).toBeGreaterThanOrEqual(reported);
    // Every write is whole: its service, its event and the counter together.
    expect(contents.services.length).toBe(last);
    const sequences = (await store.readEvents("a", 0, 1_000_000)).map((e) => e.sequence);
    expect(sequences).toEqual(Array.from({ length: last }, (_, i) => i + 1));
  }, 60_000);
});

/** Buffer.equals: toEqual walks a megabyte file byte by byte through its generic equality, for seconds. */
function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.equals(b);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Makes `p` read-only for this process for real. As a normal user, chmod
 * 0444 does it; root ignores permission bits, so as root the file gets the
 * immutable attribute (chattr +i, which binds root too). Returns the undo.
 */
function makeReadOnly(p: string): () => void {
  if (process.getuid?.() !== 0) {
    fs.chmodSync(p, 0o444);
    return () => fs.chmodSync(p, 0o644);
  }
  execFileSync("chattr", ["+i", p]);
  return () => execFileSync("chattr", ["-i", p]);
}
