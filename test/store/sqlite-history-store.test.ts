import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CheckRecord } from "../../server/domain/history-types.js";
import { openSqliteHistoryStore, type SqliteHistoryStore } from "../../server/store/sqlite-history-store.js";
import { openSqliteStore } from "../../server/store/sqlite-store.js";
import { StoreError, type Store } from "../../server/store/store.js";
import { describeHistoryStoreContract } from "./history-store-contract.js";

/** The history as the server opens it: monitor.db made by the main store, then a connection of its own. */
async function openInTempDir(): Promise<{ history: SqliteHistoryStore; store: Store; file: string; close(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sqlite-history-"));
  const file = path.join(dir, "monitor.db");
  const store = await openSqliteStore({ path: file });
  const history = await openSqliteHistoryStore({ path: file });
  return {
    history,
    store,
    file,
    async close() {
      await history.close();
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeHistoryStoreContract("sqlite", openInTempDir);

const T0 = 1_700_000_040_000;

function check(at: number, overrides: Partial<CheckRecord> = {}): CheckRecord {
  return { kind: "check", serviceId: "s1", at, status: "up", latencyMs: 1.5, detail: "", inOutage: false, maxSpanMs: 3_000, ...overrides };
}

describe("sqlite history store", () => {
  let opened: Awaited<ReturnType<typeof openInTempDir>>;
  let raw: Database.Database;
  beforeEach(async () => {
    opened = await openInTempDir();
    raw = new Database(opened.file);
  });
  afterEach(async () => {
    raw.close();
    await opened.close();
  });

  it("commits on a connection of its own with synchronous=NORMAL, in the file's WAL mode", async () => {
    expect(opened.history.connectionSettings()).toEqual({ journalMode: "wal", synchronous: "normal" });
    // Per connection: another one's FULL (the main store's) leaves it alone.
    raw.pragma("synchronous = FULL");
    expect(opened.history.connectionSettings().synchronous).toBe("normal");
    expect(opened.history.description).toBe(`sqlite ${opened.file}`);
  });

  it("keeps the history's version in history_meta, not in the main schema's user_version", async () => {
    expect(raw.prepare("SELECT version FROM history_meta").pluck().all()).toEqual([1]);
    const userVersion = raw.pragma("user_version", { simple: true });
    await opened.history.close();
    // Reopening finds the tables and the version as they were.
    const again = await openSqliteHistoryStore({ path: opened.file });
    await again.append([check(T0)], []);
    expect(await again.recordsAfter(0, 10)).toHaveLength(1);
    await again.close();
    expect(raw.pragma("user_version", { simple: true })).toBe(userVersion);
  });

  it("refuses a history of a newer version, and a file that is not there", async () => {
    raw.prepare("UPDATE history_meta SET version = 99").run();
    await expect(openSqliteHistoryStore({ path: opened.file })).rejects.toMatchObject({
      name: "StoreError",
      kind: "corrupt",
      message: expect.stringMatching(/history schema version 99 is newer/),
    });
    await expect(openSqliteHistoryStore({ path: path.join(path.dirname(opened.file), "missing.db") })).rejects.toBeInstanceOf(StoreError);
  });

  async function expectCorrupt(read: () => Promise<unknown>, pattern: RegExp): Promise<void> {
    const error = await read().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).kind).toBe("corrupt");
    expect((error as StoreError).message).toMatch(pattern);
  }

  it("reads a row that does not decode as a corrupt StoreError naming the table and row", async () => {
    const h = opened.history;
    await h.append(
      [check(T0), check(T0 + 1_000, { http: { statusCode: 200, phases: { dnsMs: 0, connectMs: 1, tlsMs: 0, firstByteMs: 2, totalMs: 3 }, tlsExpiresAt: undefined, captures: [], namedCaptures: {} } })],
      [{ serviceId: "s1", at: T0, previous: "unknown", status: "up", detail: "" }],
    );
    await h.writeRollups({
      buckets: [{ serviceId: "s1", resolution: "minute", startMs: T0, checks: 0, upChecks: 0, downChecks: 0, outageChecks: 0, upMs: 0, downMs: 0, excludedMs: 0, latency: { buckets: new Map(), zeroCount: 0, count: 0, sum: 0, min: undefined, max: undefined }, statusCodes: new Map() }],
      tails: [{ serviceId: "s1", at: T0, state: "up", maxSpanMs: 3_000 }],
      watermark: 0,
    });
    const ids = raw.prepare("SELECT id FROM check_results ORDER BY id").pluck().all() as number[];
    const all = { serviceId: "s1", startMs: 0, endMs: T0 + 60_000, limit: 10 };

    raw.prepare("UPDATE check_results SET state = 7 WHERE id = ?").run(ids[0]);
    await expectCorrupt(() => h.listRecords(all), new RegExp(`history: listRecords: table check_results, id ${ids[0]}: state is 7`));
    await expectCorrupt(() => h.recordsAfter(0, 10), new RegExp(`table check_results, id ${ids[0]}`));
    raw.prepare("UPDATE check_results SET state = 1 WHERE id = ?").run(ids[0]);
    raw.prepare("UPDATE check_results SET http = '[200' WHERE id = ?").run(ids[1]);
    await expectCorrupt(() => h.listRecords(all), new RegExp(`table check_results, id ${ids[1]}: http is not JSON`));
    raw.prepare("UPDATE check_results SET http = '[200,0,1000,0,2000,-3000,null]' WHERE id = ?").run(ids[1]);
    await expectCorrupt(() => h.readStatsSnapshot({ serviceId: "s1", ranges: [], changesStartMs: 0, endMs: T0 + 60_000 }), /http phases.totalMs/);
    raw.prepare("DELETE FROM check_results WHERE id = ?").run(ids[1]);
    raw.prepare("UPDATE check_results SET latency_us = 'fast' WHERE id = ?").run(ids[0]);
    await expectCorrupt(() => h.listRecords(all), /latency_us is "fast", not a number/);
    raw.prepare("DELETE FROM check_results").run();

    raw.prepare("UPDATE status_changes SET previous = 9").run();
    await expectCorrupt(() => h.listStatusChanges(all), /table status_changes, id \d+: previous is 9/);
    raw.prepare("UPDATE rollups SET latency = '{\"buckets\":[],\"zeroCount\":0,\"count\":2,\"sum\":0,\"min\":null,\"max\":null}'").run();
    await expectCorrupt(() => h.readBuckets([{ serviceId: "s1", resolution: "minute", startMs: T0 }]), /table rollups, service_id "s1" resolution minute start_ms \d+: latency does not decode/);
    raw.prepare("UPDATE rollup_tails SET state = 5").run();
    await expectCorrupt(() => h.readTails(["s1"]), /table rollup_tails, service_id "s1": state is 5/);
    // Another connection's write of a service key gone missing.
    await h.append([check(T0 + 2_000)], []);
    raw.prepare("DELETE FROM history_services").run();
    await expectCorrupt(() => h.recordsAfter(0, 10), /its service key is not in history_services/);
  });

  it("refuses a record no row can hold, naming it, and writes nothing of its batch", async () => {
    const h = opened.history;
    await expect(h.append([check(T0), check(T0 + 1_000, { latencyMs: Number.NaN })], [])).rejects.toThrow(/record 2 of 2: latencyMs must be a finite number/);
    await expect(h.append([check(T0, { serviceId: "new" }), check(T0, { maxSpanMs: 0 })], [])).rejects.toThrow(/record 2 of 2/);
    expect(await h.recordsAfter(0, 10)).toEqual([]);
    // The rolled-back service key is not remembered.
    await h.append([check(T0, { serviceId: "new" })], []);
    expect(await h.serviceIdsWithHistory()).toEqual(["new"]);
  });

  it("is unavailable once closed", async () => {
    await opened.history.close();
    await expect(opened.history.recordsAfter(0, 1)).rejects.toMatchObject({ kind: "unavailable" });
  });
});
