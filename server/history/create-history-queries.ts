import { composeStats, type CurrentObservation } from "../domain/compose-stats.js";
import { bucketStart, RESOLUTION_MS, type HistoryCursor, type StatusChangeRecord, type Stored } from "../domain/history-types.js";
import { coverWindow } from "../domain/stats-window.js";
import type { Millis } from "../domain/types.js";
import type { HistoryStore, StatsSnapshot } from "../store/history-store.js";
import type { HistoryQueries, Page, StatusChangeEntry } from "./history-queries.js";

/** How long each rollup resolution is kept (the server's retention flags). */
export interface RollupRetention {
  readonly minuteMs: number;
  readonly hourMs: number;
  /** Day buckets are read wherever they are; windows reaching past this count that time unknown. */
  readonly dayMs: number;
}

export interface HistoryQueriesOptions {
  readonly store: HistoryStore;
  /** The engine's observation of a service now; undefined for one it does not know. */
  readonly current: (serviceId: string) => CurrentObservation | undefined;
  readonly now: () => Millis;
  readonly retention: RollupRetention;
}

/** How many status changes one look-up of a past window's last failure reads per page. */
const LAST_FAILURE_PAGE = 20;

/**
 * The history RPCs' reads over a HistoryStore: keyset pages (one row more
 * than asked, to know whether another page follows), and stats composed from
 * one consistent snapshot of the rollups that cover the window.
 */
export function createHistoryQueries({ store, current, now, retention }: HistoryQueriesOptions): HistoryQueries {
  return {
    async listCheckResults(query) {
      const rows = await store.listRecords({
        serviceId: query.serviceId,
        startMs: query.startMs,
        endMs: query.endMs,
        limit: query.pageSize + 1,
        ...(query.statuses === undefined ? {} : { statuses: query.statuses }),
        ...(query.after === undefined ? {} : { before: query.after }),
      });
      return pageOf(rows, query.pageSize);
    },

    async getServiceStats({ serviceId, startMs: askedStartMs, endMs }) {
      const nowMs = now();
      // Nothing is kept before the day rollups' retention: a start before it
      // (the API takes any time) is covered from there, and says so in the
      // answer's start, instead of walking millennia of empty days.
      const startMs = Math.max(askedStartMs, bucketStart("day", nowMs - retention.dayMs) - RESOLUTION_MS.day);
      // Read the retention bounds as of now: a bucket older than them may be half pruned.
      const cover = coverWindow({ startMs, endMs }, nowMs, {
        minuteKeptFromMs: nowMs - retention.minuteMs,
        hourKeptFromMs: nowMs - retention.hourMs,
      });
      let snapshot = await store.readStatsSnapshot({ serviceId, ranges: cover.ranges, changesStartMs: cover.startMs, endMs: cover.endMs });
      // The current streak is about now: a past window's snapshot has the last failure before its end only.
      if (cover.endMs < nowMs) snapshot = { ...snapshot, lastFailure: await lastFailureBefore(store, serviceId, nowMs) };
      return composeStats({ serviceId, snapshot, cover, current: current(serviceId) });
    },

    async listStatusChanges(query) {
      const rows = await store.listStatusChanges({
        serviceId: query.serviceId,
        startMs: query.startMs,
        endMs: query.endMs,
        limit: query.pageSize + 1,
        ...(query.after === undefined ? {} : { before: query.after }),
      });
      const page = pageOf(rows, query.pageSize);
      if (page.items.length === 0) return { items: [], next: page.next };
      // Each status lasted until the newer neighbour's change; the page's newest one's
      // neighbour is outside the page (or the window), and the newest of all goes on.
      const newest = page.items[0]!;
      const after = await store.nextStatusChange(query.serviceId, cursorOf(newest));
      const nowMs = now();
      const items: StatusChangeEntry[] = page.items.map((change, i) => {
        const ended = i > 0 ? page.items[i - 1]! : after;
        return ended === undefined
          ? { change, durationMs: Math.max(0, nowMs - change.at), ongoing: true }
          : { change, durationMs: Math.max(0, ended.at - change.at), ongoing: false };
      });
      return { items, next: page.next };
    },
  };
}

/** The first `pageSize` of rows read with one extra; the cursor is the last row shown when more follow. */
function pageOf<T extends { readonly at: Millis; readonly id: number }>(rows: readonly T[], pageSize: number): Page<T> {
  const items = rows.slice(0, pageSize);
  return { items, next: rows.length > pageSize ? cursorOf(items.at(-1)!) : undefined };
}

function cursorOf(row: { readonly at: Millis; readonly id: number }): HistoryCursor {
  return { at: row.at, id: row.id };
}

/**
 * The newest change to down before `beforeMs` and the change after it (its
 * end), walking back from the newest change: a few rows, as changes to down
 * and back up alternate (two "up"s in a row only around a pause or restart).
 */
async function lastFailureBefore(store: HistoryStore, serviceId: string, beforeMs: Millis): Promise<StatsSnapshot["lastFailure"]> {
  let newer: Stored<StatusChangeRecord> | undefined;
  let before: HistoryCursor | undefined;
  for (;;) {
    const rows = await store.listStatusChanges({
      serviceId,
      startMs: 0,
      endMs: beforeMs,
      limit: LAST_FAILURE_PAGE,
      ...(before === undefined ? {} : { before }),
    });
    for (const row of rows) {
      if (row.status === "down") return { start: row, end: newer };
      newer = row;
    }
    if (rows.length < LAST_FAILURE_PAGE) return undefined;
    before = cursorOf(rows.at(-1)!);
  }
}
