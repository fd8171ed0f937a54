import type {
  HistoryRecord,
  RollupBucket,
  RollupResolution,
  RollupTail,
  StatusChangeRecord,
  Stored,
} from "../domain/history-types.js";
import { latencySketchFromJson, latencySketchToJson, type LatencySketchJson } from "../domain/latency-sketch.js";
import { isStatus } from "./caller-event-codec.js";
import { toHttpDetails } from "./http-details-codec.js";
import { failRow, httpDetailsJson, type RowKey } from "./store-rows.js";

/**
 * The history's rows on PostgreSQL (postgres-history-schema.ts): records,
 * changes, buckets and tails as the column arrays the store's `unnest`
 * inserts take, and rows (read as arrays, in the column lists below) back to
 * the domain's types. Decoding checks every column and throws RowError
 * (failRow) naming the table and row, which the store reports as a corrupt
 * database; encoding refuses a non-finite number (RangeError) before it
 * could be stored as PostgreSQL's 'NaN'.
 */

export const RECORD_COLUMNS = "id, service_id, at_ms, status, latency_ms, detail, in_outage, max_span_ms, http";
export type RecordRow = [
  id: number,
  serviceId: string,
  atMs: number,
  status: string,
  latencyMs: number | null,
  detail: string | null,
  inOutage: boolean | null,
  maxSpanMs: number | null,
  http: unknown,
];

export const CHANGE_COLUMNS = "id, service_id, at_ms, previous, status, detail";
export type ChangeRow = [id: number, serviceId: string, atMs: number, previous: string, status: string, detail: string];

export const BUCKET_COLUMNS =
  "service_id, resolution, start_ms, checks, up_checks, down_checks, outage_checks, up_ms, down_ms, excluded_ms, latency, status_codes";
export type BucketRow = [
  serviceId: string,
  resolution: string,
  startMs: number,
  checks: number,
  upChecks: number,
  downChecks: number,
  outageChecks: number,
  upMs: number,
  downMs: number,
  excludedMs: number,
  latency: unknown,
  statusCodes: unknown,
];

export const TAIL_COLUMNS = "service_id, at_ms, state, max_span_ms";
export type TailRow = [serviceId: string, atMs: number, state: string, maxSpanMs: number];

function finite(value: number, what: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new RangeError(`${what} must be a finite number, got ${String(value)}`);
  return value;
}

