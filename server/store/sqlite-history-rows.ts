import type {
  HistoryRecord,
  RollupBucket,
  RollupResolution,
  RollupTail,
  StatusChangeRecord,
  Stored,
} from "../domain/history-types.js";
import { latencySketchFromJson, latencySketchToJson, type LatencySketchJson } from "../domain/latency-sketch.js";
import type { HttpCheckDetails, Status } from "../domain/types.js";
import { toHttpDetails } from "./http-details-codec.js";
import { RowError } from "./store-rows.js";

/**
 * The history's rows in SQLite (sqlite-history-schema.ts says why they look
 * like this): values to bind on write, and decoders that check every column
 * read back and throw RowError naming the table and row, so a damaged row
 * fails as "corrupt" instead of reaching the stats as NaN.
 */

/** check_results columns after the service, in order: id, at_ms, state, in_outage, latency_us, max_span_ms, detail, http. */
export type CheckRow = [id: number, atMs: unknown, state: unknown, inOutage: unknown, latencyUs: unknown, maxSpanMs: unknown, detail: unknown, http: unknown];
/** status_changes: id, at_ms, previous, status, detail. */
export type ChangeRow = [id: number, atMs: unknown, previous: unknown, status: unknown, detail: unknown];
/** rollups: resolution, start_ms, the seven counts and durations, latency, status_codes. */
export type BucketRow = [resolution: unknown, startMs: unknown, ...numbers: unknown[]];
/** rollup_tails: at_ms, state, max_span_ms. */
export type TailRow = [atMs: unknown, state: unknown, maxSpanMs: unknown];

const CHECK_STATE = { up: 1, down: 2 } as const;
const STATUS_CODE: Readonly<Record<Status, number>> = { unknown: 0, up: 1, down: 2 };
const STATUSES: readonly Status[] = ["unknown", "up", "down"];
/** The codes of statusCodes' resolutions, in width order. */
export const RESOLUTION_CODE: Readonly<Record<RollupResolution, number>> = { minute: 0, hour: 1, day: 2 };
const RESOLUTIONS: readonly RollupResolution[] = ["minute", "hour", "day"];
const TAIL_STATE: Readonly<Record<RollupTail["state"], number>> = { excluded: 0, up: 1, down: 2 };
const TAIL_STATES: readonly RollupTail["state"][] = ["excluded", "up", "down"];

/** The check_results.state of a pause marker; a check's is CHECK_STATE. */
export const PAUSE_STATE = 0;

/**
 * A status filter as a bit mask of states (bit 0 pause, 1 up, 2 down); every
 * bit for no filter, so a row with a damaged state is read (and reported),
 * not skipped.
 */
export function stateMask(statuses: ReadonlySet<"up" | "down" | "pause"> | undefined): number {
  if (statuses === undefined) return -1;
  let mask = 0;
  if (statuses.has("pause")) mask |= 1 << PAUSE_STATE;
  if (statuses.has("up")) mask |= 1 << CHECK_STATE.up;
  if (statuses.has("down")) mask |= 1 << CHECK_STATE.down;
  return mask;
}

/** Milliseconds → whole microseconds: what the latency and phase columns keep. */
function micros(ms: number): number {
  return Math.round(ms * 1_000);
}

/** The values after the service key for check_results' insert; throws RangeError for a record no row could hold. */
export function checkValues(record: HistoryRecord): (number | string | null)[] {
  if (!Number.isFinite(record.at)) throw new RangeError(`at must be a finite number, got ${record.at}`);
  if (record.kind === "pause") return [record.at, PAUSE_STATE, null, null, null, null, null];
  if (!(Number.isFinite(record.latencyMs) && record.latencyMs >= 0)) throw new RangeError(`latencyMs must be a finite number ≥ 0, got ${record.latencyMs}`);
  if (!(Number.isFinite(record.maxSpanMs) && record.maxSpanMs > 0)) throw new RangeError(`maxSpanMs must be a finite number > 0, got ${record.maxSpanMs}`);
  return [
    record.at,
    CHECK_STATE[record.status],
    record.inOutage ? 1 : 0,
    micros(record.latencyMs),
    record.maxSpanMs,
    record.detail,
    record.http === undefined ? null : encodeHttp(record.http),
  ];
}

