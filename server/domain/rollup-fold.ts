/**
 * The rollups' arithmetic (issue 11): how history rows become minute, hour
 * and day buckets. The rollup job folds rows as they are written; stats fold
 * the few rows not rolled up yet the same way, in memory, so both agree to
 * the millisecond.
 *
 * A row counts (checks, up/down, latency, status code) in the buckets its
 * `at` falls in. Its state stands from its `at` until the next row of the
 * service — a check's at most its maxSpanMs, about twice its interval
 * (beyond that the monitor did not look: unknown time, in no duration) — and that span is split over
 * every bucket it crosses. The span is added when the next row arrives (or
 * stats' "now" ends it), so the fold carries a per-service tail: the last
 * row's start, its state and its cap.
 *
 * Pure: buckets are plain data, times come in as arguments.
 */
import { createLatencySketch, addLatency, mergeLatencySketch } from "./latency-sketch.js";
import {
  bucketStart,
  RESOLUTION_MS,
  type HistoryRecord,
  type RollupBucket,
  type RollupResolution,
  type RollupTail,
} from "./history-types.js";
import type { Millis } from "./types.js";

/** Buckets by {@link bucketKey}: what a fold writes into. */
export type BucketMap = Map<string, RollupBucket>;

/** The map key of one service's bucket (service id last: it is the only part that may hold a colon). */
export function bucketKey(serviceId: string, resolution: RollupResolution, startMs: Millis): string {
  return `${resolution}:${startMs}:${serviceId}`;
}

/** A bucket with nothing in it yet. */
export function emptyBucket(serviceId: string, resolution: RollupResolution, startMs: Millis): RollupBucket {
  return {
    serviceId,
    resolution,
    startMs,
    checks: 0,
    upChecks: 0,
    downChecks: 0,
    outageChecks: 0,
    upMs: 0,
    downMs: 0,
    excludedMs: 0,
    latency: createLatencySketch(),
    statusCodes: new Map(),
  };
}

/**
 * Adds `other`'s counts, durations, latencies and status codes into `into`,
 * exactly (a read-merge-write of a stored bucket, or minutes summed into an
 * hour). `into` keeps its own service, resolution and start.
 */
export function mergeBucket(into: RollupBucket, other: RollupBucket): void {
  into.checks += other.checks;
  into.upChecks += other.upChecks;
  into.downChecks += other.downChecks;
  into.outageChecks += other.outageChecks;
  into.upMs += other.upMs;
  into.downMs += other.downMs;
  into.excludedMs += other.excludedMs;
  mergeLatencySketch(into.latency, other.latency);
  for (const [code, n] of other.statusCodes) into.statusCodes.set(code, (into.statusCodes.get(code) ?? 0) + n);
}

/**
 * What a row's span will count as: a check its status (excluded inside a
 * planned outage), capped at its maxSpanMs (twice the interval plus the
 * timeout); a pause marker excluded, uncapped (nothing runs until resume
 * writes the next row).
 */
export function tailOf(record: HistoryRecord): RollupTail {
  if (record.kind === "pause") return { serviceId: record.serviceId, at: record.at, state: "excluded", maxSpanMs: 0 };
  return {
    serviceId: record.serviceId,
    at: record.at,
    state: record.inOutage ? "excluded" : record.status,
    maxSpanMs: record.maxSpanMs,
  };
}

/**
 * Folds one row: its counts (checks, up/down, outageChecks, latency of UP
 * checks, status code) into its bucket of each resolution; the previous
 * row's span — tail.at up to min(record.at, tail.at + maxSpanMs) — split over
 * the buckets it crosses as upMs/downMs/excludedMs. Returns the new tail.
 * A row older than the tail (a check that started before a pause and ended
 * after it) counts but adds no span and keeps the tail.
 */
export function foldRecord(
  into: BucketMap,
  resolutions: readonly RollupResolution[],
  tail: RollupTail | undefined,
  record: HistoryRecord,
): RollupTail {
  if (tail !== undefined && tail.serviceId !== record.serviceId) {
    throw new Error(`tail of ${tail.serviceId} folded with a row of ${record.serviceId}`);
  }
  if (record.kind === "check") {
    for (const resolution of resolutions) countCheck(bucketAt(into, record.serviceId, resolution, record.at), record);
  }
  if (tail === undefined) return tailOf(record);
  if (record.at < tail.at) return tail;
  addSpan(into, resolutions, tail, record.at);
  return tailOf(record);
}

/** The tail's span up to untilMs (capped by maxSpanMs): stats' "the newest row stands until now". */
export function foldOpenSpan(
  into: BucketMap,
  resolutions: readonly RollupResolution[],
  tail: RollupTail | undefined,
  untilMs: Millis,
): void {
  if (tail !== undefined) addSpan(into, resolutions, tail, untilMs);
}

function countCheck(bucket: RollupBucket, record: Extract<HistoryRecord, { kind: "check" }>): void {
  bucket.checks++;
  if (record.status === "up") {
    bucket.upChecks++;
    addLatency(bucket.latency, record.latencyMs);
  } else bucket.downChecks++;
  if (record.inOutage) bucket.outageChecks++;
  const code = record.http?.statusCode;
  if (code !== undefined) bucket.statusCodes.set(code, (bucket.statusCodes.get(code) ?? 0) + 1);
}

/** Splits [tail.at, min(untilMs, tail.at + cap)) over the buckets of each resolution. */
function addSpan(into: BucketMap, resolutions: readonly RollupResolution[], tail: RollupTail, untilMs: Millis): void {
  const endMs = tail.maxSpanMs > 0 ? Math.min(untilMs, tail.at + tail.maxSpanMs) : untilMs;
  if (endMs <= tail.at) return;
  const field = tail.state === "up" ? "upMs" : tail.state === "down" ? "downMs" : "excludedMs";
  for (const resolution of resolutions) {
    const width = RESOLUTION_MS[resolution];
    for (let start = bucketStart(resolution, tail.at); start < endMs; start += width) {
      const piece = Math.min(endMs, start + width) - Math.max(tail.at, start);
      bucketAt(into, tail.serviceId, resolution, start)[field] += piece;
    }
  }
}

function bucketAt(into: BucketMap, serviceId: string, resolution: RollupResolution, at: Millis): RollupBucket {
  const startMs = bucketStart(resolution, at);
  const key = bucketKey(serviceId, resolution, startMs);
  let bucket = into.get(key);
  if (bucket === undefined) {
    bucket = emptyBucket(serviceId, resolution, startMs);
    into.set(key, bucket);
  }
  return bucket;
}
