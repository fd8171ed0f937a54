import { afterEach, describe, expect, it } from "vitest";
import type { HistoryRecord, RollupBucket, RollupResolution } from "../../server/domain/history-types.js";
import { foldRecord, type BucketMap } from "../../server/domain/rollup-fold.js";
import { createRollupJob, type RollupPass } from "../../server/history/rollup-job.js";
import type { HistoryStore } from "../../server/store/history-store.js";
import { openSqliteHistoryStore } from "../../server/store/sqlite-history-store.js";
import { createManualTime } from "../support/manual-time.js";
import { prng } from "../support/prng.js";

const ALL: readonly RollupResolution[] = ["minute", "hour", "day"];
const T0 = Date.parse("2026-04-30T23:40:00Z");

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

/** Seeded checks of two services every ~2 s over ~50 min (across midnight), with a pause and outage checks. */
function history(n: number, seed = 7): HistoryRecord[] {
  const random = prng(seed);
  const rows: HistoryRecord[] = [];
  for (let i = 0; i < n; i++) {
    const serviceId = i % 2 === 0 ? "svc_a" : "svc_b";
    const at = T0 + Math.floor(i / 2) * 2000 + Math.floor(random() * 300);
    if (serviceId === "svc_b" && i % 400 === 1) {
      rows.push({ kind: "pause", serviceId, at });
      continue;
    }
    rows.push({
      kind: "check",
      serviceId,
      at,
      status: random() < 0.15 ? "down" : "up",
      latencyMs: Math.floor(random() * 800) / 4,
      detail: "",
      inOutage: random() < 0.05,
      maxSpanMs: 4000,
    });
  }
  return rows;
}

/** The buckets a fold of all rows at once gives, as plain data sorted by key. */
function expected(rows: readonly HistoryRecord[]): RollupBucket[] {
  const buckets: BucketMap = new Map();
  const tails = new Map<string, ReturnType<typeof foldRecord>>();
  for (const row of rows) tails.set(row.serviceId, foldRecord(buckets, ALL, tails.get(row.serviceId), row));
  return sortBuckets([...buckets.values()]);
}

function sortBuckets(buckets: RollupBucket[]): RollupBucket[] {
  return buckets.sort((a, b) => a.serviceId.localeCompare(b.serviceId) || a.resolution.localeCompare(b.resolution) || a.startMs - b.startMs);
}

async function storedBuckets(store: HistoryStore, like: readonly RollupBucket[]): Promise<RollupBucket[]> {
  return sortBuckets(await store.readBuckets(like.map(({ serviceId, resolution, startMs }) => ({ serviceId, resolution, startMs }))));
}

describe("createRollupJob (SQLite history store)", () => {
  it("folds every row into minute, hour and day buckets and moves the watermark", async () => {
    const store = await memoryStore();
    const rows = history(3000);
    await store.append(rows, []);
    const job = createRollupJob({ store, chunk: 700 });
    const done = await job.runOnce();
    expect(done).toMatchObject({ rows: 3000, watermark: await store.rollupWatermark(), caughtUp: true });
    const want = expected(rows);
    expect(await storedBuckets(store, want)).toEqual(want);
    expect(await store.readTails(["svc_a", "svc_b"])).toHaveLength(2);
    // Nothing new: a pass that does nothing.
    expect(await job.runOnce()).toMatchObject({ rows: 0, buckets: 0 });
  });

  it("gives the same buckets in many small passes (read-merge-write, tails carried over) as in one", async () => {
    const store = await memoryStore();
    const rows = history(3000, 8);
    const job = createRollupJob({ store, chunk: 100, maxRowsPerPass: 250 });
    const passes: RollupPass[] = [];
    for (let i = 0; i < rows.length; i += 450) {
      await store.append(rows.slice(i, i + 450), []);
      for (;;) {
        const done = await job.runOnce();
        passes.push(done);
        if (done.caughtUp) break;
      }
    }
    expect(passes.some((p) => !p.caughtUp)).toBe(true);
    expect(passes.every((p) => p.rows <= 250)).toBe(true);
    expect(passes.reduce((sum, p) => sum + p.rows, 0)).toBe(3000);
    const want = expected(rows);
    expect(await storedBuckets(store, want)).toEqual(want);
  });

  it("keeps nothing of a pass whose write failed: the next pass counts those rows once", async () => {
    const store = await memoryStore();
    const rows = history(600, 9);
    await store.append(rows.slice(0, 300), []);
    const job = createRollupJob({ store });
    await job.runOnce();
    await store.append(rows.slice(300), []);
    const failing = createRollupJob({
      store: { ...store, writeRollups: () => Promise.reject(new Error("disk I/O error")) },
    });
    await expect(failing.runOnce()).rejects.toThrow("disk I/O error");
    await job.runOnce();
    const want = expected(rows);
    expect(await storedBuckets(store, want)).toEqual(want);
  });

  it("leaves rows appended while a pass runs to the next pass", async () => {
    const store = await memoryStore();
    const rows = history(400, 10);
    await store.append(rows.slice(0, 200), []);
    let appendedDuringPass = false;
    const job = createRollupJob({
      store: {
        ...store,
        async readBuckets(keys) {
          // Between the pass's read of the rows and its write.
          if (!appendedDuringPass) {
            appendedDuringPass = true;
            await store.append(rows.slice(200), []);
          }
          return store.readBuckets(keys);
        },
      },
    });
    expect((await job.runOnce()).rows).toBe(200);
    expect((await job.runOnce()).rows).toBe(200);
    const want = expected(rows);
    expect(await storedBuckets(store, want)).toEqual(want);
  });

  it("runs about every minute once started, a backlog in consecutive passes, and a failure does not stop it", async () => {
    const time = createManualTime(T0);
    const store = await memoryStore();
    await store.append(history(1000, 11), []);
    let fail = true;
    const passes: RollupPass[] = [];
    const errors: string[] = [];
    const job = createRollupJob({
      store: {
        ...store,
        writeRollups: (pass) => (fail ? Promise.reject(new Error("busy")) : store.writeRollups(pass)),
      },
      timers: time.timers,
      chunk: 100,
      maxRowsPerPass: 400,
      onPass: (p) => passes.push(p),
      onError: (_e, context) => errors.push(context),
    });
    // A pass yields to the event loop between chunks: give it turns (and its 0 ms follow-ups) to finish.
    const drain = async () => {
      for (let i = 0; i < 30; i++) await time.advance(0);
    };
    job.start();
    await time.advance(59_999);
    expect(passes).toHaveLength(0);
    await time.advance(1);
    await drain();
    expect(errors).toHaveLength(1);
    fail = false;
    await time.advance(60_000);
    await drain();
    // 400 + 400 + 200 rows: the two passes after the first follow at once.
    expect(passes.map((p) => p.rows)).toEqual([400, 400, 200]);
    await job.stop();
    await store.append(history(10, 12), []);
    await time.advance(120_000);
    expect(passes).toHaveLength(3);
    expect(time.pendingTimers()).toBe(0);
  });
});
