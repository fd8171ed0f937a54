import type { HistoryRecord, ServiceStats, Stored } from "../../server/domain/history-types.js";
import type {
  CheckResultsPageQuery,
  HistoryQueries,
  Page,
  StatusChangeEntry,
  StatusChangesPageQuery,
} from "../../server/history/history-queries.js";

/**
 * A HistoryQueries over arrays the test fills, for handler tests: pages are
 * cut newest first by (at, id) as the stores do, inside [startMs, endMs)
 * and the status filter, and every query is recorded for the test to read.
 */
export function createFakeHistoryQueries() {
  const checkResults: Stored<HistoryRecord>[] = [];
  const statusChanges: StatusChangeEntry[] = [];
  const queries: Array<
    | { readonly rpc: "listCheckResults"; readonly query: CheckResultsPageQuery }
    | { readonly rpc: "getServiceStats"; readonly query: { serviceId: string; startMs: number; endMs: number } }
    | { readonly rpc: "listStatusChanges"; readonly query: StatusChangesPageQuery }
  > = [];
  /** What getServiceStats answers; by default empty stats of the window asked. */
  let stats: ((query: { serviceId: string; startMs: number; endMs: number }) => ServiceStats) | undefined;

  const newestFirst = (a: { at: number; id: number }, b: { at: number; id: number }) => b.at - a.at || b.id - a.id;
  const before = (row: { at: number; id: number }, after: { at: number; id: number } | undefined) =>
    after === undefined || row.at < after.at || (row.at === after.at && row.id < after.id);

  function cut<T>(rows: T[], key: (row: T) => { at: number; id: number }, pageSize: number): Page<T> {
    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    return { items: page, next: rows.length > pageSize && last !== undefined ? key(last) : undefined };
  }

  const history: HistoryQueries = {
    async listCheckResults(query) {
      queries.push({ rpc: "listCheckResults", query });
      const rows = checkResults
        .filter((r) => r.serviceId === query.serviceId && r.at >= query.startMs && r.at < query.endMs)
        .filter((r) => query.statuses === undefined || query.statuses.has(r.kind === "pause" ? "pause" : r.status))
        .filter((r) => before(r, query.after))
        .sort(newestFirst);
      return cut(rows, (r) => ({ at: r.at, id: r.id }), query.pageSize);
    },
    async getServiceStats(query) {
      queries.push({ rpc: "getServiceStats", query });
      return stats?.(query) ?? emptyStats(query);
    },
    async listStatusChanges(query) {
      queries.push({ rpc: "listStatusChanges", query });
      const key = (e: StatusChangeEntry) => ({ at: e.change.at, id: e.change.id });
      const rows = statusChanges
        .filter((e) => e.change.serviceId === query.serviceId && e.change.at >= query.startMs && e.change.at < query.endMs)
        .filter((e) => before(key(e), query.after))
        .sort((a, b) => newestFirst(key(a), key(b)));
      return cut(rows, key, query.pageSize);
    },
  };
  return {
    history,
    checkResults,
    statusChanges,
    queries,
    setStats(answer: (query: { serviceId: string; startMs: number; endMs: number }) => ServiceStats) {
      stats = answer;
    },
  };
}

export type FakeHistoryQueries = ReturnType<typeof createFakeHistoryQueries>;

/** Stats of a window that holds nothing. */
export function emptyStats(query: { serviceId: string; startMs: number; endMs: number }): ServiceStats {
  return {
    serviceId: query.serviceId,
    startMs: query.startMs,
    endMs: query.endMs,
    availability: undefined,
    upMs: 0,
    downMs: 0,
    excludedMs: 0,
    unknownMs: query.endMs - query.startMs,
    checks: 0,
    upChecks: 0,
    downChecks: 0,
    outageChecks: 0,
    latency: undefined,
    statusCodes: [],
    incidents: 0,
    currentStreak: { status: "unknown", sinceMs: undefined, paused: false, lastFailure: undefined },
    bucketWidthMs: 60_000,
    buckets: [],
  };
}
