import { afterEach, describe, expect, it } from "vitest";
import type { HistoryRecord, StatusChangeRecord } from "../../server/domain/history-types.js";
import { createRetentionJob, DEFAULT_HISTORY_RETENTION, retentionCut, type HistoryRetention } from "../../server/history/retention-job.js";
import { createRollupJob } from "../../server/history/rollup-job.js";
import type { HistoryStore } from "../../server/store/history-store.js";
import { openSqliteHistoryStore } from "../../server/store/sqlite-history-store.js";
import { createManualTime } from "../support/manual-time.js";

const HOUR = 3_600_000;
const DAY = 86_400_000;
const NOW = Date.parse("2026-06-15T12:00:00Z");

type Store = HistoryStore & { close(): Promise<void> };
const open: Store[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

async function memoryStore(): Promise<Store> {
  const store = await openSqliteHistoryStore({ path: ":memory:" });
  open.push(store);
  return store;
}

/** A check of `serviceId` every `stepMs` from `fromMs` to `toMs`, with a status change at each end. */
async function fill(store: HistoryStore, serviceId: string, fromMs: number, toMs: number, stepMs: number): Promise<number> {
  const rows: HistoryRecord[] = [];
  for (let at = fromMs; at < toMs; at += stepMs) {
    rows.push({ kind: "check", serviceId, at, status: "up", latencyMs: 2, detail: "", inOutage: false, maxSpanMs: 2 * stepMs });
  }
  const changes: StatusChangeRecord[] = [
    { serviceId, at: fromMs, previous: "unknown", status: "up", detail: "" },
    { serviceId, at: toMs - stepMs, previous: "up", status: "down", detail: "refused" },
  ];
  await store.append(rows, changes);
  return rows.length;
}

const short: HistoryRetention = { recordsMs: 2 * DAY, minuteMs: DAY, hourMs: 3 * DAY, dayMs: 5 * DAY };

describe("retentionCut", () => {
  it("cuts each part at its own age; status changes as long as day rollups", () => {
    expect(retentionCut(DEFAULT_HISTORY_RETENTION, NOW)).toEqual({
      recordsBefore: NOW - 7 * DAY,
      statusChangesBefore: NOW - 730 * DAY,
      minuteBefore: NOW - 48 * HOUR,
      hourBefore: NOW - 90 * DAY,
      dayBefore: NOW - 730 * DAY,
    });
  });
});

describe("createRetentionJob (SQLite history store)", () => {
  it("deletes what is past retention in bounded batches, keeping the rest", async () => {
    const store = await memoryStore();
    // Ten days of a check every 10 minutes: 1,440 rows.
    await fill(store, "svc_a", NOW - 10 * DAY, NOW, 10 * 60_000);
    await createRollupJob({ store }).runOnce();
    const batches: number[] = [];
    const job = createRetentionJob({
      store,
      retention: short,
      isRegistered: () => true,
      now: () => NOW,
      batch: 100,
      onDeleted: (n) => batches.push(n),
    });
    const run = await job.runOnce();
    expect(batches.length).toBeGreaterThan(5);
    expect(run.pruned).toBe(batches.reduce((a, b) => a + b, 0));
    expect(run).toMatchObject({ forgotten: 0, services: 0 });

    const records = await store.listRecords({ serviceId: "svc_a", startMs: 0, endMs: NOW + 1, limit: 5000 });
    expect(records).toHaveLength(2 * 144);
    expect(Math.min(...records.map((r) => r.at))).toBeGreaterThanOrEqual(NOW - 2 * DAY);
    const keys = (resolution: "minute" | "hour" | "day", width: number) =>
      Array.from({ length: Math.ceil((10 * DAY) / width) + 1 }, (_, i) => ({ serviceId: "svc_a", resolution, startMs: Math.floor((NOW - 10 * DAY) / width) * width + i * width }));
    const minutes = await store.readBuckets(keys("minute", 60_000));
    expect(minutes.length).toBeGreaterThan(0);
    expect(Math.min(...minutes.map((b) => b.startMs))).toBeGreaterThanOrEqual(NOW - DAY - 60_000);
    const hours = await store.readBuckets(keys("hour", HOUR));
    expect(Math.min(...hours.map((b) => b.startMs))).toBeGreaterThanOrEqual(NOW - 3 * DAY - HOUR);
    const days = await store.readBuckets(keys("day", DAY));
    expect(Math.min(...days.map((b) => b.startMs))).toBeGreaterThanOrEqual(NOW - 5 * DAY - DAY);
    // The change 10 days ago is past the day rollups' 5 days; the recent one stays.
    const changes = await store.listStatusChanges({ serviceId: "svc_a", startMs: 0, endMs: NOW + 1, limit: 10 });
    expect(changes.map((c) => c.status)).toEqual(["down"]);

    // A second run finds nothing left to delete.
    expect((await job.runOnce()).pruned).toBe(0);
  });

  it("forgets the history of services the registry no longer has", async () => {
    const store = await memoryStore();
    await fill(store, "svc_kept", NOW - HOUR, NOW, 60_000);
    await fill(store, "svc_gone", NOW - HOUR, NOW, 10_000);
    await createRollupJob({ store }).runOnce();
    const job = createRetentionJob({
      store,
      retention: DEFAULT_HISTORY_RETENTION,
      isRegistered: (id) => id === "svc_kept",
      now: () => NOW,
      batch: 50,
    });
    const run = await job.runOnce();
    expect(run).toMatchObject({ pruned: 0, services: 1 });
    expect(run.forgotten).toBeGreaterThan(360);
    expect(await store.serviceIdsWithHistory()).toEqual(["svc_kept"]);
    expect(await store.listRecords({ serviceId: "svc_kept", startMs: 0, endMs: NOW + 1, limit: 100 })).toHaveLength(60);
  });

  it("runs every few minutes once started, carries on after a failure, and stops", async () => {
    const time = createManualTime(NOW);
    const store = await memoryStore();
    let calls = 0;
    const errors: string[] = [];
    const job = createRetentionJob({
      store: {
        ...store,
        prune: (cut, limit) => (++calls === 1 ? Promise.reject(new Error("locked")) : store.prune(cut, limit)),
      },
      retention: DEFAULT_HISTORY_RETENTION,
      isRegistered: () => true,
      now: time.clock.now,
      timers: time.timers,
      onError: (_e, context) => errors.push(context),
    });
    job.start();
    await time.advance(5 * 60_000 - 1);
    expect(calls).toBe(0);
    await time.advance(1);
    expect(errors).toHaveLength(1);
    await time.advance(5 * 60_000);
    expect(calls).toBe(2);
    await job.stop();
    await time.advance(60 * 60_000);
    expect(calls).toBe(2);
    expect(time.pendingTimers()).toBe(0);
  });
});
