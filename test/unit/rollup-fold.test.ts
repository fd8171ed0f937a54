import { describe, expect, it } from "vitest";
import { bucketStart, type HistoryRecord, type RollupBucket, type RollupResolution, type RollupTail } from "../../server/domain/history-types.js";
import {
  bucketKey,
  emptyBucket,
  foldOpenSpan,
  foldRecord,
  mergeBucket,
  tailOf,
  type BucketMap,
} from "../../server/domain/rollup-fold.js";
import { statusDurations, spansOf } from "../../server/domain/status-durations.js";
import type { HttpCheckDetails } from "../../server/domain/types.js";
import { prng } from "../support/prng.js";

const SECOND = 1000;
const MIN = 60_000;
const HOUR = 3_600_000;
const ALL: readonly RollupResolution[] = ["minute", "hour", "day"];
const SVC = "svc_1";

function check(at: number, status: "up" | "down", extra: Partial<{ latencyMs: number; inOutage: boolean; intervalMs: number; statusCode: number }> = {}): HistoryRecord {
  const http: HttpCheckDetails | undefined =
    extra.statusCode === undefined
      ? undefined
      : { statusCode: extra.statusCode, phases: {} as HttpCheckDetails["phases"], tlsExpiresAt: undefined, captures: [], namedCaptures: {} };
  return {
    kind: "check",
    serviceId: SVC,
    at,
    status,
    latencyMs: extra.latencyMs ?? 5,
    detail: status === "up" ? "" : "connection refused",
    inOutage: extra.inOutage ?? false,
    maxSpanMs: 2 * (extra.intervalMs ?? SECOND),
    ...(http === undefined ? {} : { http }),
  };
}

function pause(at: number): HistoryRecord {
  return { kind: "pause", serviceId: SVC, at };
}

/** Folds rows in order from no tail; returns the buckets and the last tail. */
function foldAll(rows: readonly HistoryRecord[], resolutions: readonly RollupResolution[] = ALL, tail?: RollupTail) {
  const buckets: BucketMap = new Map();
  let t = tail;
  for (const row of rows) t = foldRecord(buckets, resolutions, t, row);
  return { buckets, tail: t };
}

function at(buckets: BucketMap, resolution: RollupResolution, startMs: number): RollupBucket | undefined {
  return buckets.get(bucketKey(SVC, resolution, startMs));
}

function durations(b: RollupBucket | undefined) {
  return b === undefined ? undefined : { upMs: b.upMs, downMs: b.downMs, excludedMs: b.excludedMs };
}

