import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import type { Store, StoreOp } from "../../server/store/store.js";
import { StoreError } from "../../server/store/store.js";
import { importLegacyDataDir, isEmptyStore } from "../../server/store/import-legacy-data-dir.js";
import { openSqliteStore } from "../../server/store/sqlite-store.js";

/** The previous release's data dir (test/fixtures/legacy-data-dir/README.md says what it holds). */
const FIXTURE = path.join(import.meta.dirname, "..", "fixtures", "legacy-data-dir");
const UP = "svc_d4bfe52852a3c349";
const DOWN = "svc_f4769a656a848cb8";
const IDLE = "svc_3502e82a40ac3eb9";

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A temporary data dir holding a copy of the fixture (or nothing). */
function dataDir(withFixture = true): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "legacy-import-"));
  dirs.push(dir);
  if (withFixture) {
    for (const name of ["registry.json", "events.db"]) fs.copyFileSync(path.join(FIXTURE, name), path.join(dir, name));
  }
  return dir;
}

/** The SQLite store at `<dir>/monitor.db`, with its writes counted. */
async function sqliteStore(dir: string): Promise<Store & { writes: StoreOp[][] }> {
  const store = await openSqliteStore({ path: path.join(dir, "monitor.db") });
  stores.push(store);
  const writes: StoreOp[][] = [];
  return {
    description: store.description,
    load: () => store.load(),
    write: async (ops) => {
      writes.push([...ops]);
      await store.write(ops);
    },
    readEvents: (callerId, after, limit) => store.readEvents(callerId, after, limit),
    firstRetained: (callerId) => store.firstRetained(callerId),
    close: () => store.close(),
    writes,
  };
}

/** Runs the import as the server does at start: with the store's emptiness as loaded. */
async function runImport(dir: string, store: Store, lines: string[] = []): Promise<"none" | "imported"> {
  const storeIsEmpty = isEmptyStore(await store.load());
  return importLegacyDataDir({ dataDir: dir, store, storeIsEmpty, log: (line) => lines.push(line) });
}

/** The error a rejected import gave, which must be a corrupt StoreError. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreError);
  expect((error as StoreError).kind).toBe("corrupt");
  return (error as StoreError).message;
}

const files = (dir: string) => fs.readdirSync(dir).filter((name) => !name.startsWith("monitor.db")).sort();
const sorted = <T>(rows: readonly T[], key: (row: T) => string) => [...rows].sort((a, b) => key(a).localeCompare(key(b)));

/** Opens a copy of events.db read-write to change what the previous release would have left. */
function editEventLog(dir: string, edit: (db: Database.Database) => void): void {
  const db = new Database(path.join(dir, "events.db"));
  try {
    edit(db);
  } finally {
    db.close();
  }
}

function editRegistry(dir: string, edit: (json: Record<string, unknown[]>) => void): void {
  const file = path.join(dir, "registry.json");
  const json = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown[]>;
  edit(json);
  fs.writeFileSync(file, JSON.stringify(json, null, 2));
}

