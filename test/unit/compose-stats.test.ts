import { describe, expect, it } from "vitest";
import { composeStats, type CurrentObservation } from "../../server/domain/compose-stats.js";
import type { CheckRecord, HistoryRecord, RollupBucket, RollupTail, StatusChangeRecord, Stored } from "../../server/domain/history-types.js";
import { RELATIVE_ACCURACY } from "../../server/domain/latency-sketch.js";
import { foldRecord, type BucketMap } from "../../server/domain/rollup-fold.js";
import { availabilityOf, spansOf, statusDurations } from "../../server/domain/status-durations.js";
import { coverWindow, type RollupRetentionBounds, type WindowCover } from "../../server/domain/stats-window.js";
import type { StatsSnapshot } from "../../server/store/history-store.js";
import { prng } from "../support/prng.js";

const SEC = 1000;
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const ALL = ["minute", "hour", "day"] as const;

const floorTo = (at: number, width: number) => Math.floor(at / width) * width;
const keptAsOf = (now: number): RollupRetentionBounds => ({ minuteKeptFromMs: now - 48 * HOUR, hourKeptFromMs: now - 90 * DAY });

/**
 * The store's side, as the rollup job leaves it: the first `rolled` rows
 * folded into stored buckets (the cover's only, as readStatsSnapshot returns
 * them) with their tail, the rest unrolled.
 */
function snapshotOf(
  records: readonly HistoryRecord[],
  rolled: number,
  cover: WindowCover,
  changes: readonly StatusChangeRecord[] = [],
): StatsSnapshot {
  const stored: BucketMap = new Map();
  let tail: RollupTail | undefined;
  for (const record of records.slice(0, rolled)) tail = foldRecord(stored, ALL, tail, record);
  const buckets: RollupBucket[] = [...stored.values()]
    .filter((b) => cover.ranges.some((r) => r.resolution === b.resolution && b.startMs >= r.startMs && b.startMs < r.endMs))
    .sort((a, b) => ALL.indexOf(a.resolution) - ALL.indexOf(b.resolution) || a.startMs - b.startMs);
  const stamped = records.map((r, i): Stored<HistoryRecord> => ({ ...r, id: i + 1 }));
  const storedChanges = changes.map((c, i): Stored<StatusChangeRecord> => ({ ...c, id: i + 1 }));
  const lastDown = changes.findLastIndex((c) => c.status === "down" && c.at < cover.endMs);
  return {
    buckets,
    watermark: rolled,
    tail,
    unrolled: stamped.slice(rolled),
    changes: storedChanges.filter((c) => c.at >= cover.startMs && c.at < cover.endMs),
    lastFailure: lastDown < 0 ? undefined : { start: changes[lastDown]!, end: changes[lastDown + 1] },
  };
}

const check = (serviceId: string, at: number, status: "up" | "down", more: Partial<CheckRecord> = {}): CheckRecord => ({
  kind: "check",
  serviceId,
  at,
  status,
  latencyMs: status === "up" ? 3 : 2000,
  detail: status === "up" ? "" : "connection refused",
  inOutage: false,
  maxSpanMs: 2 * SEC + 2 * SEC,
  ...more,
});