/**
 * An HTTP check's details as a JSON array, about a quarter of the object
 * form's bytes: [statusCode|null, dnsUs, connectUs, tlsUs, firstByteUs,
 * totalUs, tlsExpiresAt|null] and, only when the body regex captured
 * anything, [captures, namedCaptures] after them.
 */
function encodeHttp(details: HttpCheckDetails): string {
  // Refuses a value that is not HttpCheckDetails here, not at every later read.
  const d = toHttpDetails(details, (field, rule) => {
    throw new RangeError(`http${field === "" ? "" : `.${field}`}: ${rule}`);
  });
  const p = d.phases;
  const fields: unknown[] = [d.statusCode ?? null, micros(p.dnsMs), micros(p.connectMs), micros(p.tlsMs), micros(p.firstByteMs), micros(p.totalMs), d.tlsExpiresAt ?? null];
  if (d.captures.length > 0 || Object.keys(d.namedCaptures).length > 0) fields.push(d.captures, d.namedCaptures);
  return JSON.stringify(fields);
}

function decodeHttp(text: unknown, fail: (why: string) => never): HttpCheckDetails {
  if (typeof text !== "string") return fail(`http is ${describe(text)}, not text`);
  let fields: unknown;
  try {
    fields = JSON.parse(text);
  } catch {
    return fail(`http is not JSON: ${describe(text)}`);
  }
  if (!Array.isArray(fields) || (fields.length !== 7 && fields.length !== 9)) return fail(`http is not a 7- or 9-field array: ${describe(text)}`);
  const us = (value: unknown) => (typeof value === "number" ? value / 1_000 : value);
  const [statusCode, dns, connect, tls, firstByte, total, tlsExpiresAt, captures = [], namedCaptures = {}] = fields as unknown[];
  return toHttpDetails(
    {
      statusCode,
      phases: { dnsMs: us(dns), connectMs: us(connect), tlsMs: us(tls), firstByteMs: us(firstByte), totalMs: us(total) },
      tlsExpiresAt,
      captures,
      namedCaptures,
    },
    (field, rule) => fail(`http ${field}: ${rule}`),
  );
}

/** A check_results row of `serviceId` (the caller resolved the key). */
export function decodeCheckRow(serviceId: string, row: CheckRow): Stored<HistoryRecord> {
  const [id, at, state, inOutage, latencyUs, maxSpanMs, detail, http] = row;
  const fail = rowFailer("check_results", id);
  const atMs = finite(at, "at_ms", fail);
  if (state === PAUSE_STATE) return { kind: "pause", serviceId, at: atMs, id };
  if (state !== CHECK_STATE.up && state !== CHECK_STATE.down) return fail(`state is ${describe(state)}, not 0, 1 or 2`);
  if (inOutage !== 0 && inOutage !== 1) return fail(`in_outage is ${describe(inOutage)}, not 0 or 1`);
  const latency = finite(latencyUs, "latency_us", fail);
  if (latency < 0) fail(`latency_us is ${latency}, below 0`);
  const span = finite(maxSpanMs, "max_span_ms", fail);
  if (!(span > 0)) fail(`max_span_ms is ${span}, not above 0`);
  if (typeof detail !== "string") return fail(`detail is ${describe(detail)}, not text`);
  return {
    kind: "check",
    serviceId,
    at: atMs,
    status: state === CHECK_STATE.up ? "up" : "down",
    latencyMs: latency / 1_000,
    detail,
    inOutage: inOutage === 1,
    maxSpanMs: span,
    ...(http === null ? {} : { http: decodeHttp(http, fail) }),
    id,
  };
}

/** The values after the service key for status_changes' insert. */
export function changeValues(change: StatusChangeRecord): (number | string)[] {
  if (!Number.isFinite(change.at)) throw new RangeError(`at must be a finite number, got ${change.at}`);
  return [change.at, STATUS_CODE[change.previous], STATUS_CODE[change.status], change.detail];
}

export function decodeChangeRow(serviceId: string, row: ChangeRow): Stored<StatusChangeRecord> {
  const [id, at, previous, status, detail] = row;
  const fail = rowFailer("status_changes", id);
  const atMs = finite(at, "at_ms", fail);
  const previousStatus = STATUSES[previous as number];
  if (typeof previous !== "number" || previousStatus === undefined) return fail(`previous is ${describe(previous)}, not 0, 1 or 2`);
  if (status !== STATUS_CODE.up && status !== STATUS_CODE.down) return fail(`status is ${describe(status)}, not 1 or 2`);
  if (typeof detail !== "string") return fail(`detail is ${describe(detail)}, not text`);
  return { serviceId, at: atMs, previous: previousStatus, status: status === STATUS_CODE.up ? "up" : "down", detail, id };
}