describe("foldRecord", () => {
  it("splits a span crossing a minute, an hour and a UTC day boundary over every resolution", () => {
    const midnight = Date.parse("2026-03-02T00:00:00Z");
    const { buckets } = foldAll([check(midnight - 500, "down"), check(midnight + 700, "up")]);
    for (const resolution of ALL) {
      expect(durations(at(buckets, resolution, bucketStart(resolution, midnight - 1)))).toEqual({ upMs: 0, downMs: 500, excludedMs: 0 });
      // The second check's span has not ended yet: only the first's 700 ms of it are in the new buckets.
      expect(durations(at(buckets, resolution, midnight))).toEqual({ upMs: 0, downMs: 700, excludedMs: 0 });
      expect(at(buckets, resolution, midnight)!.checks).toBe(1);
    }
    expect(at(buckets, "day", midnight - 86_400_000)!.downChecks).toBe(1);
  });

  it("splits a long excluded span over many minutes and hours, each piece whole", () => {
    const start = Date.parse("2026-03-02T10:59:30Z");
    const { buckets } = foldAll([pause(start), check(start + 2 * HOUR, "up")]);
    expect(at(buckets, "minute", start - 30 * SECOND)!.excludedMs).toBe(30 * SECOND);
    expect(at(buckets, "minute", start + 30 * SECOND)!.excludedMs).toBe(MIN);
    expect(at(buckets, "hour", Date.parse("2026-03-02T10:00:00Z"))!.excludedMs).toBe(30 * SECOND);
    expect(at(buckets, "hour", Date.parse("2026-03-02T11:00:00Z"))!.excludedMs).toBe(HOUR);
    expect(at(buckets, "hour", Date.parse("2026-03-02T12:00:00Z"))!.excludedMs).toBe(HOUR - 30 * SECOND);
    expect(at(buckets, "day", Date.parse("2026-03-02T00:00:00Z"))!.excludedMs).toBe(2 * HOUR);
    const minutes = [...buckets.values()].filter((b) => b.resolution === "minute");
    expect(minutes).toHaveLength(121);
    expect(minutes.reduce((sum, b) => sum + b.excludedMs, 0)).toBe(2 * HOUR);
  });

  it("caps a check's span at its maxSpanMs (here twice its interval): the rest of a gap is in no duration (unknown)", () => {
    const { buckets, tail } = foldAll([check(0, "up", { intervalMs: 5 * SECOND }), check(40 * SECOND, "down", { intervalMs: 5 * SECOND })]);
    expect(durations(at(buckets, "minute", 0))).toEqual({ upMs: 10 * SECOND, downMs: 0, excludedMs: 0 });
    expect(tail).toEqual({ serviceId: SVC, at: 40 * SECOND, state: "down", maxSpanMs: 10 * SECOND });
    // Stats' open span: capped too.
    foldOpenSpan(buckets, ["minute"], tail, 10 * MIN);
    expect(durations(at(buckets, "minute", 0))).toEqual({ upMs: 10 * SECOND, downMs: 10 * SECOND, excludedMs: 0 });
    expect(at(buckets, "minute", MIN)).toBeUndefined();
  });

  it("counts outage checks in checks and up/down but their time as excluded; a pause marker's time is excluded and uncapped", () => {
    const { buckets } = foldAll([
      check(0, "up", { latencyMs: 3 }),
      check(1 * SECOND, "down", { inOutage: true }),
      check(2 * SECOND, "up", { inOutage: true, latencyMs: 7 }),
      check(3 * SECOND, "up", { latencyMs: 11 }),
      pause(4 * SECOND),
      check(50 * SECOND, "up", { latencyMs: 13 }),
    ]);
    const b = at(buckets, "minute", 0)!;
    expect(durations(b)).toEqual({ upMs: 2 * SECOND, downMs: 0, excludedMs: 2 * SECOND + 46 * SECOND });
    expect({ checks: b.checks, up: b.upChecks, down: b.downChecks, outage: b.outageChecks }).toEqual({ checks: 5, up: 4, down: 1, outage: 2 });
    // Latencies of the successful checks only (the failed one's 5 ms is not there).
    expect({ count: b.latency.count, sum: b.latency.sum, min: b.latency.min, max: b.latency.max }).toEqual({ count: 4, sum: 34, min: 3, max: 13 });
  });

  it("counts HTTP status codes, and none for a check without a response", () => {
    const { buckets } = foldAll([
      check(0, "up", { statusCode: 200 }),
      check(SECOND, "up", { statusCode: 200 }),
      check(2 * SECOND, "down", { statusCode: 503 }),
      check(3 * SECOND, "down"),
    ]);
    expect(at(buckets, "hour", 0)!.statusCodes).toEqual(
      new Map([
        [200, 2],
        [503, 1],
      ]),
    );
  });

  it("counts a row older than the tail but adds no span and keeps the tail (a check that outlived a pause)", () => {
    const { buckets, tail } = foldAll([check(0, "up"), pause(1500), check(1000, "down"), check(9 * SECOND, "up")]);
    expect(tail).toEqual(tailOf(check(9 * SECOND, "up")));
    const b = at(buckets, "minute", 0)!;
    expect(b.checks).toBe(3);
    expect(b.downChecks).toBe(1);
    expect(durations(b)).toEqual({ upMs: 1500, downMs: 0, excludedMs: 7500 });
  });

  it("refuses a tail of another service (a caller's bug)", () => {
    expect(() => foldRecord(new Map(), ALL, { serviceId: "svc_2", at: 0, state: "up", maxSpanMs: 2000 }, check(1000, "up"))).toThrow(/svc_2/);
  });
});

describe("foldOpenSpan", () => {
  it("lets the newest row stand until now, and adds nothing for a now before it or no tail", () => {
    const buckets: BucketMap = new Map();
    foldOpenSpan(buckets, ALL, undefined, 10 * SECOND);
    foldOpenSpan(buckets, ALL, tailOf(check(20 * SECOND, "up")), 10 * SECOND);
    expect(buckets.size).toBe(0);
    foldOpenSpan(buckets, ALL, tailOf(check(59 * SECOND, "up")), 60_500);
    expect(durations(at(buckets, "minute", 0))).toEqual({ upMs: 1000, downMs: 0, excludedMs: 0 });
    expect(durations(at(buckets, "minute", MIN))).toEqual({ upMs: 500, downMs: 0, excludedMs: 0 });
    expect(at(buckets, "minute", MIN)!.checks).toBe(0);
  });
});

describe("mergeBucket", () => {
  it("adds counts, durations, sketches and status codes; the target keeps its key", () => {
    const a = foldAll([check(0, "up", { statusCode: 200, latencyMs: 4 }), check(SECOND, "down", { statusCode: 500 })], ["minute"]).buckets;
    const into = emptyBucket(SVC, "hour", 0);
    mergeBucket(into, at(a, "minute", 0)!);
    mergeBucket(into, at(a, "minute", 0)!);
    expect(into).toMatchObject({ resolution: "hour", startMs: 0, checks: 4, upChecks: 2, downChecks: 2, upMs: 2000 });
    expect(into.statusCodes).toEqual(
      new Map([
        [200, 2],
        [500, 2],
      ]),
    );
    expect(into.latency.count).toBe(2);
  });
});

