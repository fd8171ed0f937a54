import type {
  HistoryCursor,
  HistoryRecord,
  ServiceStats,
  StatusChangeRecord,
  Stored,
} from "../domain/history-types.js";
import type { Millis } from "../domain/types.js";

export interface CheckResultsPageQuery {
  readonly serviceId: string;
  readonly startMs: Millis;
  readonly endMs: Millis;
  /** undefined: every row. */
  readonly statuses?: ReadonlySet<"up" | "down" | "pause">;
  readonly pageSize: number;
  readonly after?: HistoryCursor;
}

export interface StatusChangesPageQuery {
  readonly serviceId: string;
  readonly startMs: Millis;
  readonly endMs: Millis;
  readonly pageSize: number;
  readonly after?: HistoryCursor;
}

/** A status change with how long its status lasted. */
export interface StatusChangeEntry {
  readonly change: Stored<StatusChangeRecord>;
  /** Until the next change, or until now. */
  readonly durationMs: number;
  readonly ongoing: boolean;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** The cursor for the next page; undefined on the last. */
  readonly next: HistoryCursor | undefined;
}

/**
 * What the history RPCs ask (ListCheckResults, GetServiceStats,
 * ListStatusChanges). The handlers validate and map; this reads the history
 * store and the rollups. The service's existence is the handler's concern.
 */
export interface HistoryQueries {
  listCheckResults(query: CheckResultsPageQuery): Promise<Page<Stored<HistoryRecord>>>;
  /** Stats over [startMs, endMs) as of `now` (endMs ≤ now). */
  getServiceStats(query: { readonly serviceId: string; readonly startMs: Millis; readonly endMs: Millis }): Promise<ServiceStats>;
  listStatusChanges(query: StatusChangesPageQuery): Promise<Page<StatusChangeEntry>>;
}
