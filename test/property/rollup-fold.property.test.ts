import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { HistoryRecord, RollupBucket, RollupResolution, RollupTail } from "../../server/domain/history-types.js";
import { foldOpenSpan, foldRecord, mergeBucket, type BucketMap } from "../../server/domain/rollup-fold.js";
import { PROPERTY_SEED } from "./timeline-arbitrary.js";

/**
 * The rollup fold claims a history folded in one go and one folded in
 * pieces (the rollup job runs on what was written since its last run,
 * merging into the stored buckets and carrying the tail) give the same
 * buckets, and that every resolution holds the same totals.
 */

const resolutions: readonly RollupResolution[] = ["minute", "hour", "day"];

const rows = fc
  .array(
    fc.record({
      gap: fc.integer({ min: 0, max: 2_000_000 }),
      pause: fc.boolean(),
      up: fc.boolean(),
      inOutage: fc.boolean(),
      latencyMs: fc.integer({ min: 0, max: 5_000 }),
      maxSpanMs: fc.integer({ min: 1_000, max: 3_000_000 }),
      code: fc.option(fc.constantFrom(200, 301, 503)),
    }),
    { maxLength: 25 },
  )
  .map((steps) => {
    let at = 1_700_000_000_000;
    return steps.map((s): HistoryRecord => {
      at += s.gap;
      if (s.pause) return { kind: "pause", serviceId: "svc", at };
      return {
        kind: "check",
        serviceId: "svc",
        at,
        status: s.up ? "up" : "down",
        latencyMs: s.latencyMs,
        detail: "",
        inOutage: s.inOutage,
        maxSpanMs: s.maxSpanMs,
        ...(s.code === null ? {} : { http: { statusCode: s.code } as NonNullable<Extract<HistoryRecord, { kind: "check" }>["http"]> }),
      };
    });
  });

function fold(into: BucketMap, tail: RollupTail | undefined, records: readonly HistoryRecord[]): RollupTail | undefined {
  let t = tail;
  for (const record of records) t = foldRecord(into, resolutions, t, record);
  return t;
}

/** A comparable view of a bucket map (the sketch by its exact parts and buckets). */
function view(map: BucketMap) {
  return [...map.entries()]
    .filter(([, b]) => b.checks + b.upMs + b.downMs + b.excludedMs > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, b]) => [key, summary(b)]);
}

function summary(b: RollupBucket) {
  const { latency, statusCodes, ...counts } = b;
  return {
    ...counts,
    latency: [latency.count, latency.sum, latency.min, latency.max, [...latency.buckets].sort((x, y) => x[0] - y[0])],
    statusCodes: [...statusCodes].sort((x, y) => x[0] - y[0]),
  };
}

describe("rollup fold, over random histories", () => {
  it("folding in pieces and merging the buckets equals folding in one go", () => {
    fc.assert(
      fc.property(rows, fc.nat(), fc.integer({ min: 0, max: 4_000_000 }), (history, cut, openFor) => {
        const at = cut % (history.length + 1);
        const whole: BucketMap = new Map();
        const wholeTail = fold(whole, undefined, history);
        const first: BucketMap = new Map();
        const second: BucketMap = new Map();
        const tail = fold(second, fold(first, undefined, history.slice(0, at)), history.slice(at));
        expect(tail).toEqual(wholeTail);
        const until = (history.at(-1)?.at ?? 0) + openFor;
        foldOpenSpan(whole, resolutions, wholeTail, until);
        foldOpenSpan(second, resolutions, tail, until);
        for (const [key, bucket] of second) {
          const stored = first.get(key);
          if (stored === undefined) first.set(key, bucket);
          else mergeBucket(stored, bucket);
        }
        expect(view(first)).toEqual(view(whole));
      }),
      { seed: PROPERTY_SEED, numRuns: 200 },
    );
  });

  it("every resolution holds the same totals: checks, status codes and each kind of time", () => {
    fc.assert(
      fc.property(rows, (history) => {
        const map: BucketMap = new Map();
        fold(map, undefined, history);
        const totals = (resolution: RollupResolution) => {
          const buckets = [...map.values()].filter((b) => b.resolution === resolution);
          const sum = (f: (b: RollupBucket) => number) => buckets.reduce((s, b) => s + f(b), 0);
          return [sum((b) => b.checks), sum((b) => b.upChecks), sum((b) => b.outageChecks), sum((b) => b.upMs), sum((b) => b.downMs), sum((b) => b.excludedMs)];
        };
        const minute = totals("minute");
        expect(minute[0]).toBe(history.filter((r) => r.kind === "check").length);
        expect(totals("hour")).toEqual(minute);
        expect(totals("day")).toEqual(minute);
      }),
      { seed: PROPERTY_SEED, numRuns: 200 },
    );
  });
});
