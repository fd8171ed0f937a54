import { describe, expect, it } from "vitest";
import type { HistoryRecord, StatusChangeRecord } from "../../server/domain/history-types.js";
import { createHistoryWriter, type HistoryBatchWritten, type HistoryWriterOptions } from "../../server/history/history-writer.js";
import { createManualTime } from "../support/manual-time.js";

function check(i: number): HistoryRecord {
  return { kind: "check", serviceId: "svc_1", at: i, status: "up", latencyMs: 1, detail: "", inOutage: false, maxSpanMs: 2000 };
}

function change(i: number): StatusChangeRecord {
  return { serviceId: "svc_1", at: i, previous: "up", status: "down", detail: "refused" };
}

interface Deferred {
  resolve(): void;
  reject(error: unknown): void;
}

/** A store whose appends the test settles (or that settle at once when `auto`). */
function fakeStore(auto = true) {
  const appended: { records: HistoryRecord[]; changes: StatusChangeRecord[] }[] = [];
  const pending: Deferred[] = [];
  let failNext = 0;
  return {
    appended,
    pending,
    failTimes(n: number) {
      failNext = n;
    },
    append(records: readonly HistoryRecord[], changes: readonly StatusChangeRecord[]): Promise<void> {
      if (failNext > 0) {
        failNext--;
        return Promise.reject(new Error("disk full"));
      }
      const done = () => void appended.push({ records: [...records], changes: [...changes] });
      if (auto) {
        done();
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) =>
        pending.push({
          resolve: () => {
            done();
            resolve();
          },
          reject,
        }),
      );
    },
  };
}

function setup(options: Partial<HistoryWriterOptions> & { auto?: boolean } = {}) {
  const time = createManualTime(0);
  const store = fakeStore(options.auto ?? true);
  const errors: string[] = [];
  const drops: [number, number][] = [];
  const batches: HistoryBatchWritten[] = [];
  let droppedCounted = 0;
  const writer = createHistoryWriter({
    store,
    now: time.clock.now,
    timers: time.timers,
    onError: (_error, context) => errors.push(context),
    onDropped: (since, total) => drops.push([since, total]),
    observer: { appended: (b) => batches.push(b), dropped: (n) => (droppedCounted += n) },
    ...options,
  });
  return { time, store, writer, errors, drops, batches, droppedCounted: () => droppedCounted };
}

const rows = (s: ReturnType<typeof fakeStore>) => s.appended.flatMap((a) => a.records.map((r) => r.at));

describe("createHistoryWriter", () => {
  it("buffers rows and writes them in one append about once a second", async () => {
    const { time, store, writer, batches } = setup();
    for (let i = 0; i < 10; i++) writer.record(check(i));
    writer.statusChanged(change(5));
    expect(store.appended).toHaveLength(0);
    expect(writer.buffered()).toBe(11);
    await time.advance(999);
    expect(store.appended).toHaveLength(0);
    await time.advance(1);
    expect(store.appended).toHaveLength(1);
    expect(store.appended[0]!.records).toHaveLength(10);
    expect(store.appended[0]!.changes).toEqual([change(5)]);
    expect(batches.map((b) => [b.records, b.changes])).toEqual([[10, 1]]);
    expect(writer.buffered()).toBe(0);
    // Nothing buffered: no more appends, no timer left.
    await time.advance(5000);
    expect(store.appended).toHaveLength(1);
    expect(time.pendingTimers()).toBe(0);
  });

  it("writes at once when a full batch waits, in order, one append at a time", async () => {
    const { time, store, writer } = setup({ maxBatch: 4, auto: false });
    for (let i = 0; i < 10; i++) writer.record(check(i));
    await time.advance(0);
    // One append under way with the first 4; the rest wait for it.
    expect(store.pending).toHaveLength(1);
    store.pending.shift()!.resolve();
    await time.advance(0);
    expect(store.pending).toHaveLength(1);
    store.pending.shift()!.resolve();
    await time.advance(0);
    // Two left: less than a batch, so they wait for the next tick.
    expect(store.pending).toHaveLength(0);
    await time.advance(1000);
    expect(store.pending).toHaveLength(1);
    store.pending.shift()!.resolve();
    await time.advance(0);
    expect(store.appended.map((a) => a.records.length)).toEqual([4, 4, 2]);
    expect(rows(store)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("never makes record() wait for a slow store", async () => {
    const { time, store, writer } = setup({ auto: false });
    writer.record(check(0));
    await time.advance(1000);
    expect(store.pending).toHaveLength(1);
    // The store hangs; recording goes on, synchronously, and is buffered.
    for (let i = 1; i <= 1000; i++) expect(writer.record(check(i))).toBeUndefined();
    expect(writer.buffered()).toBe(1001);
    await time.advance(5000);
    expect(store.pending).toHaveLength(1);
    store.pending.shift()!.resolve();
    await time.advance(1000);
    store.pending.shift()!.resolve();
    await time.settle();
    expect(rows(store)).toHaveLength(1001);
  });

  it("keeps the rows of a failed append and retries them at the next tick, oldest first", async () => {
    const { time, store, writer, errors } = setup();
    store.failTimes(2);
    writer.record(check(1));
    await time.advance(1000);
    writer.record(check(2));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/1 history row\(s\).*kept for a retry/);
    expect(writer.buffered()).toBe(2);
    await time.advance(1000);
    expect(errors).toHaveLength(2);
    await time.advance(1000);
    expect(rows(store)).toEqual([1, 2]);
    expect(writer.buffered()).toBe(0);
  });

  it("drops the oldest rows beyond maxBuffered, counts them and says so at most once a minute", async () => {
    const { time, store, writer, drops, droppedCounted } = setup({ maxBatch: 10, maxBuffered: 20 });
    store.failTimes(1000);
    for (let i = 0; i < 25; i++) writer.record(check(i));
    expect(writer.buffered()).toBe(20);
    expect(writer.dropped()).toBe(5);
    expect(droppedCounted()).toBe(5);
    // The first drop is reported at once; the next four fall in the same minute.
    expect(drops).toEqual([[1, 1]]);
    await time.advance(60_000);
    writer.record(check(25));
    expect(drops).toEqual([
      [1, 1],
      [5, 6],
    ]);
    store.failTimes(0);
    await time.advance(1000);
    await writer.flush();
    expect(rows(store)).toEqual(Array.from({ length: 20 }, (_, i) => i + 6));
  });

  it("close() flushes what is buffered, then stops; later rows are dropped", async () => {
    const { time, store, writer } = setup({ maxBatch: 3 });
    for (let i = 0; i < 7; i++) writer.record(check(i));
    await writer.close();
    expect(rows(store)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    writer.record(check(7));
    expect(writer.dropped()).toBe(1);
    await time.advance(5000);
    expect(store.appended.flatMap((a) => a.records)).toHaveLength(7);
    expect(time.pendingTimers()).toBe(0);
  });

  it("flush() rejects with the store's error when a batch fails, keeping the rows", async () => {
    const { store, writer } = setup();
    store.failTimes(1);
    writer.record(check(0));
    await expect(writer.flush()).rejects.toThrow("disk full");
    expect(writer.buffered()).toBe(1);
    await writer.flush();
    expect(rows(store)).toEqual([0]);
  });

  it("survives an append that throws synchronously", async () => {
    const { time, writer, errors } = setup({
      store: {
        append: () => {
          throw new Error("sync");
        },
      },
    });
    writer.record(check(0));
    await time.advance(1000);
    expect(errors).toHaveLength(1);
    expect(writer.buffered()).toBe(1);
    await time.advance(1000);
    expect(errors).toHaveLength(2);
  });
});
