import { clone, create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { formatAvailability, formatStats, formatStreak, statsSpan } from "../../sdk/cli/format-stats.js";
import { createPaint } from "../../sdk/cli/format-values.js";
import { CurrentStreakSchema, ServiceStatsSchema, ServiceStatus, StatsBucketSchema } from "../../sdk/gen/monitor/v1/resources_pb.js";

const paint = createPaint(false);
const end = Date.parse("2026-12-02T04:00:00Z");
const HOUR = 3_600_000;

/** 24 hourly buckets: one dip to 97.5%, one hour with no data, p95 steady but for one spike. */
const stats = create(ServiceStatsSchema, {
  serviceId: "svc_db",
  startTime: timestampFromMs(end - 24 * HOUR),
  endTime: timestampFromMs(end),
  availability: 0.998_611,
  upTime: durationFromMs(23 * HOUR - 2 * 60_000),
  downTime: durationFromMs(2 * 60_000),
  excludedTime: durationFromMs(30 * 60_000),
  unknownTime: durationFromMs(30 * 60_000),
  checks: 86_400n,
  upChecks: 86_280n,
  downChecks: 120n,
  checksInPlannedOutage: 1_800n,
  latency: { mean: durationFromMs(0.41), p50: durationFromMs(0.38), p95: durationFromMs(0.72), p99: durationFromMs(1.1), max: durationFromMs(12), min: durationFromMs(0.2) },
  statusCodes: [{ statusCode: 200, count: 86_280n }, { statusCode: 503, count: 120n }],
  incidents: 3,
  currentStreak: {
    status: ServiceStatus.UP,
    sinceTime: timestampFromMs(end - 2 * HOUR),
    duration: durationFromMs(2 * HOUR),
    lastFailureTime: timestampFromMs(end - 2 * HOUR - 90_000),
    lastFailureEndTime: timestampFromMs(end - 2 * HOUR),
    timeSinceLastFailure: durationFromMs(2 * HOUR),
  },
  bucketWidth: durationFromMs(HOUR),
  buckets: Array.from({ length: 24 }, (_, i) => ({
    startTime: timestampFromMs(end - (24 - i) * HOUR),
    ...(i === 20 ? {} : { availability: i === 5 ? 0.975 : 1, latencyP95: durationFromMs(i === 9 ? 4.2 : 0.61) }),
  })),
});

describe("formatStats", () => {
  it("prints every figure on its own line, then availability and p95 sparklines with their ranges", () => {
    expect(formatStats(stats, paint)).toBe(
      [
        "Service:       svc_db",
        "Window:        2026-12-01T04:00:00.000Z to 2026-12-02T04:00:00.000Z (24h)",
        "Availability:  99.861%",
        "Time:          up 22h 58m, down 2m, excluded 30m, unknown 30m",
        "Checks:        86,400: 86,280 up, 120 down; 1,800 in planned outages",
        "Latency:       mean 0.41ms  p50 0.38ms  p95 0.72ms  p99 1.10ms  max 12ms",
        "Status codes:  200 ×86,280  503 ×120",
        "Incidents:     3",
        "Now:           up for 2h, last failure 2h ago (lasted 1m 30s)",
        "Chart:         24 buckets of 1h, oldest first",
        "  availability █████▁██████████████ ███  97.500% to 100.000%",
        "  p95 latency  ▁▁▁▁▁▁▁▁▁█▁▁▁▁▁▁▁▁▁▁ ▁▁▁  0.61ms to 4.20ms",
        "",
      ].join("\n"),
    );
  });

  it("says what is missing: no availability, no successful check, no status codes, no buckets", () => {
    const empty = create(ServiceStatsSchema, {
      serviceId: "svc_new",
      startTime: timestampFromMs(end - 60_000),
      endTime: timestampFromMs(end),
      unknownTime: durationFromMs(60_000),
      currentStreak: { status: ServiceStatus.UNSPECIFIED },
    });
    expect(formatStats(empty, paint)).toBe(
      [
        "Service:       svc_new",
        "Window:        2026-12-02T03:59:00.000Z to 2026-12-02T04:00:00.000Z (1m)",
        "Availability:  - (no time up or down in the window)",
        "Time:          up 0s, down 0s, excluded 0s, unknown 1m",
        "Checks:        0: 0 up, 0 down",
        "Latency:       - (no successful check)",
        "Incidents:     0",
        "Now:           not checked yet",
        "Chart:         no buckets",
        "",
      ].join("\n"),
    );
  });

  it("draws availability on a scale reaching 100%: 0% throughout is low, not a full flat line", () => {
    const allDown = clone(ServiceStatsSchema, stats);
    allDown.buckets = [0, 0, undefined].map((a) => create(StatsBucketSchema, a === undefined ? {} : { availability: a }));
    expect(formatStats(allDown, paint)).toContain("  availability ▁▁   0.000% to 0.000%\n");
  });

  it("shows buckets with no data at all as spaces, with no range", () => {
    const blank = clone(ServiceStatsSchema, stats);
    blank.buckets = [create(StatsBucketSchema), create(StatsBucketSchema), create(StatsBucketSchema)];
    expect(formatStats(blank, paint)).toContain("  availability      no data\n  p95 latency       no data\n");
  });
});

describe("formatStreak", () => {
  it("down: for how long", () => {
    expect(formatStreak(create(CurrentStreakSchema, { status: ServiceStatus.DOWN, duration: durationFromMs(192_000) }), paint)).toBe("down for 3m 12s");
  });
  it("up with no failure in the history; paused, with the last status seen", () => {
    expect(formatStreak(create(CurrentStreakSchema, { status: ServiceStatus.UP, duration: durationFromMs(300_000) }), paint)).toBe(
      "up for 5m, no failure in the history",
    );
    expect(formatStreak(create(CurrentStreakSchema, { status: ServiceStatus.UP, paused: true, duration: durationFromMs(600_000) }), paint)).toBe(
      "paused, last seen up (since 10m ago)",
    );
    expect(formatStreak(create(CurrentStreakSchema, { paused: true }), paint)).toBe("paused, not checked yet");
  });
  it("up after a failure whose end is not known: no length", () => {
    const streak = create(CurrentStreakSchema, {
      status: ServiceStatus.UP,
      duration: durationFromMs(2 * HOUR),
      lastFailureTime: timestampFromMs(end - 3 * HOUR),
      timeSinceLastFailure: durationFromMs(3 * HOUR),
    });
    expect(formatStreak(streak, paint)).toBe("up for 2h, last failure 3h ago");
  });
});

describe("the figures' forms", () => {
  it("availability with 3 decimals", () => {
    expect([formatAvailability(1), formatAvailability(0.998_611), formatAvailability(0), formatAvailability(undefined)]).toEqual([
      "100.000%",
      "99.861%",
      "0.000%",
      "-",
    ]);
  });
  it("spans to the second below an hour, so a 90 s outage is not '1m'", () => {
    expect([statsSpan(0), statsSpan(250), statsSpan(42_500), statsSpan(90_000), statsSpan(600_000), statsSpan(3 * HOUR + 5 * 60_000), statsSpan(52 * HOUR)]).toEqual([
      "0s",
      "250ms",
      "42s",
      "1m 30s",
      "10m",
      "3h 5m",
      "2d 4h",
    ]);
  });
});
