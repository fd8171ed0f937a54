import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { CheckResult } from "../gen/monitor/v1/resources_pb.js";
import { toMillis } from "../to-millis.js";
import { formatTable } from "./format-table.js";
import { formatLatency, paintStatus, type Paint } from "./format-values.js";

/**
 * One history row as table cells: time, status, latency, HTTP status code
 * and detail. A pause marker is PAUSED with no latency (nothing was checked);
 * a check inside a planned outage says so beside its status, since its time
 * counts in no availability.
 */
export function checkResultCells(result: CheckResult, paint: Paint): { time: string; status: string; latency: string; http: string; detail: string } {
  const time = result.checkTime === undefined ? "-" : timestampDate(result.checkTime).toISOString();
  if (result.paused) return { time, status: paint.yellow("PAUSED"), latency: "-", http: "-", detail: result.detail || "paused" };
  const outage = result.inPlannedOutage ? paint.yellow(" (outage)") : "";
  const http = result.http === undefined ? "-" : result.http.statusCode === 0 ? "none" : String(result.http.statusCode);
  return {
    time,
    status: paintStatus(paint, result.status) + outage,
    latency: formatLatency(toMillis(result.latency)),
    http,
    detail: result.detail,
  };
}

/**
 * `monitorctl history`: a table of check results in the order given (the API
 * answers newest first). The HTTP column appears only when some row is an
 * HTTP check, so a TCP service's history carries no column of dashes.
 *
 *     TIME                      STATUS  LATENCY  HTTP  DETAIL
 *     2026-12-02T04:10:05.001Z  UP      4.75ms   200
 *     2026-12-02T04:10:04.001Z  DOWN    12ms     503   status 503 not in 200-399
 *     2026-12-02T04:09:00.000Z  PAUSED  -        -     paused
 */
export function formatCheckResults(results: readonly CheckResult[], paint: Paint): string {
  const withHttp = results.some((r) => r.http !== undefined);
  const header = withHttp ? ["TIME", "STATUS", "LATENCY", "HTTP", "DETAIL"] : ["TIME", "STATUS", "LATENCY", "DETAIL"];
  const rows = results.map((r) => {
    const c = checkResultCells(r, paint);
    return withHttp ? [c.time, c.status, c.latency, c.http, c.detail] : [c.time, c.status, c.latency, c.detail];
  });
  return formatTable(header, rows);
}