describe("composeStats on the issue's script: 10 minutes at 1 s, down 90 s in three pieces, one planned outage", () => {
  // Not on a minute boundary, so the cover rounds its start down.
  const T0 = Date.UTC(2026, 11, 1, 13, 0, 17, 400);
  const NOW = T0 + 10 * MIN;
  const DOWN = [
    [60, 90],
    [200, 230],
    [400, 430],
  ] as const;
  // Over the second down piece and 20 s of up around it.
  const OUTAGE = { startMs: T0 + 190 * SEC, endMs: T0 + 240 * SEC };
  const next = prng(7);
  const records: CheckRecord[] = Array.from({ length: 600 }, (_, i) => {
    const at = T0 + i * SEC;
    const down = DOWN.some(([a, b]) => i >= a && i < b);
    const inOutage = at >= OUTAGE.startMs && at < OUTAGE.endMs;
    const latencyMs = down ? 2000 : Math.exp(Math.log(4) + 0.8 * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()));
    const statusCode = down ? (i % 2 === 0 ? 503 : undefined) : 200;
    const http = { statusCode, phases: { dnsMs: 0, connectMs: 1, tlsMs: 0, firstByteMs: 1, totalMs: latencyMs }, tlsExpiresAt: undefined, captures: [], namedCaptures: {} };
    return check("svc_a", at, down ? "down" : "up", { latencyMs, inOutage, http });
  });
  const changes: StatusChangeRecord[] = [
    { serviceId: "svc_a", at: T0, previous: "unknown", status: "up", detail: "" },
    ...DOWN.flatMap(([a, b]): StatusChangeRecord[] => [
      { serviceId: "svc_a", at: T0 + a * SEC, previous: "up", status: "down", detail: "connection refused" },
      { serviceId: "svc_a", at: T0 + b * SEC, previous: "down", status: "up", detail: "" },
    ]),
  ];
  const cover = coverWindow({ startMs: T0, endMs: NOW }, NOW, keptAsOf(NOW));
  const upNow: CurrentObservation = { status: "up", sinceMs: T0 + 430 * SEC, paused: false };

  it.each([0, 1, 137, 300, 599, 600])("gives the script's time up, down and excluded with %i of 600 rows rolled up", (rolled) => {
    const stats = composeStats({ serviceId: "svc_a", snapshot: snapshotOf(records, rolled, cover, changes), cover, current: upNow });
    // Checks on whole seconds, each standing until the next: "within one check" holds exactly.
    expect(stats).toMatchObject({
      startMs: floorTo(T0, MIN),
      endMs: NOW,
      upMs: 490 * SEC,
      downMs: 60 * SEC,
      excludedMs: 50 * SEC,
      unknownMs: T0 - floorTo(T0, MIN),
      checks: 600,
      upChecks: 510,
      downChecks: 90,
      outageChecks: 50,
      incidents: 3,
      statusCodes: [
        { code: 200, count: 510 },
        { code: 503, count: 45 },
      ],
    });
    expect(stats.availability).toBeCloseTo(490 / 550, 12);
    // The same as status-durations' independent count over the cover.
    const spans = spansOf(records.filter((r) => !r.inOutage), NOW).filter((s) => s.startMs < OUTAGE.startMs || s.startMs >= OUTAGE.endMs);
    const oracle = statusDurations(spans, [OUTAGE], { startMs: stats.startMs, endMs: stats.endMs });
    expect({ upMs: stats.upMs, downMs: stats.downMs, excludedMs: stats.excludedMs, unknownMs: stats.unknownMs }).toEqual(oracle);
    expect(stats.availability).toBe(availabilityOf(oracle));
  });

  it("draws every minute of the window, each with its own share", () => {
    const stats = composeStats({ serviceId: "svc_a", snapshot: snapshotOf(records, 300, cover, changes), cover, current: upNow });
    expect(stats.bucketWidthMs).toBe(MIN);
    expect(stats.buckets.map((b) => b.startMs)).toEqual(Array.from({ length: 11 }, (_, i) => floorTo(T0, MIN) + i * MIN));
    expect(stats.buckets.reduce((n, b) => n + b.checks, 0)).toBe(600);
    expect(stats.buckets.reduce((n, b) => n + b.downMs, 0)).toBe(60 * SEC);
    // 13:01:17.4 to 13:01:47.4 is down: 30 s of the minute 13:01, the rest up.
    const minute1 = stats.buckets[1]!;
    expect(minute1).toMatchObject({ checks: 60, upChecks: 30, downChecks: 30, downMs: 30 * SEC });
    expect(minute1.availability).toBeCloseTo(0.5, 12);
    expect(stats.buckets[0]).toMatchObject({ checks: 43 });
    expect(stats.buckets.every((b) => b.latencyP95Ms !== undefined && b.latencyMeanMs !== undefined)).toBe(true);
  });

  it("gives percentiles from merged buckets within the sketch's accuracy of the exact ones", () => {
    const stats = composeStats({ serviceId: "svc_a", snapshot: snapshotOf(records, 450, cover, changes), cover, current: upNow });
    const ups = records.filter((r) => r.status === "up").map((r) => r.latencyMs);
    const sorted = [...ups].sort((a, b) => a - b);
    const exact = (q: number) => sorted[Math.floor(q * (sorted.length - 1))]!;
    const latency = stats.latency!;
    for (const [q, estimate] of [
      [0.5, latency.p50Ms],
      [0.95, latency.p95Ms],
      [0.99, latency.p99Ms],
    ] as const) {
      expect(Math.abs(estimate - exact(q)) / exact(q), `p${q * 100}`).toBeLessThanOrEqual(RELATIVE_ACCURACY + 1e-12);
    }
    expect(latency.meanMs).toBeCloseTo(ups.reduce((a, b) => a + b, 0) / ups.length, 9);
    expect(latency.minMs).toBe(sorted[0]);
    expect(latency.maxMs).toBe(sorted.at(-1));
  });

  it("counts only incidents that began inside the window", () => {
    const late = coverWindow({ startMs: T0 + 5 * MIN, endMs: NOW }, NOW, keptAsOf(NOW));
    const stats = composeStats({ serviceId: "svc_a", snapshot: snapshotOf(records, 600, late, changes), cover: late, current: upNow });
    expect(stats.incidents).toBe(1);
    expect(stats.checks).toBe(records.filter((r) => r.at >= floorTo(T0 + 5 * MIN, MIN)).length);
  });
});

