import type { HistoryCursor, HistoryRecord, RollupBucket, RollupTail, StatusChangeRecord, Stored } from "../../server/domain/history-types.js";
import { bucketKey, emptyBucket, mergeBucket } from "../../server/domain/rollup-fold.js";
import type { HistoryRecordQuery, HistoryStore, StatsSnapshot, StatsSnapshotQuery, StatusChangeQuery } from "../../server/store/history-store.js";

/**
 * A HistoryStore in arrays, for query tests that need none of SQL's
 * durability: the reads the stats and paging use, with the contract's
 * ordering (newest first by (at, id); ids ascending across services). Retention
 * is not here (it throws). Buckets are copied in and out, as a real store's
 * rows would be.
 */
export function createMemoryHistoryStore(): HistoryStore {
  const records: Stored<HistoryRecord>[] = [];
  /** Each service's rows ascending by (at, id), so a page is a binary search and a short walk back. */
  const byService = new Map<string, Stored<HistoryRecord>[]>();
  const changes: Stored<StatusChangeRecord>[] = [];
  const buckets = new Map<string, RollupBucket>();
  const tails = new Map<string, RollupTail>();
  let watermark = 0;
  let nextId = 1;
  let nextChangeId = 1;

  const newestFirst = (a: { at: number; id: number }, b: { at: number; id: number }) => b.at - a.at || b.id - a.id;
  const olderThan = (row: { at: number; id: number }, cursor: HistoryCursor | undefined) =>
    cursor === undefined || row.at < cursor.at || (row.at === cursor.at && row.id < cursor.id);
  const copy = (b: RollupBucket): RollupBucket => {
    const out = emptyBucket(b.serviceId, b.resolution, b.startMs);
    mergeBucket(out, b);
    return out;
  };
  const statusOf = (r: HistoryRecord) => (r.kind === "pause" ? "pause" : r.status);
  /** The index of the first row at or after `key` in (at, id) order. */
  const firstNotBefore = (rows: readonly Stored<HistoryRecord>[], key: HistoryCursor) => {
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const r = rows[mid]!;
      if (r.at < key.at || (r.at === key.at && r.id < key.id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const unsupported = (what: string) => () => Promise.reject(new Error(`${what} is not in the memory history store`));

  return {
    async append(newRecords, newChanges) {
      for (const r of newRecords) {
        const row = { ...r, id: nextId++ };
        records.push(row);
        let rows = byService.get(row.serviceId);
        if (rows === undefined) byService.set(row.serviceId, (rows = []));
        rows.splice(firstNotBefore(rows, row), 0, row);
      }
      for (const c of newChanges) changes.push({ ...c, id: nextChangeId++ });
    },
    async listRecords(q: HistoryRecordQuery) {
      const rows = byService.get(q.serviceId) ?? [];
      const out: Stored<HistoryRecord>[] = [];
      for (let i = firstNotBefore(rows, q.before ?? { at: q.endMs, id: 0 }) - 1; i >= 0 && out.length < q.limit; i--) {
        const r = rows[i]!;
        if (r.at < q.startMs) break;
        if (r.at < q.endMs && (q.statuses === undefined || q.statuses.has(statusOf(r)))) out.push(r);
      }
      return out;
    },
    async listStatusChanges(q: StatusChangeQuery) {
      return changes
        .filter((c) => c.serviceId === q.serviceId && c.at >= q.startMs && c.at < q.endMs && olderThan(c, q.before))
        .sort(newestFirst)
        .slice(0, q.limit);
    },
    async nextStatusChange(serviceId, cursor) {
      return changes
        .filter((c) => c.serviceId === serviceId && (c.at > cursor.at || (c.at === cursor.at && c.id > cursor.id)))
        .sort((a, b) => a.at - b.at || a.id - b.id)[0];
    },
    async rollupWatermark() {
      return watermark;
    },
    async recordsAfter(afterId, limit) {
      return records.filter((r) => r.id > afterId).slice(0, limit);
    },
    async readTails(serviceIds) {
      return serviceIds.flatMap((id) => (tails.has(id) ? [tails.get(id)!] : []));
    },
    async readBuckets(keys) {
      return keys.flatMap((k) => {
        const b = buckets.get(bucketKey(k.serviceId, k.resolution, k.startMs));
        return b === undefined ? [] : [copy(b)];
      });
    },
    async writeRollups(pass) {
      for (const b of pass.buckets) buckets.set(bucketKey(b.serviceId, b.resolution, b.startMs), copy(b));
      for (const t of pass.tails) tails.set(t.serviceId, t);
      watermark = Math.max(watermark, pass.watermark);
    },
    async readStatsSnapshot(q: StatsSnapshotQuery): Promise<StatsSnapshot> {
      const order = ["minute", "hour", "day"];
      const serviceChanges = changes.filter((c) => c.serviceId === q.serviceId).sort((a, b) => a.at - b.at || a.id - b.id);
      const lastDown = serviceChanges.findLastIndex((c) => c.status === "down" && c.at < q.endMs);
      return {
        buckets: [...buckets.values()]
          .filter((b) => b.serviceId === q.serviceId && q.ranges.some((r) => r.resolution === b.resolution && b.startMs >= r.startMs && b.startMs < r.endMs))
          .sort((a, b) => order.indexOf(a.resolution) - order.indexOf(b.resolution) || a.startMs - b.startMs)
          .map(copy),
        watermark,
        tail: tails.get(q.serviceId),
        unrolled: records.filter((r) => r.serviceId === q.serviceId && r.id > watermark),
        changes: serviceChanges.filter((c) => c.at >= q.changesStartMs && c.at < q.endMs),
        lastFailure: lastDown < 0 ? undefined : { start: serviceChanges[lastDown]!, end: serviceChanges[lastDown + 1] },
      };
    },
    prune: unsupported("prune"),
    forgetService: unsupported("forgetService"),
    serviceIdsWithHistory: unsupported("serviceIdsWithHistory"),
  };
}