describe("folding per minute then merging equals folding into every resolution", () => {
  it("gives the same counts, durations and sketches for a random history across a day boundary", () => {
    const random = prng(11);
    const rows: HistoryRecord[] = [];
    let t = Date.parse("2026-05-31T22:30:00Z");
    let paused = false;
    while (rows.length < 6000) {
      if (random() < 0.004) {
        paused = !paused;
        if (paused) rows.push(pause(t));
      }
      const intervalMs = [SECOND, 5 * SECOND, 30 * SECOND][Math.floor(random() * 3)]!;
      // Gaps now and then beyond twice the interval (unknown time).
      t += random() < 0.01 ? intervalMs * 3 + 17 : intervalMs + Math.floor(random() * 200);
      if (paused) continue;
      rows.push(
        check(t, random() < 0.1 ? "down" : "up", {
          intervalMs,
          inOutage: random() < 0.05,
          // Quarters of a ms: sums stay exact in any order, so the sketches compare equal.
          latencyMs: Math.floor(random() * 4000) / 4,
          ...(random() < 0.5 ? { statusCode: [200, 301, 404, 503][Math.floor(random() * 4)]! } : {}),
        }),
      );
    }
    const direct = foldAll(rows, ALL);
    const minutes = foldAll(rows, ["minute"]);
    expect(minutes.tail).toEqual(direct.tail);

    const merged: BucketMap = new Map();
    for (const minute of minutes.buckets.values()) {
      for (const resolution of ALL) {
        const startMs = bucketStart(resolution, minute.startMs);
        const key = bucketKey(SVC, resolution, startMs);
        if (!merged.has(key)) merged.set(key, emptyBucket(SVC, resolution, startMs));
        mergeBucket(merged.get(key)!, minute);
      }
    }
    expect(new Set(merged.keys())).toEqual(new Set(direct.buckets.keys()));
    for (const [key, bucket] of direct.buckets) expect(merged.get(key), key).toEqual(bucket);
    const days = [...direct.buckets.values()].filter((b) => b.resolution === "day");
    expect(days.length).toBeGreaterThanOrEqual(2);
  });
});

describe("the issue's script", () => {
  it("10 min checked every second, down 90 s in three pieces, one planned outage: up/down/excluded within one check of the exact figures", () => {
    const start = Date.parse("2026-01-01T23:55:00Z"); // crosses an hour and a UTC day
    const outage = { startMs: start + 190_500, endMs: start + 240_500 };
    const rows: HistoryRecord[] = [];
    const results: { at: number; status: "up" | "down" }[] = [];
    for (let i = 0; i < 600; i++) {
      const rel = i * SECOND;
      const down = (rel >= 60_000 && rel < 90_000) || (rel >= 200_000 && rel < 230_000) || (rel >= 400_000 && rel < 430_000);
      const status = down ? "down" : "up";
      rows.push(check(start + rel, status, { inOutage: start + rel >= outage.startMs && start + rel < outage.endMs }));
      results.push({ at: start + rel, status });
    }
    const { buckets, tail } = foldAll(rows);
    foldOpenSpan(buckets, ALL, tail, start + 10 * MIN);
    const sum = (resolution: RollupResolution) => {
      const bs = [...buckets.values()].filter((b) => b.resolution === resolution);
      return {
        upMs: bs.reduce((s, b) => s + b.upMs, 0),
        downMs: bs.reduce((s, b) => s + b.downMs, 0),
        excludedMs: bs.reduce((s, b) => s + b.excludedMs, 0),
      };
    };
    const exact = statusDurations(spansOf(results, start + 10 * MIN), [outage], { startMs: start, endMs: start + 10 * MIN });
    for (const resolution of ALL) {
      const got = sum(resolution);
      expect(Math.abs(got.upMs - exact.upMs)).toBeLessThanOrEqual(SECOND);
      expect(Math.abs(got.downMs - exact.downMs)).toBeLessThanOrEqual(SECOND);
      expect(Math.abs(got.excludedMs - exact.excludedMs)).toBeLessThanOrEqual(SECOND);
      expect(got.upMs + got.downMs + got.excludedMs).toBe(10 * MIN);
    }
    expect(sum("minute")).toEqual({ upMs: 490_000, downMs: 60_000, excludedMs: 50_000 });
    const day1 = at(buckets, "day", Date.parse("2026-01-01T00:00:00Z"))!;
    const day2 = at(buckets, "day", Date.parse("2026-01-02T00:00:00Z"))!;
    expect(day1.checks + day2.checks).toBe(600);
    expect(day1.checks).toBe(300);
    expect(day1.downChecks + day2.downChecks).toBe(90);
    expect(day1.outageChecks + day2.outageChecks).toBe(50);
  });
});
