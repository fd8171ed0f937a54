import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  type CheckResult,
  CheckResultSchema,
  CurrentStreakSchema,
  LatencyStatsSchema,
  type ServiceStats as ServiceStatsMessage,
  ServiceStatsSchema,
  type ServiceStatusChange,
  ServiceStatusChangeSchema,
  ServiceStatus,
  StatsBucketSchema,
  StatusCodeCountSchema,
} from "@service-monitor/sdk/gen/monitor/v1/resources_pb.js";
import type { CurrentStreak, HistoryRecord, LatencySummary, ServiceStats, StatsBucket, Stored } from "../domain/history-types.js";
import type { Millis } from "../domain/types.js";
import type { StatusChangeEntry } from "../history/history-queries.js";
import { durationFromFractionalMs, httpDetailsToProto, statusToProto } from "./to-proto.js";

/** The history's values → wire messages (the history RPCs' half of to-proto.ts). */

/** What a pause marker says in `detail`. */
export const PAUSE_DETAIL = "paused";

/** A check, or a pause marker: status UNSPECIFIED, paused, detail "paused", no latency. */
export function checkResultToProto(row: Stored<HistoryRecord>): CheckResult {
  if (row.kind === "pause") {
    return create(CheckResultSchema, {
      checkTime: timestampFromMs(row.at),
      status: ServiceStatus.UNSPECIFIED,
      detail: PAUSE_DETAIL,
      paused: true,
    });
  }
  return create(CheckResultSchema, {
    checkTime: timestampFromMs(row.at),
    status: statusToProto(row.status),
    latency: durationFromFractionalMs(row.latencyMs),
    detail: row.detail,
    inPlannedOutage: row.inOutage,
    paused: false,
    http: row.http === undefined ? undefined : httpDetailsToProto(row.http),
  });
}

export function statusChangeToProto(entry: StatusChangeEntry): ServiceStatusChange {
  const { change } = entry;
  return create(ServiceStatusChangeSchema, {
    changeTime: timestampFromMs(change.at),
    previousStatus: statusToProto(change.previous),
    status: statusToProto(change.status),
    detail: change.detail,
    duration: durationFromFractionalMs(Math.max(0, entry.durationMs)),
    ongoing: entry.ongoing,
  });
}

/** A span of ms as a Duration; spans are sums of time differences, so they may hold fractions. */
const span = (ms: number) => durationFromFractionalMs(Math.max(0, ms));

function latencyToProto(latency: LatencySummary | undefined) {
  if (latency === undefined) return undefined;
  return create(LatencyStatsSchema, {
    mean: span(latency.meanMs),
    p50: span(latency.p50Ms),
    p95: span(latency.p95Ms),
    p99: span(latency.p99Ms),
    min: span(latency.minMs),
    max: span(latency.maxMs),
  });
}

/** The current streak as of `now`: durations are now minus the times, never negative. */
function currentStreakToProto(streak: CurrentStreak, now: Millis) {
  const failure = streak.lastFailure;
  return create(CurrentStreakSchema, {
    status: statusToProto(streak.status),
    sinceTime: streak.sinceMs === undefined ? undefined : timestampFromMs(streak.sinceMs),
    duration: streak.sinceMs === undefined ? undefined : span(now - streak.sinceMs),
    lastFailureTime: failure === undefined ? undefined : timestampFromMs(failure.startMs),
    // 0 while the failure goes on, as the proto says.
    timeSinceLastFailure: failure === undefined ? undefined : span(failure.endMs === undefined ? 0 : now - failure.endMs),
    lastFailureEndTime: failure?.endMs === undefined ? undefined : timestampFromMs(failure.endMs),
    paused: streak.paused,
  });
}

function statsBucketToProto(bucket: StatsBucket) {
  return create(StatsBucketSchema, {
    startTime: timestampFromMs(bucket.startMs),
    ...(bucket.availability === undefined ? {} : { availability: bucket.availability }),
    checks: BigInt(bucket.checks),
    upChecks: BigInt(bucket.upChecks),
    downChecks: BigInt(bucket.downChecks),
    downTime: span(bucket.downMs),
    latencyP95: bucket.latencyP95Ms === undefined ? undefined : span(bucket.latencyP95Ms),
    latencyMean: bucket.latencyMeanMs === undefined ? undefined : span(bucket.latencyMeanMs),
  });
}

/** `now`: when the request was answered, for the current streak's durations. */
export function serviceStatsToProto(stats: ServiceStats, now: Millis): ServiceStatsMessage {
  return create(ServiceStatsSchema, {
    serviceId: stats.serviceId,
    startTime: timestampFromMs(stats.startMs),
    endTime: timestampFromMs(stats.endMs),
    // proto3 optional: left out when the window holds no time up or down, so "unset" is not read as 0%.
    ...(stats.availability === undefined ? {} : { availability: stats.availability }),
    upTime: span(stats.upMs),
    downTime: span(stats.downMs),
    excludedTime: span(stats.excludedMs),
    unknownTime: span(stats.unknownMs),
    checks: BigInt(stats.checks),
    upChecks: BigInt(stats.upChecks),
    downChecks: BigInt(stats.downChecks),
    checksInPlannedOutage: BigInt(stats.outageChecks),
    latency: latencyToProto(stats.latency),
    statusCodes: stats.statusCodes.map((c) => create(StatusCodeCountSchema, { statusCode: c.code, count: BigInt(c.count) })),
    incidents: stats.incidents,
    currentStreak: currentStreakToProto(stats.currentStreak, now),
    buckets: stats.buckets.map(statsBucketToProto),
    bucketWidth: durationFromMs(stats.bucketWidthMs),
  });
}