function count(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative integer, got ${String(value)}`);
  return value;
}

/** check_results' columns (without id) as one array each, in the order of `records`. */
export function recordColumns(records: readonly HistoryRecord[]): unknown[][] {
  const serviceIds: string[] = [];
  const ats: number[] = [];
  const statuses: string[] = [];
  const latencies: (number | null)[] = [];
  const details: (string | null)[] = [];
  const inOutages: (boolean | null)[] = [];
  const maxSpans: (number | null)[] = [];
  const https: (string | null)[] = [];
  for (const record of records) {
    const what = `history record of service ${record.serviceId}`;
    serviceIds.push(record.serviceId);
    ats.push(finite(record.at, `${what}: at`));
    if (record.kind === "pause") {
      statuses.push("pause");
      latencies.push(null);
      details.push(null);
      inOutages.push(null);
      maxSpans.push(null);
      https.push(null);
    } else {
      statuses.push(record.status);
      latencies.push(finite(record.latencyMs, `${what}: latencyMs`));
      details.push(record.detail);
      inOutages.push(record.inOutage);
      maxSpans.push(finite(record.maxSpanMs, `${what}: maxSpanMs`));
      // As text: the driver would send a JS array inside a jsonb[] as a PostgreSQL array.
      const http = httpDetailsJson(record.http);
      https.push(http === null ? null : JSON.stringify(http));
    }
  }
  return [serviceIds, ats, statuses, latencies, details, inOutages, maxSpans, https];
}

/** status_changes' columns (without id) as one array each, in the order of `changes`. */
export function changeColumns(changes: readonly StatusChangeRecord[]): unknown[][] {
  return [
    changes.map((c) => c.serviceId),
    changes.map((c) => finite(c.at, `status change of service ${c.serviceId}: at`)),
    changes.map((c) => c.previous),
    changes.map((c) => c.status),
    changes.map((c) => c.detail),
  ];
}

/** The last bucket per key: one upsert may not touch a row twice. */
export function bucketColumns(buckets: readonly RollupBucket[]): unknown[][] {
  const last = new Map<string, RollupBucket>();
  for (const b of buckets) last.set(`${b.serviceId}\0${b.resolution}\0${b.startMs}`, b);
  const rows = [...last.values()];
  const what = (b: RollupBucket, field: string): string => `rollup ${b.resolution} ${b.startMs} of service ${b.serviceId}: ${field}`;
  return [
    rows.map((b) => b.serviceId),
    rows.map((b) => b.resolution),
    rows.map((b) => finite(b.startMs, what(b, "startMs"))),
    rows.map((b) => count(b.checks, what(b, "checks"))),
    rows.map((b) => count(b.upChecks, what(b, "upChecks"))),
    rows.map((b) => count(b.downChecks, what(b, "downChecks"))),
    rows.map((b) => count(b.outageChecks, what(b, "outageChecks"))),
    rows.map((b) => finite(b.upMs, what(b, "upMs"))),
    rows.map((b) => finite(b.downMs, what(b, "downMs"))),
    rows.map((b) => finite(b.excludedMs, what(b, "excludedMs"))),
    rows.map((b) => JSON.stringify(latencySketchToJson(b.latency))),
    rows.map((b) => JSON.stringify([...b.statusCodes].sort((x, y) => x[0] - y[0]))),
  ];
}

/** The last tail per service. */
export function tailColumns(tails: readonly RollupTail[]): unknown[][] {
  const rows = [...new Map(tails.map((t) => [t.serviceId, t])).values()];
  return [
    rows.map((t) => t.serviceId),
    rows.map((t) => finite(t.at, `rollup tail of service ${t.serviceId}: at`)),
    rows.map((t) => t.state),
    rows.map((t) => finite(t.maxSpanMs, `rollup tail of service ${t.serviceId}: maxSpanMs`)),
  ];
}

/** A bigint id, parsed to a number by the store's type parser: it must have fitted. */
function rowId(value: number, table: string): number {
  if (!Number.isSafeInteger(value) || value < 1) failRow(table, () => `id ${String(value)}`, "id is not a positive integer below 2^53");
  return value;
}

function notNull<T>(value: T | null, table: string, key: RowKey, column: string): T {
  if (value === null) failRow(table, key, `${column} is NULL`);
  return value;
}

export function decodeRecord(row: RecordRow): Stored<HistoryRecord> {
  const [rawId, serviceId, at, status, latencyMs, detail, inOutage, maxSpanMs, http] = row;
  const id = rowId(rawId, "check_results");
  const key: RowKey = () => `id ${id}`;
  if (status === "pause") return { id, kind: "pause", serviceId, at };
  if (status !== "up" && status !== "down") return failRow("check_results", key, `status ${JSON.stringify(status)} is not up, down or pause`);
  const record = {
    id,
    kind: "check" as const,
    serviceId,
    at,
    status: status as "up" | "down",
    latencyMs: notNull(latencyMs, "check_results", key, "latency_ms"),
    detail: notNull(detail, "check_results", key, "detail"),
    inOutage: notNull(inOutage, "check_results", key, "in_outage"),
    maxSpanMs: notNull(maxSpanMs, "check_results", key, "max_span_ms"),
  };
  if (http === null) return record;
  const details = toHttpDetails(http, (field, rule) => failRow("check_results", key, `${field === "" ? "http" : `http.${field}`}: ${rule}`));
  return { ...record, http: details };
}

export function decodeChange(row: ChangeRow): Stored<StatusChangeRecord> {
  const [rawId, serviceId, at, previous, status, detail] = row;
  const id = rowId(rawId, "status_changes");
  const key: RowKey = () => `id ${id}`;
  if (!isStatus(previous)) failRow("status_changes", key, `previous ${JSON.stringify(previous)} is not unknown, up or down`);
  if (status !== "up" && status !== "down") failRow("status_changes", key, `status ${JSON.stringify(status)} is not up or down`);
  return { id, serviceId, at, previous, status, detail };
}

function isResolution(value: string): value is RollupResolution {
  return value === "minute" || value === "hour" || value === "day";
}

export function decodeBucket(row: BucketRow): RollupBucket {
  const [serviceId, resolution, startMs, checks, upChecks, downChecks, outageChecks, upMs, downMs, excludedMs, latency, statusCodes] = row;
  const key: RowKey = () => `service_id ${JSON.stringify(serviceId)} resolution ${resolution} start_ms ${startMs}`;
  if (!isResolution(resolution)) failRow("rollups", key, `resolution ${JSON.stringify(resolution)} is not minute, hour or day`);
  let sketch;
  try {
    sketch = latencySketchFromJson(latency as LatencySketchJson);
  } catch (err) {
    failRow("rollups", key, `latency: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!Array.isArray(statusCodes)) failRow("rollups", key, "status_codes is not an array");
  const codes = new Map<number, number>();
  for (const pair of statusCodes as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((n) => Number.isSafeInteger(n) && (n as number) >= 0)) {
      failRow("rollups", key, `status_codes entry ${JSON.stringify(pair)} is not [code, count]`);
    }
    codes.set(pair[0] as number, pair[1] as number);
  }
  return {
    serviceId,
    resolution,
    startMs,
    checks,
    upChecks,
    downChecks,
    outageChecks,
    upMs,
    downMs,
    excludedMs,
    latency: sketch,
    statusCodes: codes,
  };
}

export function decodeTail(row: TailRow): RollupTail {
  const [serviceId, at, state, maxSpanMs] = row;
  if (state !== "up" && state !== "down" && state !== "excluded") {
    failRow("rollup_tails", () => `service_id ${JSON.stringify(serviceId)}`, `state ${JSON.stringify(state)} is not up, down or excluded`);
  }
  return { serviceId, at, state, maxSpanMs };
}