describe("importLegacyDataDir", () => {
  it("does nothing in a data dir without the previous release's files", async () => {
    const dir = dataDir(false);
    const store = await sqliteStore(dir);
    expect(await runImport(dir, store)).toBe("none");
    expect(store.writes).toHaveLength(0);
    expect(isEmptyStore(await store.load())).toBe(true);
  });

  it("keeps every service, caller, subscription, outage, event, sequence and announced state, in one write", async () => {
    const dir = dataDir();
    const store = await sqliteStore(dir);
    const lines: string[] = [];
    expect(await runImport(dir, store, lines)).toBe("imported");
    expect(store.writes).toHaveLength(1);

    const contents = await store.load();
    expect(sorted(contents.services, (s) => s.id)).toEqual([
      { id: IDLE, host: "localhost", port: 9, displayName: "in maintenance", checkIntervalMs: 3_600_000, checkTimeoutMs: 2000, createdAt: Date.parse("2026-12-01T23:05:50.800Z") },
      { id: UP, host: "127.0.0.1", port: 44251, displayName: "up service", checkIntervalMs: 1000, checkTimeoutMs: 2000, createdAt: Date.parse("2026-12-01T23:05:49.685Z") },
      { id: DOWN, host: "127.0.0.1", port: 46057, displayName: "down service", checkIntervalMs: 1000, checkTimeoutMs: 500, createdAt: Date.parse("2026-12-01T23:05:50.282Z"), probe: { kind: "tcp", closeMode: "reset" } },
    ]);
    expect(sorted(contents.callers, (c) => c.id)).toEqual([
      { id: "alice", displayName: "Alice's pager", createdAt: Date.parse("2026-12-01T23:05:51.271Z") },
      { id: "bob", displayName: "", createdAt: Date.parse("2026-12-01T23:05:51.760Z") },
    ]);
    expect(sorted(contents.subscriptions, (s) => s.callerId + s.serviceId)).toEqual([
      { callerId: "alice", serviceId: UP, pollingIntervalMs: 1000, gracePeriodMs: 0 },
      { callerId: "alice", serviceId: DOWN, pollingIntervalMs: 2000, gracePeriodMs: 0 },
      { callerId: "bob", serviceId: UP, pollingIntervalMs: 1000, gracePeriodMs: 30_000 },
    ]);
    expect(contents.outages).toEqual([
      { id: "out_3c891c32bb50009a", serviceId: IDLE, startMs: Date.parse("2030-01-01T00:00:00Z"), endMs: Date.parse("2030-01-01T02:00:00Z"), reason: "planned upgrade" },
    ]);
    // carol was unregistered: her counter stays, so a new carol never reuses sequence 1.
    expect(sorted(contents.sequences, (s) => s.callerId)).toEqual([
      { callerId: "alice", lastSequence: 2 },
      { callerId: "bob", lastSequence: 3 },
      { callerId: "carol", lastSequence: 1 },
    ]);
    expect(sorted(contents.announced, (a) => a.callerId + a.serviceId)).toEqual([
      { callerId: "alice", serviceId: UP, announced: { status: "up", sinceMs: 1796166349705 } },
      { callerId: "alice", serviceId: DOWN, announced: { status: "down", sinceMs: 1796166350297 } },
      { callerId: "bob", serviceId: UP, announced: { status: "up", sinceMs: 1796166349705 } },
    ]);
    expect(contents.observations).toEqual([]);

    const alice = await store.readEvents("alice", 0, 100);
    expect(alice.map((e) => [e.sequence, e.timeMs, e.event.kind, e.event.serviceId])).toEqual([
      [1, 1796166352856, "status_change", UP],
      [2, 1796166353506, "status_change", DOWN],
    ]);
    expect(alice[1]!.event).toEqual({ kind: "status_change", serviceId: DOWN, host: "127.0.0.1", port: 46057, previous: "unknown", status: "down", sinceMs: 1796166350297, detail: "connection refused" });
    const bob = await store.readEvents("bob", 0, 100);
    expect(bob.map((e) => [e.sequence, e.timeMs, e.event.kind])).toEqual([
      [1, 1796166354132, "status_change"],
      [2, 1796166354770, "status_change"],
      [3, 1796166361204, "subscription_ended"],
    ]);
    expect(bob[2]!.event).toEqual({ kind: "subscription_ended", serviceId: IDLE, reason: "unsubscribed" });
    expect(await store.readEvents("carol", 0, 100)).toEqual([]);

    // The old files are kept under new names, never deleted.
    expect(files(dir)).toEqual(["events.db.imported", "registry.json.imported"]);
    expect(fs.readFileSync(path.join(dir, "registry.json.imported"))).toEqual(fs.readFileSync(path.join(FIXTURE, "registry.json")));
    expect(lines.join("\n")).toContain("3 services, 2 callers, 3 subscriptions, 1 outages, 5 events, 3 caller sequences, 3 announced states");

    // The next start finds nothing to import.
    expect(await runImport(dir, store)).toBe("none");
    expect(store.writes).toHaveLength(1);
  });

  it("a caller's next event after the import takes the sequence after its last", async () => {
    const dir = dataDir();
    const store = await sqliteStore(dir);
    await runImport(dir, store);
    await store.write([
      { kind: "append_event", event: { callerId: "alice", sequence: 3, timeMs: 1796166400000, event: { kind: "subscription_ended", serviceId: DOWN, reason: "unsubscribed" } } },
    ]);
    expect((await store.readEvents("alice", 2, 10)).map((e) => e.sequence)).toEqual([3]);
    // A duplicate of an imported sequence is refused by the store: the import kept them.
    await expect(
      store.write([{ kind: "append_event", event: { callerId: "bob", sequence: 3, timeMs: 1, event: { kind: "subscription_ended", serviceId: UP, reason: "unsubscribed" } } }]),
    ).rejects.toThrow();
  });

  it("keeps the counter and the announced state of a caller whose events were all pruned", async () => {
    const dir = dataDir();
    editEventLog(dir, (db) => db.prepare("DELETE FROM events WHERE caller_id = 'alice'").run());
    const store = await sqliteStore(dir);
    await runImport(dir, store);
    const contents = await store.load();
    expect(contents.sequences.find((s) => s.callerId === "alice")).toEqual({ callerId: "alice", lastSequence: 2 });
    expect(sorted(contents.announced.filter((a) => a.callerId === "alice"), (a) => a.serviceId).map((a) => a.announced.status)).toEqual(["up", "down"]);
    expect(await store.firstRetained("alice")).toBeUndefined();
  });

  it("takes the old announced table over what the retained events say", async () => {
    const dir = dataDir();
    // bob's UP event was followed by a pruned DOWN whose row is what counts.
    editEventLog(dir, (db) => db.prepare("UPDATE announced SET status = 'down', since_ms = 1796166360000 WHERE caller_id = 'bob'").run());
    const store = await sqliteStore(dir);
    await runImport(dir, store);
    const bob = (await store.load()).announced.filter((a) => a.callerId === "bob");
    expect(bob).toEqual([{ callerId: "bob", serviceId: UP, announced: { status: "down", sinceMs: 1796166360000 } }]);
  });

  it("leaves out the events and announced rows of a caller the registry no longer has, keeping its counter", async () => {
    const dir = dataDir();
    // The previous release stopped between removing dave from registry.json and dropping his log.
    editEventLog(dir, (db) => {
      db.prepare("INSERT INTO caller_counters VALUES ('dave', 7)").run();
      db.prepare("INSERT INTO events VALUES ('dave', 7, 1796166352856, ?)").run(
        JSON.stringify({ kind: "subscription_ended", serviceId: UP, reason: "unsubscribed" }),
      );
      db.prepare("INSERT INTO announced VALUES ('dave', ?, 'up', 1)").run(DOWN);
    });
    const store = await sqliteStore(dir);
    const lines: string[] = [];
    await runImport(dir, store, lines);
    const contents = await store.load();
    expect(contents.sequences.find((s) => s.callerId === "dave")).toEqual({ callerId: "dave", lastSequence: 7 });
    expect(contents.announced.filter((a) => a.callerId === "dave")).toEqual([]);
    expect(await store.readEvents("dave", 0, 10)).toEqual([]);
    expect(lines.join("\n")).toContain("left out: 1 events and 1 announced states of callers no longer registered");
  });

  it("reads commits the previous release left in events.db-wal when it was killed", async () => {
    const source = dataDir();
    const dir = dataDir(false);
    fs.copyFileSync(path.join(source, "registry.json"), path.join(dir, "registry.json"));
    const db = new Database(path.join(source, "events.db"));
    db.pragma("journal_mode = WAL");
    db.pragma("wal_autocheckpoint = 0");
    db.prepare("UPDATE caller_counters SET last_sequence = 3 WHERE caller_id = 'alice'").run();
    db.prepare("INSERT INTO events VALUES ('alice', 3, 1796166400000, ?)").run(
      JSON.stringify({ kind: "subscription_ended", serviceId: DOWN, reason: "unsubscribed" }),
    );
    // Copied while the connection is open: the state a SIGKILL leaves.
    fs.copyFileSync(path.join(source, "events.db"), path.join(dir, "events.db"));
    fs.copyFileSync(path.join(source, "events.db-wal"), path.join(dir, "events.db-wal"));
    db.close();

    const store = await sqliteStore(dir);
    await runImport(dir, store);
    expect((await store.readEvents("alice", 0, 10)).map((e) => e.sequence)).toEqual([1, 2, 3]);
    expect(files(dir)).toEqual(expect.arrayContaining(["events.db.imported", "events.db.imported-wal", "registry.json.imported"]));
    expect(files(dir).filter((name) => !name.includes(".imported"))).toEqual([]);
  });

  it("imports a registry without callers when events.db is missing", async () => {
    const dir = dataDir();
    fs.rmSync(path.join(dir, "events.db"));
    editRegistry(dir, (json) => {
      json["callers"] = [];
      json["subscriptions"] = [];
    });
    const store = await sqliteStore(dir);
    expect(await runImport(dir, store)).toBe("imported");
    expect((await store.load()).services).toHaveLength(3);
    expect(files(dir)).toEqual(["registry.json.imported"]);
  });

  it("imports an event log alone: the counters are kept, the events of unknown callers are not", async () => {
    const dir = dataDir();
    fs.rmSync(path.join(dir, "registry.json"));
    const store = await sqliteStore(dir);
    expect(await runImport(dir, store)).toBe("imported");
    const contents = await store.load();
    expect(contents.services).toEqual([]);
    expect(contents.sequences).toHaveLength(3);
    expect(await store.readEvents("alice", 0, 10)).toEqual([]);
  });

  describe("crash safety", () => {
    it("a crash before the write commits leaves *.importing, and the next start imports from them", async () => {
      const dir = dataDir();
      const store = await sqliteStore(dir);
      const failing: Store = { ...store, write: () => Promise.reject(new StoreError("unavailable", "disk full")) };
      await expect(runImport(dir, failing)).rejects.toThrow("disk full");
      expect(files(dir)).toEqual(["events.db.importing", "registry.json.importing"]);
      expect(isEmptyStore(await store.load())).toBe(true);

      const lines: string[] = [];
      expect(await runImport(dir, store, lines)).toBe("imported");
      expect(lines[0]).toContain("resuming an import that had not committed");
      expect((await store.load()).services).toHaveLength(3);
      expect((await store.readEvents("bob", 0, 10)).map((e) => e.sequence)).toEqual([1, 2, 3]);
      expect(files(dir)).toEqual(["events.db.imported", "registry.json.imported"]);
    });

    it("a crash while renaming to *.importing: the set is completed before it is read", async () => {
      const dir = dataDir();
      fs.renameSync(path.join(dir, "events.db"), path.join(dir, "events.db.importing"));
      const store = await sqliteStore(dir);
      expect(await runImport(dir, store)).toBe("imported");
      expect((await store.load()).callers).toHaveLength(2);
      expect((await store.load()).sequences).toHaveLength(3);
      expect(files(dir)).toEqual(["events.db.imported", "registry.json.imported"]);
    });

    it("a crash after the write committed: the next start only finishes the renames", async () => {
      const dir = dataDir();
      const store = await sqliteStore(dir);
      await runImport(dir, store);
      // Put the files back as a crash between the write and the last rename leaves them.
      for (const name of ["registry.json", "events.db"]) {
        fs.renameSync(path.join(dir, `${name}.imported`), path.join(dir, `${name}.importing`));
      }
      const lines: string[] = [];
      expect(await runImport(dir, store, lines)).toBe("imported");
      expect(store.writes).toHaveLength(1);
      expect(lines[0]).toContain("had committed before the server stopped");
      expect(files(dir)).toEqual(["events.db.imported", "registry.json.imported"]);
    });

    it("refuses the old files beside a store that already holds data, touching nothing", async () => {
      const dir = dataDir();
      const store = await sqliteStore(dir);
      await store.write([{ kind: "set_last_sequence", callerId: "x", lastSequence: 1 }]);
      const message = await refusal(runImport(dir, store));
      expect(message).toContain(`${path.join(dir, "registry.json")}: both sqlite ${path.join(dir, "monitor.db")} and the previous release's registry.json exist`);
      expect(message).toContain("move registry.json and events.db away if they were already imported");
      expect(files(dir)).toEqual(["events.db", "registry.json"]);
    });

    it("keeps an earlier import's *.imported files: a second import's get a numbered name", async () => {
      const dir = dataDir();
      fs.writeFileSync(path.join(dir, "registry.json.imported"), "earlier");
      const store = await sqliteStore(dir);
      await runImport(dir, store);
      expect(fs.readFileSync(path.join(dir, "registry.json.imported"), "utf8")).toBe("earlier");
      expect(files(dir)).toEqual(["events.db.imported-2", "registry.json.imported", "registry.json.imported-2"]);
    });
  });

  describe("refuses what cannot be trusted, naming the file and leaving it as it was", () => {
    async function refused(dir: string): Promise<string> {
      const before = files(dir);
      const store = await sqliteStore(dir);
      const message = await refusal(runImport(dir, store));
      expect(files(dir).filter((name) => !name.endsWith("-shm"))).toEqual(before);
      expect(store.writes).toHaveLength(0);
      return message;
    }

    it("a 0-byte events.db", async () => {
      const dir = dataDir();
      fs.writeFileSync(path.join(dir, "events.db"), "");
      const message = await refused(dir);
      expect(message).toContain(`${path.join(dir, "events.db")}: the file is empty (0 bytes)`);
      expect(message).toContain("restore it from a backup, or move it away");
    });

    it("an events.db that is not a database", async () => {
      const dir = dataDir();
      fs.writeFileSync(path.join(dir, "events.db"), "this is not sqlite ".repeat(300));
      expect(await refused(dir)).toMatch(new RegExp(`^${escape(path.join(dir, "events.db"))}: not a readable event log \\(file is not a database\\)`));
    });

    it("an events.db of another schema", async () => {
      const dir = dataDir();
      fs.rmSync(path.join(dir, "events.db"));
      new Database(path.join(dir, "events.db")).exec("CREATE TABLE other (x)").close();
      expect(await refused(dir)).toContain("events.db: schema version 0, not the 1 of the previous release's event log");
    });

    it("an event whose payload is not an event", async () => {
      const dir = dataDir();
      editEventLog(dir, (db) => db.prepare("UPDATE events SET payload = '{\"kind\":\"nope\"}' WHERE caller_id = 'bob' AND sequence = 2").run());
      expect(await refused(dir)).toContain('events.db: table events, caller "bob" sequence 2: payload is not an event (kind: unexpected value "nope")');
    });

    it("an event above its caller's counter", async () => {
      const dir = dataDir();
      editEventLog(dir, (db) => db.prepare("UPDATE caller_counters SET last_sequence = 1 WHERE caller_id = 'bob'").run());
      expect(await refused(dir)).toContain('table events, caller "bob" sequence 2: above the caller\'s last sequence in caller_counters (1)');
    });

    it("an announced status that does not exist", async () => {
      const dir = dataDir();
      editEventLog(dir, (db) => {
        db.pragma("ignore_check_constraints = ON");
        db.prepare("UPDATE announced SET status = 'sideways' WHERE caller_id = 'bob'").run();
      });
      expect(await refused(dir)).toContain(`events.db: announced state of caller "bob" for service "${UP}": status: must be "unknown", "up" or "down", got "sideways"`);
    });

    it("a registry.json that does not parse", async () => {
      const dir = dataDir();
      fs.writeFileSync(path.join(dir, "registry.json"), '{"version": 1, "services": [');
      const message = await refused(dir);
      expect(message).toMatch(new RegExp(`^${escape(path.join(dir, "registry.json"))}: not a registry this server can import \\(`));
      expect(message).toContain("it was left as it is");
    });

    it("a registry.json whose values break the API's rules: port 999999, interval 0, empty host, a duplicate id", async () => {
      const dir = dataDir();
      editRegistry(dir, (json) => {
        const [up, down, idle] = json["services"] as Record<string, unknown>[];
        up!["port"] = 999_999;
        down!["checkIntervalMs"] = 0;
        idle!["host"] = "";
        json["callers"]!.push({ ...(json["callers"]![1] as object) });
      });
      const message = await refused(dir);
      expect(message.split("\n")).toEqual([
        `${path.join(dir, "registry.json")}: 4 invalid records — fix or remove each, or restore a backup:`,
        `  service "${UP}": port: must be between 1 and 65535, got 999999`,
        `  service "${DOWN}": checkIntervalMs: must be between 1s and 24h, got 0ms`,
        `  service "${IDLE}": host: must not be empty`,
        '  caller "bob": id: is used by another caller',
      ]);
    });

    it("a subscription of a caller the registry does not have", async () => {
      const dir = dataDir();
      editRegistry(dir, (json) => {
        json["subscriptions"]!.push({ callerId: "zed", serviceId: UP, pollingIntervalMs: 1000, gracePeriodMs: 0 });
      });
      expect(await refused(dir)).toBe(
        `${path.join(dir, "registry.json")}: subscription of caller "zed" to service "${UP}": callerId: no such caller — fix or remove the record, or restore a backup`,
      );
    });

    it("registry.json with callers but no events.db: their sequences would restart", async () => {
      const dir = dataDir();
      fs.rmSync(path.join(dir, "events.db"));
      const message = await refused(dir);
      expect(message).toContain(`${path.join(dir, "events.db")} is missing but ${path.join(dir, "registry.json")} has 2 caller(s)`);
      expect(message).toContain("restore events.db from a backup, or remove the callers from registry.json");
    });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
