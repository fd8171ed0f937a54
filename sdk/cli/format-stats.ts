import { timestampDate, type Duration, type Timestamp } from "@bufbuild/protobuf/wkt";
import { ServiceStatus, type CurrentStreak, type ServiceStats } from "../gen/monitor/v1/resources_pb.js";
import { toMillis } from "../to-millis.js";
import { formatLatency, humanSpan, type Paint } from "./format-values.js";
import { MAX_SPARKLINE_COLUMNS, narrowSeries, sparkline } from "./sparkline.js";

const iso = (t: Timestamp | undefined) => (t === undefined ? "-" : timestampDate(t).toISOString());
const count = (n: bigint | number) => n.toLocaleString("en-US");

/** An availability (0 to 1) as a percentage with 3 decimals, as SLA reports print it: "99.861%". */
export function formatAvailability(availability: number | undefined): string {
  return availability === undefined ? "-" : `${(availability * 100).toFixed(3)}%`;
}

/**
 * A span of the stats: to the second below an hour ("1m 30s" — a 90 s outage
 * must not read as "1m"), then as `humanSpan` ("3h 5m", "2d 4h").
 */
export function statsSpan(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Math.floor(ms / 1000)}s`;
  if (ms < 3_600_000) {
    const seconds = Math.floor(ms / 1000) % 60;
    return `${Math.floor(ms / 60_000)}m${seconds === 0 ? "" : ` ${seconds}s`}`;
  }
  return humanSpan(ms);
}

const spanOf = (d: Duration | undefined) => statsSpan(toMillis(d) ?? 0);

/**
 * The service now, in words: "down for 3m 12s", "up for 2h, last failure 3h
 * ago (lasted 1m 30s)", "up for 5m, no failure in the history", "paused, last
 * seen up (since 10m ago)", "not checked yet".
 */
export function formatStreak(streak: CurrentStreak | undefined, paint: Paint): string {
  if (streak === undefined) return "-";
  const lasted = streak.duration === undefined ? "" : ` for ${spanOf(streak.duration)}`;
  // Paused, the streak is still the last status seen (its duration runs from that status' start).
  if (streak.paused) {
    const seen = streak.status === ServiceStatus.UP ? "up" : streak.status === ServiceStatus.DOWN ? "down" : undefined;
    if (seen === undefined) return `${paint.yellow("paused")}, not checked yet`;
    return `${paint.yellow("paused")}, last seen ${seen}${streak.duration === undefined ? "" : ` (since ${spanOf(streak.duration)} ago)`}`;
  }
  switch (streak.status) {
    case ServiceStatus.DOWN:
      return `${paint.red("down")}${lasted}`;
    case ServiceStatus.UP: {
      if (streak.lastFailureTime === undefined) return `${paint.green("up")}${lasted}, no failure in the history`;
      const start = toMillis(streak.lastFailureTime);
      const end = toMillis(streak.lastFailureEndTime);
      const length = end === undefined ? "" : ` (lasted ${statsSpan(end - start)})`;
      return `${paint.green("up")}${lasted}, last failure ${spanOf(streak.timeSinceLastFailure)} ago${length}`;
    }
    default:
      return "not checked yet";
  }
}

/**
 * `monitorctl stats`: every figure of GetServiceStats on a line of its own,
 * then the chart series as two sparklines (availability and p95 latency, a
 * space where a bucket has no data) with the range each spans beside it:
 *
 *     Service:       svc_9a2a46b5961765c0
 *     Window:        2026-12-01T04:10:00.000Z to 2026-12-02T04:10:00.000Z (24h)
 *     Availability:  99.861%
 *     Time:          up 23h 58m, down 2m, excluded 30m, unknown 0s
 *     Checks:        86,400: 86,280 up, 120 down; 1,800 in planned outages
 *     Latency:       mean 0.41ms  p50 0.38ms  p95 0.72ms  p99 1.10ms  max 12ms
 *     Status codes:  200 ×86,280  503 ×120
 *     Incidents:     3
 *     Now:           up for 2h, last failure 3h ago (lasted 1m 30s)
 *     Chart:         24 buckets of 1h, oldest first
 *       availability ▇███▅███ ███  97.500% to 100.000%
 *       p95 latency  ▁▂▁▁█▁▂▁ ▁▁▁  0.61ms to 4.20ms
 */
export function formatStats(stats: ServiceStats, paint: Paint): string {
  const start = toMillis(stats.startTime);
  const end = toMillis(stats.endTime);
  const width = start === undefined || end === undefined ? "" : ` (${statsSpan(end - start)})`;
  const l = stats.latency;
  const latency =
    l === undefined
      ? "- (no successful check)"
      : `mean ${formatLatency(toMillis(l.mean))}  p50 ${formatLatency(toMillis(l.p50))}  p95 ${formatLatency(toMillis(l.p95))}  p99 ${formatLatency(toMillis(l.p99))}  max ${formatLatency(toMillis(l.max))}`;
  const outage = stats.checksInPlannedOutage === 0n ? "" : `; ${count(stats.checksInPlannedOutage)} in planned outages`;
  const lines: [string, string][] = [
    ["Service", stats.serviceId],
    ["Window", `${iso(stats.startTime)} to ${iso(stats.endTime)}${width}`],
    ["Availability", stats.availability === undefined ? "- (no time up or down in the window)" : formatAvailability(stats.availability)],
    ["Time", `up ${spanOf(stats.upTime)}, down ${spanOf(stats.downTime)}, excluded ${spanOf(stats.excludedTime)}, unknown ${spanOf(stats.unknownTime)}`],
    ["Checks", `${count(stats.checks)}: ${count(stats.upChecks)} up, ${count(stats.downChecks)} down${outage}`],
    ["Latency", latency],
  ];
  if (stats.statusCodes.length > 0) lines.push(["Status codes", stats.statusCodes.map((c) => `${c.statusCode} ×${count(c.count)}`).join("  ")]);
  lines.push(["Incidents", count(stats.incidents)], ["Now", formatStreak(stats.currentStreak, paint)]);
  const text = lines.map(([label, value]) => `${`${label}:`.padEnd(15)}${value}`.trimEnd()).join("\n") + "\n";
  return text + formatChart(stats);
}

/** The two sparklines over the buckets, or a line saying there are none. */
function formatChart(stats: ServiceStats): string {
  const buckets = stats.buckets;
  if (buckets.length === 0) return `${"Chart:".padEnd(15)}no buckets\n`;
  const each = stats.bucketWidth === undefined ? "" : ` of ${statsSpan(toMillis(stats.bucketWidth))}`;
  const narrowAvailability = narrowSeries(buckets.map((b) => b.availability), MAX_SPARKLINE_COLUMNS, Math.min);
  const narrowP95 = narrowSeries(
    buckets.map((b) => toMillis(b.latencyP95)),
    MAX_SPARKLINE_COLUMNS,
    Math.max,
  );
  const availability = sparkline(narrowAvailability.values, { top: 1 });
  const p95 = sparkline(narrowP95.values);
  const joined = narrowAvailability.perColumn === 1 ? "" : `; each column the worst of ${narrowAvailability.perColumn}`;
  const range = (s: { min: number | undefined; max: number | undefined }, show: (v: number) => string) =>
    s.min === undefined || s.max === undefined ? "no data" : `${show(s.min)} to ${show(s.max)}`;
  return (
    `${"Chart:".padEnd(15)}${buckets.length} bucket${buckets.length === 1 ? "" : "s"}${each}, oldest first${joined}\n` +
    `  availability ${availability.line}  ${range(availability, (v) => formatAvailability(v))}\n` +
    `  p95 latency  ${p95.line}  ${range(p95, formatLatency)}\n`
  );
}
