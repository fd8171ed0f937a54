import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CurrentObservation } from "../../server/domain/compose-stats.js";
import type { CheckRecord, HistoryRecord, StatusChangeRecord } from "../../server/domain/history-types.js";
import { createHistoryQueries } from "../../server/history/create-history-queries.js";
import { createRollupJob } from "../../server/history/rollup-job.js";
import type { HistoryStore } from "../../server/store/history-store.js";
import { openSqliteHistoryStore } from "../../server/store/sqlite-history-store.js";
import { openSqliteStore } from "../../server/store/sqlite-store.js";
import { createMemoryHistoryStore } from "../support/memory-history-store.js";

const SEC = 1000;
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const RETENTION = { minuteMs: 48 * HOUR, hourMs: 90 * DAY, dayMs: 730 * DAY };
const T0 = Date.UTC(2026, 11, 1, 13, 0, 17, 400);

const closes: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closes.splice(0)) await close();
});

/** The history as the server opens it: monitor.db made by the main store in a temp dir, then the history's own connection. */
async function openSqliteInTempDir(): Promise<HistoryStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "history-queries-"));
  const file = path.join(dir, "monitor.db");
  const main = await openSqliteStore({ path: file });
  const history = await openSqliteHistoryStore({ path: file });
  closes.push(async () => {
    await history.close();
    await main.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return history;
}

const BACKENDS: readonly (readonly [string, () => Promise<HistoryStore>])[] = [
  ["sqlite", openSqliteInTempDir],
  ["memory", async () => createMemoryHistoryStore()],
];

const check = (serviceId: string, at: number, status: "up" | "down", more: Partial<CheckRecord> = {}): CheckRecord => ({
  kind: "check",
  serviceId,
  at,
  status,
  latencyMs: status === "up" ? 3 : 2000,
  detail: status === "up" ? "" : "connection refused",
  inOutage: false,
  maxSpanMs: 4 * SEC,
  ...more,
});

/** The rollup job's pass over the first `rows` rows not rolled up yet (in chunks, as it reads them). */
async function rollUp(store: HistoryStore, rows: number): Promise<void> {
  await createRollupJob({ store, chunk: Math.min(128, rows), maxRowsPerPass: rows }).runOnce();
}

describe.each(BACKENDS)("createHistoryQueries over the %s history store", (_name, open) => {
  const queriesOf = (store: HistoryStore, now: () => number, current: (id: string) => CurrentObservation | undefined = () => undefined) =>
    createHistoryQueries({ store, now, current, retention: RETENTION });

  it("walks 100,000 results page by page while checks keep writing: no duplicate, no gap", async () => {
    const store = await open();
    // Two services interleaved, pairs of rows at the same instant (ties broken by id), a pause marker now and then.
    const rows: HistoryRecord[] = [];
    for (let i = 0; i < 100_000; i++) {
      const at = T0 + Math.floor(i / 2) * SEC;
      rows.push(i % 997 === 0 ? { kind: "pause", serviceId: "svc_walk", at } : check("svc_walk", at, i % 7 === 0 ? "down" : "up"));
      if (i % 10 === 0) rows.push(check("svc_other", at, "up"));
    }
    for (let i = 0; i < rows.length; i += 10_000) await store.append(rows.slice(i, i + 10_000), []);
    let now = T0 + 50_000 * SEC;
    const queries = queriesOf(store, () => now);
    const window = { serviceId: "svc_walk", startMs: T0, endMs: now };

    const seen = new Map<number, number>();
    let previous: { at: number; id: number } | undefined;
    let after: { at: number; id: number } | undefined;
    let pages = 0;
    let foreign = 0;
    let outOfOrder = 0;
    do {
      const page = await queries.listCheckResults({ ...window, pageSize: 1000, ...(after === undefined ? {} : { after }) });
      for (const row of page.items) {
        if (row.serviceId !== "svc_walk") foreign++;
        if (previous !== undefined && !(row.at < previous.at || (row.at === previous.at && row.id < previous.id))) outOfOrder++;
        previous = row;
        seen.set(row.id, (seen.get(row.id) ?? 0) + 1);
      }
      after = page.next;
      pages++;
      // Checks keep writing between pages: new results, one inside the window but newer than the walk's position.
      now += SEC;
      await store.append([check("svc_walk", now, "up"), check("svc_walk", T0 + 49_999 * SEC, "down"), check("svc_other", now, "up")], []);
    } while (after !== undefined);

    expect({ pages, foreign, outOfOrder }).toEqual({ pages: 100, foreign: 0, outOfOrder: 0 });
    expect([...seen].filter(([, n]) => n > 1)).toEqual([]);
    const originals = (await store.recordsAfter(0, 200_000)).filter((r) => r.serviceId === "svc_walk" && r.id <= 110_000);
    expect(originals).toHaveLength(100_000);
    expect(originals.filter((r) => !seen.has(r.id)).map((r) => r.id)).toEqual([]);
  }, 60_000);

  it("pages within a status filter and ends with no cursor on the last page", async () => {
    const store = await open();
    await store.append(
      Array.from({ length: 25 }, (_, i): HistoryRecord => (i === 12 ? { kind: "pause", serviceId: "s", at: T0 + i * SEC } : check("s", T0 + i * SEC, i % 3 === 0 ? "down" : "up"))),
      [],
    );
    const queries = queriesOf(store, () => T0 + HOUR);
    const query = { serviceId: "s", startMs: T0, endMs: T0 + HOUR, statuses: new Set(["down", "pause"] as const), pageSize: 4 };
    const first = await queries.listCheckResults(query);
    expect(first.items.map((r) => (r.kind === "pause" ? "pause" : r.status))).toEqual(["down", "down", "down", "down"]);
    expect(first.items.map((r) => r.at)).toEqual([24, 21, 18, 15].map((i) => T0 + i * SEC));
    expect(first.next).toEqual({ at: T0 + 15 * SEC, id: first.items[3]!.id });
    const second = await queries.listCheckResults({ ...query, after: first.next! });
    expect(second.items.map((r) => (r.kind === "pause" ? "pause" : r.status))).toEqual(["pause", "down", "down", "down"]);
    expect(second.items.map((r) => r.at)).toEqual([12, 9, 6, 3].map((i) => T0 + i * SEC));
    const last = await queries.listCheckResults({ ...query, after: second.next! });
    expect(last.items.map((r) => r.at)).toEqual([T0]);
    expect(last.next).toBeUndefined();
    // Exactly a page's worth left: still no further cursor.
    expect((await queries.listCheckResults({ ...query, pageSize: 9 })).next).toBeUndefined();
  });

  it("gives each status change its duration: until the newer change, across pages and the window's end, the newest ongoing", async () => {
    const store = await open();
    const at = [0, 60, 90, 200, 230].map((s) => T0 + s * SEC);
    const changes: StatusChangeRecord[] = at.map((t, i) => ({
      serviceId: "s",
      at: t,
      previous: i === 0 ? "unknown" : i % 2 === 1 ? "up" : "down",
      status: i % 2 === 1 ? "down" : "up",
      detail: i % 2 === 1 ? "connection refused" : "",
    }));
    await store.append([], changes);
    const now = T0 + 300 * SEC;
    const queries = queriesOf(store, () => now);
    const query = { serviceId: "s", startMs: T0, endMs: now, pageSize: 2 };
    const first = await queries.listStatusChanges(query);
    expect(first.items.map((e) => [e.change.at, e.durationMs, e.ongoing])).toEqual([
      [at[4], 70 * SEC, true],
      [at[3], 30 * SEC, false],
    ]);
    const second = await queries.listStatusChanges({ ...query, after: first.next! });
    expect(second.items.map((e) => [e.change.at, e.durationMs, e.ongoing])).toEqual([
      [at[2], 110 * SEC, false],
      [at[1], 30 * SEC, false],
    ]);
    const third = await queries.listStatusChanges({ ...query, after: second.next! });
    expect(third.items.map((e) => [e.change.at, e.durationMs])).toEqual([[at[0], 60 * SEC]]);
    expect(third.next).toBeUndefined();
    // A window that ends before the last change: the newest in it ended after the window.
    const past = await queries.listStatusChanges({ serviceId: "s", startMs: T0, endMs: T0 + 100 * SEC, pageSize: 10 });
    expect(past.items.map((e) => [e.change.at, e.durationMs, e.ongoing])).toEqual([
      [at[2], 110 * SEC, false],
      [at[1], 30 * SEC, false],
      [at[0], 60 * SEC, false],
    ]);
    expect((await queries.listStatusChanges({ serviceId: "nobody", startMs: T0, endMs: now, pageSize: 10 })).items).toEqual([]);
  });

  describe("getServiceStats on the issue's script (10 minutes at 1 s, down 90 s in three pieces, one planned outage)", () => {
    const DOWN = [
      [60, 90],
      [200, 230],
      [400, 430],
    ] as const;
    const OUTAGE = { startMs: T0 + 190 * SEC, endMs: T0 + 240 * SEC };
    const NOW = T0 + 10 * MIN;
    const records = Array.from({ length: 600 }, (_, i) => {
      const at = T0 + i * SEC;
      return check("svc_a", at, DOWN.some(([a, b]) => i >= a && i < b) ? "down" : "up", { inOutage: at >= OUTAGE.startMs && at < OUTAGE.endMs });
    });
    const changes: StatusChangeRecord[] = [
      { serviceId: "svc_a", at: T0, previous: "unknown", status: "up", detail: "" },
      ...DOWN.flatMap(([a, b]): StatusChangeRecord[] => [
        { serviceId: "svc_a", at: T0 + a * SEC, previous: "up", status: "down", detail: "connection refused" },
        { serviceId: "svc_a", at: T0 + b * SEC, previous: "down", status: "up", detail: "" },
      ]),
    ];
    const upNow: CurrentObservation = { status: "up", sinceMs: T0 + 430 * SEC, paused: false };

    /** The script written as the writer would (in batches), the first `rolled` rows rolled up. */
    async function scripted(rolled: number): Promise<HistoryStore> {
      const store = await open();
      for (let i = 0; i < 600; i += 100) {
        await store.append(
          records.slice(i, i + 100),
          changes.filter((c) => c.at >= T0 + i * SEC && c.at < T0 + (i + 100) * SEC),
        );
      }
      if (rolled > 0) await rollUp(store, rolled);
      expect(await store.rollupWatermark()).toBe(rolled);
      return store;
    }

    it.each([0, 250, 600])("is within one check of the script with %i rows rolled up", async (rolled) => {
      const queries = queriesOf(await scripted(rolled), () => NOW, () => upNow);
      const stats = await queries.getServiceStats({ serviceId: "svc_a", startMs: T0, endMs: NOW });
      expect(stats).toMatchObject({
        startMs: Math.floor(T0 / MIN) * MIN,
        endMs: NOW,
        upMs: 490 * SEC,
        downMs: 60 * SEC,
        excludedMs: 50 * SEC,
        checks: 600,
        upChecks: 510,
        downChecks: 90,
        outageChecks: 50,
        incidents: 3,
        bucketWidthMs: MIN,
        currentStreak: { status: "up", sinceMs: T0 + 430 * SEC, paused: false, lastFailure: { startMs: T0 + 400 * SEC, endMs: T0 + 430 * SEC } },
      });
      expect(stats.availability).toBeCloseTo(490 / 550, 12);
      expect(stats.buckets).toHaveLength(11);
    });

    it("takes a past window's current streak as of now, not as of the window's end", async () => {
      const queries = queriesOf(await scripted(600), () => NOW, () => upNow);
      const stats = await queries.getServiceStats({ serviceId: "svc_a", startMs: T0, endMs: T0 + 4 * MIN + 42_600 });
      // The window ends on a minute: the first half of the script, two incidents.
      expect(stats).toMatchObject({ endMs: T0 + 4 * MIN + 42_600, incidents: 2, downMs: 30 * SEC, excludedMs: 50 * SEC });
      expect(stats.currentStreak.lastFailure).toEqual({ startMs: T0 + 400 * SEC, endMs: T0 + 430 * SEC });
    });

    it("reads hours where minute rollups are past retention", async () => {
      const store = await scripted(600);
      const queries = createHistoryQueries({ store, now: () => NOW, current: () => upNow, retention: { ...RETENTION, minuteMs: 2 * MIN } });
      const stats = await queries.getServiceStats({ serviceId: "svc_a", startMs: T0, endMs: NOW });
      // 13:00:17 is older than two minutes: the cover starts at 13:00, in hours, and ends in minutes at now.
      expect(stats).toMatchObject({ startMs: Math.floor(T0 / HOUR) * HOUR, endMs: NOW, bucketWidthMs: HOUR, upMs: 490 * SEC, downMs: 60 * SEC, checks: 600 });
      expect(stats.buckets).toHaveLength(1);
    });

    it("covers a start older than anything kept from the day rollups' retention, not from that start", async () => {
      const store = await open();
      const queries = createHistoryQueries({ store, now: () => NOW, current: () => upNow, retention: RETENTION });
      // Year 1 (the API accepts any time): walking every day since would hold the thread for seconds.
      const stats = await queries.getServiceStats({ serviceId: "svc_a", startMs: Date.UTC(1, 0, 1), endMs: NOW });
      const oldestDay = Math.floor((NOW - RETENTION.dayMs) / DAY) * DAY - DAY;
      expect(stats.startMs).toBe(oldestDay);
      expect(stats.endMs).toBe(NOW);
      expect(stats.buckets.length).toBeLessThanOrEqual(200);
    });
  });
});
