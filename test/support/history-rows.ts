import type { GrpcJsClients } from "./grpc-js-client.js";

/**
 * The history RPCs as grpc-js sees them (proto-loader, keepCase, enums as
 * names, int64 as strings): plain shapes, readers for their timestamps and
 * durations, a page walker, and an oracle that adds up a list of check
 * results the way the stats are defined (each row stands until the next one,
 * at most its cap), to check GetServiceStats against the rows themselves.
 */

/** A google.protobuf.Timestamp or Duration from grpc-js. */
export interface GrpcTime {
  readonly seconds: string;
  readonly nanos: number;
}

/** A CheckResult from grpc-js. */
export interface GrpcCheckResult {
  readonly check_time: GrpcTime;
  /** "SERVICE_STATUS_UP", "SERVICE_STATUS_DOWN", "SERVICE_STATUS_UNSPECIFIED" (pause marker). */
  readonly status: string;
  readonly latency: GrpcTime | null;
  readonly detail: string;
  readonly in_planned_outage: boolean;
  readonly paused: boolean;
}

export interface GrpcCheckResultsPage {
  readonly results: readonly GrpcCheckResult[];
  readonly next_page_token: string;
}

/** Epoch ms of a grpc-js Timestamp (fractional, as sent). */
export const msOf = (t: GrpcTime): number => Number(t.seconds) * 1000 + t.nanos / 1e6;

/** Milliseconds of a Duration, from grpc-js or Connect (`seconds` a string or a bigint); 0 when unset. */
export const durationMs = (d: { readonly seconds: string | bigint; readonly nanos: number } | null | undefined): number =>
  d === null || d === undefined ? 0 : Number(d.seconds) * 1000 + d.nanos / 1e6;

/** Every page of ListCheckResults over grpc-js, concatenated (newest first), and how many pages it took. */
export async function listAllCheckResults(
  grpcJs: GrpcJsClients,
  request: Record<string, unknown>,
): Promise<{ results: GrpcCheckResult[]; pages: number }> {
  const results: GrpcCheckResult[] = [];
  let pageToken = "";
  let pages = 0;
  do {
    const page = await grpcJs.unary<GrpcCheckResultsPage>("management", "ListCheckResults", { ...request, page_token: pageToken });
    results.push(...page.results);
    pageToken = page.next_page_token;
    pages += 1;
  } while (pageToken !== "");
  return { results, pages };
}

export interface SpanTotals {
  upMs: number;
  downMs: number;
  excludedMs: number;
}

/**
 * Up, down and excluded time of `[startMs, endMs)` from check results
 * (any order): each stands from its check_time until the next one's, at most
 * `maxSpanMs` (the newest until endMs, with the same cap); a check in a
 * planned outage, and a pause marker, count as excluded (a pause without a
 * cap). The stats' definition, computed independently of the server's fold.
 */
export function spanTotals(results: readonly GrpcCheckResult[], startMs: number, endMs: number, maxSpanMs: number): SpanTotals {
  const rows = [...results].sort((a, b) => msOf(a.check_time) - msOf(b.check_time));
  const totals: SpanTotals = { upMs: 0, downMs: 0, excludedMs: 0 };
  rows.forEach((row, i) => {
    const at = msOf(row.check_time);
    const next = i + 1 < rows.length ? msOf(rows[i + 1]!.check_time) : endMs;
    const until = row.paused ? next : Math.min(next, at + maxSpanMs);
    const span = Math.max(0, Math.min(until, endMs) - Math.max(at, startMs));
    if (row.paused || row.in_planned_outage) totals.excludedMs += span;
    else if (row.status === "SERVICE_STATUS_UP") totals.upMs += span;
    else totals.downMs += span;
  });
  return totals;
}
