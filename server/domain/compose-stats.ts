/**
 * A service's statistics over a window (issue 11's GetServiceStats), from one
 * consistent snapshot of the history store: the rolled-up buckets of the
 * window's cover, plus the few rows the rollup job has not reached yet,
 * folded here exactly as the job will fold them (same functions), the newest
 * row standing until the window's end. So a stats answer never waits for the
 * rollup job, and never disagrees with the one it gives a minute later.
 *
 * Pure: the snapshot, the cover and the service's current observation come
 * in as arguments.
 */
import type { StatsSnapshot } from "../store/history-store.js";
import type {
  CurrentStreak,
  LatencySummary,
  RollupBucket,
  RollupResolution,
  RollupTail,
  ServiceStats,
  StatsBucket,
} from "./history-types.js";
import { latencyMean, latencyQuantile } from "./latency-sketch.js";
import { bucketKey, emptyBucket, foldOpenSpan, foldRecord, mergeBucket, type BucketMap } from "./rollup-fold.js";
import { availabilityOf } from "./status-durations.js";
import { chartPointStart, type WindowCover } from "./stats-window.js";
import type { Millis, Status } from "./types.js";

/** What the engine shows of the service now (for the current streak). */
export interface CurrentObservation {
  readonly status: Status;
  /** Since when it has been in that status; undefined before the first check. */
  readonly sinceMs: Millis | undefined;
  readonly paused: boolean;
}

export interface ComposeStatsInput {
  readonly serviceId: string;
  /** Read with the cover's ranges, changes from cover.startMs to cover.endMs. */
  readonly snapshot: StatsSnapshot;
  readonly cover: WindowCover;
  /** undefined: the engine does not know the service (its status reads as unknown). */
  readonly current: CurrentObservation | undefined;
}

/** The stats of the cover's window. */
export function composeStats({ serviceId, snapshot, cover, current }: ComposeStatsInput): ServiceStats {
  const cells = coverBuckets(serviceId, snapshot, cover);
  const total = emptyBucket(serviceId, cover.chart.resolution, cover.startMs);
  const byPoint = new Map<Millis, RollupBucket[]>();
  for (const cell of cells) {
    mergeBucket(total, cell);
    const start = chartPointStart(cover.chart, cell.startMs);
    const point = byPoint.get(start);
    if (point === undefined) byPoint.set(start, [cell]);
    else point.push(cell);
  }
  const buckets: StatsBucket[] = [];
  if (cover.endMs > cover.startMs) {
    const last = chartPointStart(cover.chart, cover.endMs - 1);
    for (let start = chartPointStart(cover.chart, cover.startMs); start <= last; start += cover.chart.widthMs) {
      const parts = byPoint.get(start) ?? [];
      // A point of one bucket (the usual case) is read as it is; only edges and multi-day points merge.
      buckets.push(chartPoint(start, parts.length === 1 ? parts[0]! : mergedOf(serviceId, cover.chart.resolution, start, parts)));
    }
  }
  const lengthMs = cover.endMs - cover.startMs;
  return {
    serviceId,
    startMs: cover.startMs,
    endMs: cover.endMs,
    availability: availabilityOf(total),
    upMs: total.upMs,
    downMs: total.downMs,
    excludedMs: total.excludedMs,
    unknownMs: Math.max(0, lengthMs - total.upMs - total.downMs - total.excludedMs),
    checks: total.checks,
    upChecks: total.upChecks,
    downChecks: total.downChecks,
    outageChecks: total.outageChecks,
    latency: latencySummary(total),
    statusCodes: [...total.statusCodes].sort((a, b) => a[0] - b[0]).map(([code, count]) => ({ code, count })),
    incidents: snapshot.changes.filter((c) => c.status === "down" && c.at >= cover.startMs && c.at < cover.endMs).length,
    currentStreak: currentStreak(snapshot, current),
    bucketWidthMs: cover.chart.widthMs,
    buckets,
  };
}

/**
 * Every bucket of the cover with something in it: the stored one, merged
 * with what the rows not rolled up yet add to it when they do (a fresh
 * object then). Neither the snapshot's buckets nor the result may be changed
 * by the caller: they are shared.
 */
