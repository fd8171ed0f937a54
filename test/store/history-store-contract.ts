import { afterEach, describe, expect, it } from "vitest";
import type {
  CheckRecord,
  HistoryRecord,
  PauseMarker,
  RollupBucket,
  RollupResolution,
  RollupTail,
  StatusChangeRecord,
  Stored,
} from "../../server/domain/history-types.js";
import { addLatency, createLatencySketch } from "../../server/domain/latency-sketch.js";
import type { HttpCheckDetails, Status } from "../../server/domain/types.js";
import type { HistoryRecordQuery, HistoryStore, RetentionCut, StatsSnapshot, StatusChangeQuery } from "../../server/store/history-store.js";

/**
 * The one contract every HistoryStore passes, run unchanged against each
 * backend: `describeHistoryStoreContract("sqlite", open)`. It uses only the
 * HistoryStore interface. Each test gets a fresh, empty history.
 *
 * What a backend may do that the contract allows: keep latencies and HTTP
 * phases to the microsecond (the fixtures use at most three decimals, which
 * round-trip exactly either way); order buckets of different resolutions as
 * it likes (within one resolution they are ascending by start); and prune
 * rows in roughly their write order (the fixtures write them in time order,
 * as the history writer does).
 */
export function describeHistoryStoreContract(
  name: string,
  open: () => Promise<{ history: HistoryStore; close(): Promise<void> }>,
): void {
  const closes: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closes.splice(0)) await close();
  });

  async function fresh(): Promise<HistoryStore> {
    const opened = await open();
    closes.push(() => opened.close());
    return opened.history;
  }

  describe(`history store contract: ${name}`, () => {
    describe("append and listRecords", () => {
      it("assigns ascending ids in append order across services and calls", async () => {
        const h = await fresh();
        const first = [check("s1", T0 + 2_000), check("s2", T0 + 1_000), pause("s1", T0 + 1_000)];
        await h.append(first, []);
        await h.append([check("s2", T0 + 500)], []);
        const rows = await h.recordsAfter(0, 100);
        expect(rows.map(withoutId)).toEqual([...first, check("s2", T0 + 500)]);
        expectAscendingIds(rows);
      });

      it("lists one service newest first by at, then by id", async () => {
        const h = await fresh();
        await h.append([check("s1", T0 + 2_000), check("s2", T0 + 3_000), check("s1", T0 + 1_000), check("s1", T0 + 2_000, { status: "down" })], []);
        const rows = await h.listRecords(query("s1"));
        expect(rows.map((r) => [r.at, r.kind === "check" ? r.status : "pause"])).toEqual([
          [T0 + 2_000, "down"],
          [T0 + 2_000, "up"],
          [T0 + 1_000, "up"],
        ]);
        expect(rows[0]!.id).toBeGreaterThan(rows[1]!.id);
      });

      it("accepts an empty append and one with status changes only", async () => {
        const h = await fresh();
        await h.append([], []);
        await h.append([], [change("s1", T0, "down")]);
        expect(await h.recordsAfter(0, 10)).toEqual([]);
        expect((await h.listStatusChanges(changeQuery("s1"))).map(withoutId)).toEqual([change("s1", T0, "down")]);
      });

      it("pages with the before cursor: no duplicate and no gap, also while rows are appended between pages", async () => {
        const h = await fresh();
        const rows: HistoryRecord[] = [];
        for (let i = 0; i < 30; i++) {
          rows.push(check("s1", T0 + i * 1_000, { status: i % 3 === 0 ? "down" : "up" }));
          // Ties on `at`: the id decides their order.
          if (i % 5 === 0) rows.push(check("s1", T0 + i * 1_000, { detail: `tie ${i}` }));
        }
        await h.append(rows, []);
        const expected = await h.listRecords(query("s1", { limit: 1_000 }));
        expect(expected).toHaveLength(36);

        const seen: Stored<HistoryRecord>[] = [];
        let before: { at: number; id: number } | undefined;
        for (let page = 0; page < 20; page++) {
          const got = await h.listRecords(query("s1", { limit: 7, ...(before === undefined ? {} : { before }) }));
          if (got.length === 0) break;
          expect(got.length).toBeLessThanOrEqual(7);
          seen.push(...got);
          const last = got[got.length - 1]!;
          before = { at: last.at, id: last.id };
          // Newer rows, a row tied with the cursor (its higher id sorts it
          // before the cursor), and another service's rows: none belongs to
          // the pages still to come.
          await h.append([check("s1", T0 + 100_000 + page), check("s1", last.at), check("s2", last.at - 1)], []);
        }
        expect(seen).toEqual(expected);
      });

      it("bounds by time: start inclusive, end exclusive", async () => {
        const h = await fresh();
        await h.append([0, 1, 2, 3, 4].map((i) => check("s1", T0 + i * 1_000)), []);
        const rows = await h.listRecords(query("s1", { startMs: T0 + 1_000, endMs: T0 + 3_000 }));
        expect(rows.map((r) => r.at)).toEqual([T0 + 2_000, T0 + 1_000]);
        expect(await h.listRecords(query("s1", { startMs: T0 + 3_000, endMs: T0 + 3_000 }))).toEqual([]);
      });

      it("filters by status, pause markers included, and pages within the filter", async () => {
        const h = await fresh();
        await h.append(
          [
            check("s1", T0, { status: "up" }),
            check("s1", T0 + 1_000, { status: "down" }),
            pause("s1", T0 + 2_000),
            check("s1", T0 + 3_000, { status: "up" }),
            check("s1", T0 + 4_000, { status: "down" }),
            pause("s1", T0 + 5_000),
          ],
          [],
        );
        const ats = async (statuses: ("up" | "down" | "pause")[]) =>
          (await h.listRecords(query("s1", { statuses: new Set(statuses) }))).map((r) => r.at - T0);
        expect(await ats(["up"])).toEqual([3_000, 0]);
        expect(await ats(["down"])).toEqual([4_000, 1_000]);
        expect(await ats(["pause"])).toEqual([5_000, 2_000]);
        expect(await ats(["up", "pause"])).toEqual([5_000, 3_000, 2_000, 0]);
        expect(await ats([])).toEqual([]);

        const firstPage = await h.listRecords(query("s1", { statuses: new Set(["up", "pause"]), limit: 2 }));
        const last = firstPage[1]!;
        const next = await h.listRecords(query("s1", { statuses: new Set(["up", "pause"]), limit: 2, before: { at: last.at, id: last.id } }));
        expect(next.map((r) => r.at - T0)).toEqual([2_000, 0]);
      });

      it("round-trips every field: HTTP details and captures, outages, spans, pause markers", async () => {
        const h = await fresh();
        const http: HttpCheckDetails = {
          statusCode: 503,
          phases: { dnsMs: 0, connectMs: 0.25, tlsMs: 3.5, firstByteMs: 12.125, totalMs: 20.062 },
          tlsExpiresAt: T0 + 86_400_000,
          captures: ["v1.2", null],
          // A computed key defines an own property (a literal `__proto__:` would set the prototype).
          namedCaptures: { version: "v1.2", ["__proto__"]: "group named __proto__", missing: null },
        };
        const noResponse: HttpCheckDetails = {
          statusCode: undefined,
          phases: { dnsMs: 1, connectMs: 2, tlsMs: 0, firstByteMs: 0, totalMs: 2_000 },
          tlsExpiresAt: undefined,
          captures: [],
          namedCaptures: {},
        };
        const records: HistoryRecord[] = [
          check("s1", T0, { latencyMs: 12.345, detail: "", maxSpanMs: 4_000 }),
          check("s1", T0 + 1_000, { status: "down", latencyMs: 0, detail: "HTTP 503 — not in 200-299 «ü»", inOutage: true, maxSpanMs: 62_000, http }),
          check("s1", T0 + 2_000, { status: "down", latencyMs: 2_000, detail: "timed out", http: noResponse }),
          pause("s1", T0 + 3_000),
        ];
        await h.append(records, []);
        const rows = await h.recordsAfter(0, 10);
        expect(rows.map(withoutId)).toEqual(records);
        // toEqual takes a missing key for undefined: check the shapes exactly.
        expect("http" in rows[0]!).toBe(false);
        expect(Object.keys(rows[3]!).sort()).toEqual(["at", "id", "kind", "serviceId"]);
        const withHttp = rows[1] as Stored<CheckRecord>;
        expect(Object.getOwnPropertyNames(withHttp.http!.namedCaptures).sort()).toEqual(["__proto__", "missing", "version"]);
        expect(withHttp.http!.namedCaptures["__proto__"]).toBe("group named __proto__");
        expect((rows[2] as Stored<CheckRecord>).http!.statusCode).toBeUndefined();
        expect(await h.listRecords(query("s1"))).toEqual([...rows].reverse());
      });
    });

    describe("status changes", () => {
      it("lists them newest first in a time range, paging with the before cursor", async () => {
        const h = await fresh();
        const changes = [
          change("s1", T0, "down", "unknown"),
          change("s1", T0 + 1_000, "up", "down"),
          change("s2", T0 + 1_500, "down", "unknown"),
          change("s1", T0 + 2_000, "down", "up"),
          change("s1", T0 + 2_000, "up", "down"),
          change("s1", T0 + 3_000, "down", "up"),
        ];
        await h.append([], changes);
        const all = await h.listStatusChanges(changeQuery("s1"));
        expect(all.map(withoutId)).toEqual([changes[5], changes[4], changes[3], changes[1], changes[0]]);

        const page1 = await h.listStatusChanges(changeQuery("s1", { limit: 2 }));
        const cursor = { at: page1[1]!.at, id: page1[1]!.id };
        const page2 = await h.listStatusChanges(changeQuery("s1", { limit: 2, before: cursor }));
        const page3 = await h.listStatusChanges(changeQuery("s1", { limit: 2, before: { at: page2[1]!.at, id: page2[1]!.id } }));
        expect([...page1, ...page2, ...page3]).toEqual(all);

        const ranged = await h.listStatusChanges(changeQuery("s1", { startMs: T0 + 1_000, endMs: T0 + 3_000 }));
        expect(ranged.map((c) => c.at - T0)).toEqual([2_000, 2_000, 1_000]);
      });

      it("finds the change that ended one: the oldest after a cursor, in (at, id) order", async () => {
        const h = await fresh();
        await h.append(
          [],
          [change("s1", T0, "down"), change("s2", T0 + 500, "up"), change("s1", T0 + 1_000, "up"), change("s1", T0 + 1_000, "down"), change("s1", T0 + 5_000, "up")],
        );
        const [latest, tiedSecond, tiedFirst, first] = await h.listStatusChanges(changeQuery("s1"));
        expect(withoutId((await h.nextStatusChange("s1", first!))!)).toEqual(change("s1", T0 + 1_000, "up"));
        expect((await h.nextStatusChange("s1", tiedFirst!))!.id).toBe(tiedSecond!.id);
        expect((await h.nextStatusChange("s1", tiedSecond!))!.id).toBe(latest!.id);
        expect(await h.nextStatusChange("s1", latest!)).toBeUndefined();
        expect(await h.nextStatusChange("s3", { at: 0, id: 0 })).toBeUndefined();
      });
    });

    describe("the rollup job's side", () => {
      it("recordsAfter reads every service's rows after an id, ascending by id, at most limit", async () => {
        const h = await fresh();
        await h.append([check("s1", T0 + 5_000), check("s2", T0), pause("s1", T0 + 6_000), check("s3", T0 + 1_000)], []);
        const all = await h.recordsAfter(0, 100);
        expect(all).toHaveLength(4);
        const after = await h.recordsAfter(all[0]!.id, 2);
        expect(after).toEqual(all.slice(1, 3));
        expect(await h.recordsAfter(all[3]!.id, 100)).toEqual([]);
      });

      it("writes and reads buckets back exactly, replacing (not adding to) a bucket written again", async () => {
        const h = await fresh();
        const minute = bucket("s1", "minute", T0, [0, 0.5, 12.345, 250, 9_999.5], [[200, 3], [503, 2]]);
        const hour = bucket("s1", "hour", T0 - (T0 % 3_600_000), [], []);
        const other = bucket("s2", "minute", T0, [1], [[404, 1]]);
        await h.writeRollups({ buckets: [minute, hour, other], tails: [], watermark: 0 });
        const read = await h.readBuckets([
          { serviceId: "s1", resolution: "minute", startMs: T0 },
          { serviceId: "s1", resolution: "hour", startMs: hour.startMs },
          { serviceId: "s1", resolution: "day", startMs: T0 },
          { serviceId: "s3", resolution: "minute", startMs: T0 },
        ]);
        expect(sortBuckets(read)).toEqual(sortBuckets([minute, hour]));
        expect(await h.readBuckets([])).toEqual([]);

        const rewritten = bucket("s1", "minute", T0, [7], [[200, 1]]);
        await h.writeRollups({ buckets: [rewritten], tails: [], watermark: 0 });
        expect(await h.readBuckets([{ serviceId: "s1", resolution: "minute", startMs: T0 }])).toEqual([rewritten]);
        expect(await h.readBuckets([{ serviceId: "s2", resolution: "minute", startMs: T0 }])).toEqual([other]);
      });

      it("keeps tails per service, replaced by the next pass", async () => {
        const h = await fresh();
        await h.writeRollups({ buckets: [], tails: [tail("s1", T0, "up", 2_000), tail("s2", T0, "excluded", 0)], watermark: 0 });
        await h.writeRollups({ buckets: [], tails: [tail("s1", T0 + 1_000, "down", 60_000)], watermark: 0 });
        const tails = await h.readTails(["s1", "s2", "s3"]);
        expect(tails.sort((a, b) => a.serviceId.localeCompare(b.serviceId))).toEqual([tail("s1", T0 + 1_000, "down", 60_000), tail("s2", T0, "excluded", 0)]);
        expect(await h.readTails([])).toEqual([]);
        expect(await h.readTails(["s3"])).toEqual([]);
      });

      it("starts the watermark at 0 and never lowers it", async () => {
        const h = await fresh();
        expect(await h.rollupWatermark()).toBe(0);
        await h.writeRollups({ buckets: [], tails: [], watermark: 10 });
        expect(await h.rollupWatermark()).toBe(10);
        const b = bucket("s1", "minute", T0, [1], []);
        await h.writeRollups({ buckets: [b], tails: [], watermark: 5 });
        expect(await h.rollupWatermark()).toBe(10);
        // The rest of the pass is still written.
        expect(await h.readBuckets([{ serviceId: "s1", resolution: "minute", startMs: T0 }])).toEqual([b]);
        await h.writeRollups({ buckets: [], tails: [], watermark: 12 });
        expect(await h.rollupWatermark()).toBe(12);
      });
    });

    describe("readStatsSnapshot", () => {
      it("reads the ranges' buckets, the rows after the watermark, the tail and the changes of one service", async () => {
        const h = await fresh();
        await h.append(
          [check("s1", T0), check("s2", T0), check("s1", T0 + 1_000), check("s2", T0 + 1_000), check("s1", T0 + 2_000, { status: "down" }), pause("s1", T0 + 3_000)],
          [change("s1", T0 - 60_000, "up", "unknown"), change("s1", T0 + 2_000, "down", "up"), change("s2", T0 + 2_000, "down", "up")],
        );
        const rows = await h.recordsAfter(0, 100);
        const watermark = rows[2]!.id; // s1's first two and s2's first are rolled up
        const hourStart = T0 - (T0 % 3_600_000);
        const buckets = [
          bucket("s1", "minute", T0 - 120_000, [1], []),
          bucket("s1", "minute", T0 - 60_000, [2], [[200, 1]]),
          bucket("s1", "minute", T0, [3], []),
          bucket("s1", "hour", hourStart - 3_600_000, [4], []),
          bucket("s1", "hour", hourStart, [5], []),
          bucket("s1", "day", T0 - (T0 % 86_400_000), [6], []),
          bucket("s2", "minute", T0 - 60_000, [7], []),
        ];
        await h.writeRollups({ buckets, tails: [tail("s1", T0 + 1_000, "up", 2_000), tail("s2", T0, "up", 2_000)], watermark });

        const snapshot = await h.readStatsSnapshot({
          serviceId: "s1",
          ranges: [
            { resolution: "minute", startMs: T0 - 60_000, endMs: T0 + 60_000 },
            { resolution: "hour", startMs: hourStart - 3_600_000, endMs: hourStart },
          ],
          changesStartMs: T0 - 30_000,
          endMs: T0 + 60_000,
        });
        expect(sortBuckets([...snapshot.buckets])).toEqual(sortBuckets([buckets[1]!, buckets[2]!, buckets[3]!]));
        for (const resolution of ["minute", "hour", "day"] as const) {
          const starts = snapshot.buckets.filter((b) => b.resolution === resolution).map((b) => b.startMs);
          expect(starts).toEqual([...starts].sort((a, b) => a - b));
        }
        expect(snapshot.watermark).toBe(watermark);
        expect(snapshot.tail).toEqual(tail("s1", T0 + 1_000, "up", 2_000));
        expect(snapshot.unrolled).toEqual(rows.filter((r) => r.serviceId === "s1" && r.id > watermark));
        expect(snapshot.unrolled.map((r) => r.at - T0)).toEqual([2_000, 3_000]);
        expect(snapshot.changes.map(withoutId)).toEqual([change("s1", T0 + 2_000, "down", "up")]);
        expect(failure(snapshot.lastFailure)).toEqual({ start: change("s1", T0 + 2_000, "down", "up"), end: undefined });
      });

      it("gives no tail before the first rollup, and every row as unrolled", async () => {
        const h = await fresh();
        await h.append([check("s1", T0), check("s1", T0 + 1_000)], []);
        const snapshot = await h.readStatsSnapshot({ serviceId: "s1", ranges: [], changesStartMs: T0, endMs: T0 + 60_000 });
        expect(snapshot).toMatchObject({ buckets: [], watermark: 0, tail: undefined, changes: [], lastFailure: undefined });
        expect(snapshot.unrolled.map((r) => r.at)).toEqual([T0, T0 + 1_000]);
      });

      it("finds the last failure before the end, with the change that ended it", async () => {
        const h = await fresh();
        const changes = [
          change("s1", T0, "down", "unknown"),
          change("s1", T0 + 10_000, "up", "down"),
          change("s1", T0 + 20_000, "down", "up"),
          change("s1", T0 + 30_000, "up", "down"),
          change("s1", T0 + 40_000, "down", "up"),
        ];
        await h.append([], changes);
        const at = async (endMs: number) =>
          failure((await h.readStatsSnapshot({ serviceId: "s1", ranges: [], changesStartMs: T0 + 15_000, endMs })).lastFailure);
        // Before the newest failure began: the one before it, with its end.
        expect(await at(T0 + 35_000)).toEqual({ start: changes[2], end: changes[3] });
        // The newest failure has not ended.
        expect(await at(T0 + 50_000)).toEqual({ start: changes[4], end: undefined });
        // A failure older than the changes' window still counts.
        expect(await at(T0 + 15_000)).toEqual({ start: changes[0], end: changes[1] });
        expect(await at(T0)).toBeUndefined();
        const changed = await h.readStatsSnapshot({ serviceId: "s1", ranges: [], changesStartMs: T0 + 15_000, endMs: T0 + 35_000 });
        expect(changed.changes.map(withoutId)).toEqual([changes[2], changes[3]]);
      });
    });

    describe("retention", () => {
      it("prunes rows older than the cut, at most limit per call", async () => {
        const h = await fresh();
        const records: HistoryRecord[] = [];
        for (let i = 0; i < 10; i++) records.push(check(i % 2 === 0 ? "s1" : "s2", T0 + i * 1_000));
        await h.append(records, []);
        const cut = retentionCut({ recordsBefore: T0 + 5_000 });
        const counts: number[] = [];
        for (let n = await h.prune(cut, 2); n > 0; n = await h.prune(cut, 2)) counts.push(n);
        expect(counts).toEqual([2, 2, 1]);
        expect((await h.recordsAfter(0, 100)).map((r) => r.at - T0)).toEqual([5_000, 6_000, 7_000, 8_000, 9_000]);
      });

      it("prunes status changes and each resolution's buckets by its own cut, leaving tails", async () => {
        const h = await fresh();
        await h.append(
          [check("s1", T0), check("s1", T0 + 10_000)],
          [change("s1", T0, "down"), change("s1", T0 + 5_000, "up"), change("s1", T0 + 10_000, "down")],
        );
        const buckets = [
          bucket("s1", "minute", T0 - 120_000, [1], []),
          bucket("s1", "minute", T0 - 60_000, [1], []),
          bucket("s1", "minute", T0, [1], []),
          bucket("s2", "minute", T0 - 120_000, [1], []),
          bucket("s1", "hour", T0 - 7_200_000, [1], []),
          bucket("s1", "hour", T0 - 3_600_000, [1], []),
          bucket("s1", "day", T0 - 172_800_000, [1], []),
          bucket("s1", "day", T0 - 86_400_000, [1], []),
        ];
        await h.writeRollups({ buckets, tails: [tail("s1", T0 - 10_000_000, "up", 2_000)], watermark: 1 });
        const cut: RetentionCut = {
          recordsBefore: T0 + 1,
          statusChangesBefore: T0 + 5_000,
          minuteBefore: T0 - 60_000,
          hourBefore: T0 - 3_600_000,
          dayBefore: T0 - 86_400_000,
        };
        let total = 0;
        for (let calls = 0; calls < 20; calls++) {
          const n = await h.prune(cut, 1);
          // One per table at most: records, changes and buckets.
          expect(n).toBeLessThanOrEqual(3);
          if (n === 0) break;
          total += n;
        }
        // 1 row, 1 change, 2 minute buckets (s1 and s2), 1 hour, 1 day.
        expect(total).toBe(6);
        expect((await h.recordsAfter(0, 10)).map((r) => r.at)).toEqual([T0 + 10_000]);
        expect((await h.listStatusChanges(changeQuery("s1"))).map((c) => c.at - T0)).toEqual([10_000, 5_000]);
        const keys = buckets.map(({ serviceId, resolution, startMs }) => ({ serviceId, resolution, startMs }));
        expect(sortBuckets(await h.readBuckets(keys))).toEqual(sortBuckets([buckets[1]!, buckets[2]!, buckets[5]!, buckets[7]!]));
        expect(await h.readTails(["s1"])).toEqual([tail("s1", T0 - 10_000_000, "up", 2_000)]);
        expect(await h.rollupWatermark()).toBe(1);
      });

      it("forgets a service in bounded batches, leaving the others", async () => {
        const h = await fresh();
        const records: HistoryRecord[] = [];
        const changes: StatusChangeRecord[] = [];
        for (let i = 0; i < 5; i++) {
          records.push(check("s1", T0 + i * 1_000), check("s2", T0 + i * 1_000));
          changes.push(change("s1", T0 + i * 1_000, i % 2 === 0 ? "down" : "up"));
        }
        changes.push(change("s2", T0, "down"));
        await h.append(records, changes);
        const buckets = [0, 1, 2].map((i) => bucket("s1", "minute", T0 + i * 60_000, [1], []));
        const kept = bucket("s2", "minute", T0, [1], []);
        await h.writeRollups({ buckets: [...buckets, kept], tails: [tail("s1", T0, "up", 2_000), tail("s2", T0, "up", 2_000)], watermark: 3 });

        let total = 0;
        for (let calls = 0; calls < 20; calls++) {
          const n = await h.forgetService("s1", 2);
          // At most 2 from each of rows, changes, buckets and the tail.
          expect(n).toBeLessThanOrEqual(8);
          if (n === 0) break;
          total += n;
        }
        expect(total).toBe(5 + 5 + 3 + 1);
        expect(await h.listRecords(query("s1"))).toEqual([]);
        expect(await h.listStatusChanges(changeQuery("s1"))).toEqual([]);
        expect(await h.readBuckets(buckets.map(({ serviceId, resolution, startMs }) => ({ serviceId, resolution, startMs })))).toEqual([]);
        expect(await h.readTails(["s1"])).toEqual([]);
        expect(await h.serviceIdsWithHistory()).toEqual(["s2"]);
        expect(await h.listRecords(query("s2"))).toHaveLength(5);
        expect(await h.listStatusChanges(changeQuery("s2"))).toHaveLength(1);
        expect(await h.readBuckets([{ serviceId: "s2", resolution: "minute", startMs: T0 }])).toEqual([kept]);
        expect(await h.readTails(["s2"])).toHaveLength(1);
        expect(await h.rollupWatermark()).toBe(3);
        expect(await h.forgetService("s9", 10)).toBe(0);
      });

      it("never gives a new row an id at or below the watermark, even once the newest rows are gone", async () => {
        const h = await fresh();
        await h.append([check("b", T0)], []);
        await h.append(Array.from({ length: 10 }, (_, i) => check("a", T0 + i * 1_000)), []);
        const rolled = await h.recordsAfter(0, 100);
        const watermark = rolled.at(-1)!.id;
        await h.writeRollups({ buckets: [], tails: [tail("a", T0 + 9_000, "up", 2_000), tail("b", T0, "up", 2_000)], watermark });
        // The newest rows (a's) go: a backend that reuses ids would number b's next rows below the watermark.
        while ((await h.forgetService("a", 100)) > 0);
        await h.append([check("b", T0 + 20_000), check("b", T0 + 21_000)], []);
        const next = await h.recordsAfter(watermark, 100);
        expect(next.map((r) => [r.serviceId, r.at - T0])).toEqual([
          ["b", 20_000],
          ["b", 21_000],
        ]);
        expect(next.every((r) => r.id > watermark)).toBe(true);
        const snapshot = await h.readStatsSnapshot({ serviceId: "b", ranges: [], changesStartMs: T0, endMs: T0 + 60_000 });
        expect(snapshot.unrolled.map((r) => r.at - T0)).toEqual([20_000, 21_000]);
        // Every row kept is listed (the reserved id left nothing behind).
        expect((await h.listRecords(query("b"))).map((r) => r.at - T0)).toEqual([21_000, 20_000, 0]);
      });

      it("lists the services that have rows, status changes, buckets or a tail", async () => {
        const h = await fresh();
        expect(await h.serviceIdsWithHistory()).toEqual([]);
        await h.append([check("rows", T0), pause("rows", T0 + 1)], [change("changes", T0, "down")]);
        await h.writeRollups({ buckets: [bucket("buckets", "hour", T0 - (T0 % 3_600_000), [1], [])], tails: [tail("tail", T0, "up", 2_000)], watermark: 0 });
        expect((await h.serviceIdsWithHistory()).sort()).toEqual(["buckets", "changes", "rows", "tail"]);
        await h.prune(retentionCut({ recordsBefore: T0 + 10 }), 100);
        expect((await h.serviceIdsWithHistory()).sort()).toEqual(["buckets", "changes", "tail"]);
      });
    });
  });
}