/** The values after the service key for rollups' insert. */
export function bucketValues(b: RollupBucket): (number | string)[] {
  return [
    RESOLUTION_CODE[b.resolution],
    b.startMs,
    b.checks,
    b.upChecks,
    b.downChecks,
    b.outageChecks,
    b.upMs,
    b.downMs,
    b.excludedMs,
    JSON.stringify(latencySketchToJson(b.latency)),
    JSON.stringify([...b.statusCodes].sort((x, y) => x[0] - y[0])),
  ];
}

const BUCKET_NUMBERS = ["checks", "up_checks", "down_checks", "outage_checks", "up_ms", "down_ms", "excluded_ms"] as const;

export function decodeBucketRow(serviceId: string, row: BucketRow): RollupBucket {
  const [resolutionCode, start, ...rest] = row;
  const resolution = RESOLUTIONS[resolutionCode as number];
  const key = () => `service_id ${JSON.stringify(serviceId)} resolution ${String(resolution ?? resolutionCode)} start_ms ${String(start)}`;
  const fail = (why: string): never => {
    throw new RowError(`table rollups, ${key()}: ${why}`);
  };
  if (typeof resolutionCode !== "number" || resolution === undefined) return fail(`resolution is ${describe(resolutionCode)}, not 0, 1 or 2`);
  const startMs = finite(start, "start_ms", fail);
  const numbers = BUCKET_NUMBERS.map((column, i) => {
    const n = finite(rest[i], column, fail);
    if (n < 0) fail(`${column} is ${n}, below 0`);
    return n;
  });
  const [checks, upChecks, downChecks, outageChecks, upMs, downMs, excludedMs] = numbers as [number, number, number, number, number, number, number];
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
    latency: decodeJsonColumn(rest[7], "latency", fail, (json) => latencySketchFromJson(json as LatencySketchJson)),
    statusCodes: decodeJsonColumn(rest[8], "status_codes", fail, toStatusCodes),
  };
}

function decodeJsonColumn<T>(text: unknown, column: string, fail: (why: string) => never, decode: (json: unknown) => T): T {
  if (typeof text !== "string") return fail(`${column} is ${describe(text)}, not text`);
  try {
    return decode(JSON.parse(text));
  } catch (err) {
    return fail(`${column} does not decode (${err instanceof Error ? err.message : String(err)}): ${describe(text)}`);
  }
}

function toStatusCodes(json: unknown): Map<number, number> {
  if (!Array.isArray(json)) throw new RangeError("not an array");
  const codes = new Map<number, number>();
  for (const pair of json as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2 || !Number.isInteger(pair[0]) || !Number.isInteger(pair[1]) || pair[1] <= 0) {
      throw new RangeError(`${JSON.stringify(pair)} is not a [code, count] pair`);
    }
    codes.set(pair[0] as number, pair[1] as number);
  }
  return codes;
}

/** The values after the service key for rollup_tails' insert. */
export function tailValues(tail: RollupTail): number[] {
  return [tail.at, TAIL_STATE[tail.state], tail.maxSpanMs];
}

export function decodeTailRow(serviceId: string, row: TailRow): RollupTail {
  const [at, state, maxSpanMs] = row;
  const fail = (why: string): never => {
    throw new RowError(`table rollup_tails, service_id ${JSON.stringify(serviceId)}: ${why}`);
  };
  const tailState = TAIL_STATES[state as number];
  if (typeof state !== "number" || tailState === undefined) return fail(`state is ${describe(state)}, not 0, 1 or 2`);
  const span = finite(maxSpanMs, "max_span_ms", fail);
  if (span < 0) fail(`max_span_ms is ${span}, below 0`);
  return { serviceId, at: finite(at, "at_ms", fail), state: tailState, maxSpanMs: span };
}

function rowFailer(table: string, id: number): (why: string) => never {
  return (why) => {
    throw new RowError(`table ${table}, id ${id}: ${why}`);
  };
}

function finite(value: unknown, column: string, fail: (why: string) => never): number {
  if (typeof value !== "number" || !Number.isFinite(value)) return fail(`${column} is ${describe(value)}, not a number`);
  return value;
}

function describe(value: unknown): string {
  if (value === null) return "NULL";
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