function coverBuckets(serviceId: string, snapshot: StatsSnapshot, cover: WindowCover): RollupBucket[] {
  const resolutions = [...new Set(cover.ranges.map((r) => r.resolution))];
  const inCover = (resolution: RollupResolution, startMs: Millis) =>
    cover.ranges.some((r) => r.resolution === resolution && startMs >= r.startMs && startMs < r.endMs);
  const cells: BucketMap = new Map();
  for (const bucket of snapshot.buckets) {
    if (inCover(bucket.resolution, bucket.startMs)) cells.set(bucketKey(serviceId, bucket.resolution, bucket.startMs), bucket);
  }

  const scratch: BucketMap = new Map();
  let tail = snapshot.tail;
  for (const record of snapshot.unrolled) {
    // The tail stands until the record; only the part of that span inside
    // the cover matters (none, when the record is at or before its start).
    // A record older than the tail keeps it, as in the rollup job.
    const from =
      tail === undefined || record.at < tail.at ? tail : record.at <= cover.startMs ? undefined : clipTail(tail, cover.startMs);
    tail = foldRecord(scratch, resolutions, from, record);
  }
  if (tail !== undefined) foldOpenSpan(scratch, resolutions, clipTail(tail, cover.startMs), cover.endMs);
  for (const [key, added] of scratch) {
    if (!inCover(added.resolution, added.startMs)) continue;
    const stored = cells.get(key);
    cells.set(key, stored === undefined ? added : mergedOf(serviceId, added.resolution, added.startMs, [stored, added]));
  }
  return [...cells.values()];
}

function mergedOf(serviceId: string, resolution: RollupResolution, startMs: Millis, parts: readonly RollupBucket[]): RollupBucket {
  const merged = emptyBucket(serviceId, resolution, startMs);
  for (const part of parts) mergeBucket(merged, part);
  return merged;
}

/**
 * The part of a tail's span from `fromMs` on: the same tail when it starts
 * there or later, else one starting at fromMs with what is left of its cap
 * (undefined when its span ended before fromMs). A span standing since long
 * before the window (a pause weeks old) is then not split into every minute
 * since it began, only those of the window.
 */
function clipTail(tail: RollupTail, fromMs: Millis): RollupTail | undefined {
  if (tail.at >= fromMs) return tail;
  if (tail.maxSpanMs === 0) return { ...tail, at: fromMs };
  const left = tail.at + tail.maxSpanMs - fromMs;
  return left > 0 ? { ...tail, at: fromMs, maxSpanMs: left } : undefined;
}

function chartPoint(startMs: Millis, b: RollupBucket): StatsBucket {
  return {
    startMs,
    availability: availabilityOf(b),
    checks: b.checks,
    upChecks: b.upChecks,
    downChecks: b.downChecks,
    downMs: b.downMs,
    latencyP95Ms: latencyQuantile(b.latency, 0.95),
    latencyMeanMs: latencyMean(b.latency),
  };
}

function latencySummary(b: RollupBucket): LatencySummary | undefined {
  const s = b.latency;
  if (s.count === 0 || s.min === undefined || s.max === undefined) return undefined;
  return {
    meanMs: s.sum / s.count,
    p50Ms: latencyQuantile(s, 0.5)!,
    p95Ms: latencyQuantile(s, 0.95)!,
    p99Ms: latencyQuantile(s, 0.99)!,
    minMs: s.min,
    maxMs: s.max,
  };
}

/**
 * The service now, and its last failure. The history lags the engine by up
 * to a writer batch (about a second), so the engine's observation wins: a
 * service down now whose failure the history has not got yet is in that
 * failure since its observed start, and one up now whose failure the history
 * still shows as going on ended it when it came up.
 */
function currentStreak(snapshot: StatsSnapshot, current: CurrentObservation | undefined): CurrentStreak {
  const status = current?.status ?? "unknown";
  const sinceMs = current?.sinceMs;
  let lastFailure: CurrentStreak["lastFailure"] =
    snapshot.lastFailure === undefined ? undefined : { startMs: snapshot.lastFailure.start.at, endMs: snapshot.lastFailure.end?.at };
  if (sinceMs !== undefined) {
    if (status === "down" && (lastFailure === undefined || (lastFailure.endMs !== undefined && lastFailure.endMs <= sinceMs))) {
      lastFailure = { startMs: sinceMs, endMs: undefined };
    } else if (status === "up" && lastFailure !== undefined && lastFailure.endMs === undefined && sinceMs >= lastFailure.startMs) {
      lastFailure = { startMs: lastFailure.startMs, endMs: sinceMs };
    }
  }
  return { status, sinceMs, paused: current?.paused ?? false, lastFailure };
}