/** A minute boundary (2023-11-14T22:14:00Z), so a minute bucket starts at T0. */
const T0 = 1_700_000_040_000;

function check(serviceId: string, at: number, overrides: Partial<Omit<CheckRecord, "kind" | "serviceId" | "at">> = {}): CheckRecord {
  return { kind: "check", serviceId, at, status: "up", latencyMs: 1.5, detail: "", inOutage: false, maxSpanMs: 3_000, ...overrides };
}

function pause(serviceId: string, at: number): PauseMarker {
  return { kind: "pause", serviceId, at };
}

function change(serviceId: string, at: number, status: "up" | "down", previous: Status = status === "up" ? "down" : "up"): StatusChangeRecord {
  return { serviceId, at, previous, status, detail: status === "down" ? "connection refused" : "" };
}

function tail(serviceId: string, at: number, state: RollupTail["state"], maxSpanMs: number): RollupTail {
  return { serviceId, at, state, maxSpanMs };
}

/** A bucket whose numbers are all distinct, so a swapped column shows. */
function bucket(serviceId: string, resolution: RollupResolution, startMs: number, latencies: number[], codes: [number, number][]): RollupBucket {
  const latency = createLatencySketch();
  for (const ms of latencies) addLatency(latency, ms);
  const checks = latencies.length + 3;
  return {
    serviceId,
    resolution,
    startMs,
    checks,
    upChecks: latencies.length,
    downChecks: 3,
    outageChecks: 1,
    upMs: 41_000.5,
    downMs: 17_000,
    excludedMs: 2_000,
    latency,
    statusCodes: new Map(codes),
  };
}