describe("composeStats", () => {
  const NOW = Date.UTC(2026, 11, 1, 13, 27, 41, 250);

  it("answers an empty window: nothing known, every chart point present and empty", () => {
    const cover = coverWindow({ startMs: NOW - HOUR, endMs: NOW }, NOW, keptAsOf(NOW));
    const stats = composeStats({ serviceId: "svc_none", snapshot: snapshotOf([], 0, cover), cover, current: undefined });
    expect(stats).toMatchObject({
      availability: undefined,
      upMs: 0,
      downMs: 0,
      excludedMs: 0,
      unknownMs: NOW - floorTo(NOW - HOUR, MIN),
      checks: 0,
      latency: undefined,
      statusCodes: [],
      incidents: 0,
      currentStreak: { status: "unknown", sinceMs: undefined, paused: false, lastFailure: undefined },
    });
    expect(stats.buckets).toHaveLength(61);
    expect(stats.buckets.every((b) => b.availability === undefined && b.checks === 0 && b.latencyP95Ms === undefined)).toBe(true);
  });

  it("answers a window older than minute retention from whole hours, and says it covered them", () => {
    const H = floorTo(NOW - 3 * DAY, HOUR);
    const records = Array.from({ length: 1800 }, (_, i) => check("svc_old", H + 10 * MIN + i * SEC, i < 600 ? "down" : "up"));
    const cover = coverWindow({ startMs: H + 15 * MIN, endMs: H + 25 * MIN }, NOW, keptAsOf(NOW));
    expect(cover.ranges).toEqual([{ resolution: "hour", startMs: H, endMs: H + HOUR }]);
    const stats = composeStats({ serviceId: "svc_old", snapshot: snapshotOf(records, 1800, cover), cover, current: undefined });
    // The last check stands for its cap (4 s), then nothing is known.
    expect(stats).toMatchObject({ startMs: H, endMs: H + HOUR, checks: 1800, downMs: 600 * SEC, upMs: 1203 * SEC, bucketWidthMs: HOUR });
    expect(stats.unknownMs).toBe(HOUR - 1803 * SEC);
    expect(stats.buckets).toHaveLength(1);
  });

  it("lets the newest row stand until now, capped; a pause marker stands uncapped", () => {
    const cover = coverWindow({ startMs: NOW - HOUR, endMs: NOW }, NOW, keptAsOf(NOW));
    const recent = [check("svc_b", NOW - 10 * SEC, "up")];
    // Rolled up or not, the newest check stands for its 4 s cap: the 6 s since are unknown.
    for (const rolled of [0, 1]) {
      const stats = composeStats({ serviceId: "svc_b", snapshot: snapshotOf(recent, rolled, cover), cover, current: undefined });
      expect(stats).toMatchObject({ upMs: 4 * SEC, checks: 1 });
    }
    // Paused 30 days ago: the whole window is excluded, and only the window's minutes are split.
    const paused: HistoryRecord[] = [check("svc_b", NOW - 30 * DAY - SEC, "up"), { kind: "pause", serviceId: "svc_b", at: NOW - 30 * DAY }];
    for (const rolled of [0, 1, 2]) {
      const stats = composeStats({ serviceId: "svc_b", snapshot: snapshotOf(paused, rolled, cover), cover, current: undefined });
      expect(stats).toMatchObject({ excludedMs: NOW - cover.startMs, unknownMs: 0, checks: 0, availability: undefined });
    }
  });

  it("takes the state of unrolled rows from before the window's start, not the older tail's", () => {
    const cover = coverWindow({ startMs: NOW - 2 * MIN, endMs: NOW }, NOW, keptAsOf(NOW));
    const cs = cover.startMs;
    // Paused a day ago (rolled up), resumed 10 s before the window: checks every second, half a second off its edges.
    const records: HistoryRecord[] = [{ kind: "pause", serviceId: "svc_e", at: NOW - DAY }];
    for (let at = cs - 9500; at < NOW; at += SEC) records.push(check("svc_e", at, "up"));
    const stats = composeStats({ serviceId: "svc_e", snapshot: snapshotOf(records, 1, cover), cover, current: undefined });
    expect(stats).toMatchObject({ upMs: NOW - cs, excludedMs: 0, unknownMs: 0 });
  });

  it("splits the span from the last rolled-up row to the first unrolled one over the minutes it crosses", () => {
    const M = floorTo(NOW, MIN) - 5 * MIN;
    const records = [check("svc_c", M - 1500, "down", { maxSpanMs: 10 * SEC }), check("svc_c", M + 2500, "up")];
    const cover = coverWindow({ startMs: M - 2 * MIN, endMs: M + 2 * MIN }, NOW, keptAsOf(NOW));
    const stats = composeStats({ serviceId: "svc_c", snapshot: snapshotOf(records, 1, cover), cover, current: undefined });
    const before = stats.buckets.find((b) => b.startMs === M - MIN)!;
    const after = stats.buckets.find((b) => b.startMs === M)!;
    expect(before).toMatchObject({ checks: 1, downMs: 1500 });
    expect(after).toMatchObject({ checks: 1, downMs: 2500 });
    expect(stats.downMs).toBe(4000);
    // The up check stands for its own 4 s cap.
    expect(stats.upMs).toBe(4 * SEC);
  });

  describe("the current streak", () => {
    const cover = coverWindow({ startMs: NOW - HOUR, endMs: NOW }, NOW, keptAsOf(NOW));
    const failure: StatusChangeRecord[] = [
      { serviceId: "svc_d", at: NOW - 40 * MIN, previous: "up", status: "down", detail: "connection refused" },
      { serviceId: "svc_d", at: NOW - 30 * MIN, previous: "down", status: "up", detail: "" },
    ];
    const streak = (changes: StatusChangeRecord[], current: CurrentObservation) =>
      composeStats({ serviceId: "svc_d", snapshot: snapshotOf([], 0, cover, changes), cover, current }).currentStreak;

    it("takes the last failure from the history", () => {
      expect(streak(failure, { status: "up", sinceMs: NOW - 30 * MIN, paused: false })).toEqual({
        status: "up",
        sinceMs: NOW - 30 * MIN,
        paused: false,
        lastFailure: { startMs: NOW - 40 * MIN, endMs: NOW - 30 * MIN },
      });
      expect(streak(failure.slice(0, 1), { status: "down", sinceMs: NOW - 40 * MIN, paused: true })).toEqual({
        status: "down",
        sinceMs: NOW - 40 * MIN,
        paused: true,
        lastFailure: { startMs: NOW - 40 * MIN, endMs: undefined },
      });
    });

    it("believes the engine over a history a batch behind", () => {
      // Down again since a second ago; the history's newest failure is the old one.
      expect(streak(failure, { status: "down", sinceMs: NOW - SEC, paused: false }).lastFailure).toEqual({ startMs: NOW - SEC, endMs: undefined });
      expect(streak([], { status: "down", sinceMs: NOW - SEC, paused: false }).lastFailure).toEqual({ startMs: NOW - SEC, endMs: undefined });
      // Up since a second ago; the history still has the failure going on.
      expect(streak(failure.slice(0, 1), { status: "up", sinceMs: NOW - SEC, paused: false }).lastFailure).toEqual({
        startMs: NOW - 40 * MIN,
        endMs: NOW - SEC,
      });
    });
  });
});
