import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { DEFAULTS, LIMITS } from "../domain/field-rules.js";
import type { HistoryCursor } from "../domain/history-types.js";
import { invalidArgument } from "../domain/monitor-error.js";
import type { Millis } from "../domain/types.js";
import { decodeHistoryPageToken, encodeHistoryPageToken } from "./history-page-token.js";
import { checkOptionalTime, checkServiceId } from "./validate.js";

/** The fields ListCheckResults and ListStatusChanges share. */
export interface HistoryListFields {
  readonly serviceId: string;
  readonly startTime?: Timestamp | undefined;
  readonly endTime?: Timestamp | undefined;
  readonly pageSize: number;
  readonly pageToken: string;
}

/** A history list request, checked and resolved: what to ask HistoryQueries. */
export interface HistoryListQuery {
  readonly serviceId: string;
  readonly startMs: Millis;
  /** end_time, or the first page's "now" (pinned in the token). */
  readonly endMs: Millis;
  readonly pageSize: number;
  readonly after?: HistoryCursor;
  /** Makes the token for the page after the one ending at `next` ("" when there is none). */
  readonly nextPageToken: (next: HistoryCursor | undefined) => string;
}

/** page_size: 0 means the default (100); otherwise 1 to 1000, refused beyond rather than capped. */
export function checkHistoryPageSize(pageSize: number): number {
  if (pageSize === 0) return DEFAULTS.historyPageSize;
  const { min, max } = LIMITS.historyPageSize;
  if (!Number.isInteger(pageSize) || pageSize < min || pageSize > max) {
    throw invalidArgument("page_size", `must be between ${min} and ${max} (0 for ${DEFAULTS.historyPageSize}), got ${pageSize}`);
  }
  return pageSize;
}

/**
 * Checks a history list request and resolves its window: start_time unset is
 * 0 (the oldest row kept), end_time unset is `now` on the first page and the
 * first page's `now` on every later one. `rpc` and `filter` (the request's
 * other selecting fields, normalized) go into the token's fingerprint, so a
 * token is only accepted by the RPC and query it came from.
 * Throws invalid_argument naming the field.
 */
export function checkHistoryListRequest(
  rpc: string,
  req: HistoryListFields,
  now: Millis,
  filter: readonly string[] = [],
): HistoryListQuery {
  const serviceId = checkServiceId(req.serviceId);
  const startMs = checkOptionalTime(req.startTime, "start_time") ?? 0;
  const askedEndMs = checkOptionalTime(req.endTime, "end_time");
  const pageSize = checkHistoryPageSize(req.pageSize);
  // The end as asked (null: unset), not as resolved: page 2 of an open-ended
  // query is asked with end_time unset again, and must match.
  const query = JSON.stringify([rpc, serviceId, startMs, askedEndMs ?? null, filter]);
  const state = req.pageToken === "" ? undefined : decodeHistoryPageToken(req.pageToken, query);
  const endMs = state?.endMs ?? askedEndMs ?? now;
  if (endMs <= startMs) {
    throw invalidArgument("end_time", `must be after start_time${askedEndMs === undefined ? " (unset, end_time is now)" : ""}`);
  }
  return {
    serviceId,
    startMs,
    endMs,
    pageSize,
    ...(state === undefined ? {} : { after: state.after }),
    nextPageToken: (next) => (next === undefined ? "" : encodeHistoryPageToken(query, { endMs, after: next })),
  };
}