function query(serviceId: string, overrides: Partial<HistoryRecordQuery> = {}): HistoryRecordQuery {
  return { serviceId, startMs: 0, endMs: T0 + 10_000_000, limit: 100, ...overrides };
}

function changeQuery(serviceId: string, overrides: Partial<StatusChangeQuery> = {}): StatusChangeQuery {
  return { serviceId, startMs: 0, endMs: T0 + 10_000_000, limit: 100, ...overrides };
}

function retentionCut(overrides: Partial<RetentionCut>): RetentionCut {
  return { recordsBefore: 0, statusChangesBefore: 0, minuteBefore: 0, hourBefore: 0, dayBefore: 0, ...overrides };
}

function withoutId<T extends { id: number }>(row: T): Omit<T, "id"> {
  const { id: _id, ...rest } = row;
  return rest;
}

/** lastFailure's changes without ids: a backend may return them as stored. */
function failure(found: StatsSnapshot["lastFailure"]): unknown {
  if (found === undefined) return undefined;
  const strip = (c: StatusChangeRecord): StatusChangeRecord => ("id" in c ? withoutId(c as Stored<StatusChangeRecord>) : c);
  return { start: strip(found.start), end: found.end === undefined ? undefined : strip(found.end) };
}

function expectAscendingIds(rows: readonly { id: number }[]): void {
  for (let i = 1; i < rows.length; i++) expect(rows[i]!.id).toBeGreaterThan(rows[i - 1]!.id);
}

const RESOLUTION_ORDER: Record<RollupResolution, number> = { minute: 0, hour: 1, day: 2 };

function sortBuckets(buckets: RollupBucket[]): RollupBucket[] {
  return [...buckets].sort(
    (a, b) => a.serviceId.localeCompare(b.serviceId) || RESOLUTION_ORDER[a.resolution] - RESOLUTION_ORDER[b.resolution] || a.startMs - b.startMs,
  );
}
