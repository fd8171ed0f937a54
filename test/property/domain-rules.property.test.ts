import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { effectiveIntervalMs, MIN_CHECK_SPACING_MS } from "../../server/domain/effective-interval.js";
import {
  addLatency,
  createLatencySketch,
  latencyQuantile,
  mergeLatencySketch,
  RELATIVE_ACCURACY,
  ZERO_THRESHOLD_MS,
} from "../../server/domain/latency-sketch.js";
import { spansOf, statusDurations, type TimeWindow } from "../../server/domain/status-durations.js";
import { PROPERTY_SEED } from "./timeline-arbitrary.js";

const params = { seed: PROPERTY_SEED, numRuns: 300 };

describe("effective interval", () => {
  const interval = fc.integer({ min: 1, max: 86_400_000 });
  it("is the shortest of the service's interval and every subscriber's, never below the floor", () => {
    fc.assert(
      fc.property(interval, fc.array(interval, { maxLength: 8 }), (own, polling) => {
        const effective = effectiveIntervalMs(own, polling);
        expect(effective).toBe(Math.max(MIN_CHECK_SPACING_MS, Math.min(own, ...polling)));
        expect(effective).toBeGreaterThanOrEqual(MIN_CHECK_SPACING_MS);
        // Whoever subscribes, nobody is checked less often than they asked (above the floor).
        for (const p of [own, ...polling]) expect(effective).toBeLessThanOrEqual(Math.max(p, MIN_CHECK_SPACING_MS));
      }),
      params,
    );
  });
});

describe("status durations", () => {
  const results = fc
    .array(fc.record({ gap: fc.integer({ min: 0, max: 10_000 }), up: fc.boolean() }), { maxLength: 30 })
    .map((steps) => {
      let at = 0;
      return steps.map((s) => ({ at: (at += s.gap), status: s.up ? ("up" as const) : ("down" as const) }));
    });
  const windowOf = (a: number, b: number): TimeWindow => ({ startMs: Math.min(a, b), endMs: Math.max(a, b) });
  const point = fc.integer({ min: -5_000, max: 320_000 });
  const someWindow = fc.tuple(point, point).map(([a, b]) => windowOf(a, b));

  it("up + down + excluded + unknown is exactly the window, none negative", () => {
    fc.assert(
      fc.property(results, point, fc.array(someWindow, { maxLength: 4 }), someWindow, (history, until, excluded, window) => {
        const d = statusDurations(spansOf(history, until), excluded, window);
        for (const part of [d.upMs, d.downMs, d.excludedMs, d.unknownMs]) expect(part).toBeGreaterThanOrEqual(0);
        expect(d.upMs + d.downMs + d.excludedMs + d.unknownMs).toBe(window.endMs - window.startMs);
      }),
      params,
    );
  });

  it("matches counting each millisecond of the window on its own", () => {
    const small = fc.integer({ min: 0, max: 400 });
    const smallWindow = fc.tuple(small, small).map(([a, b]) => windowOf(a, b));
    const smallResults = fc
      .array(fc.record({ gap: fc.integer({ min: 0, max: 40 }), up: fc.boolean() }), { maxLength: 12 })
      .map((steps) => {
        let at = 0;
        return steps.map((s) => ({ at: (at += s.gap), status: s.up ? ("up" as const) : ("down" as const) }));
      });
    fc.assert(
      fc.property(smallResults, small, fc.array(smallWindow, { maxLength: 3 }), smallWindow, (history, until, excluded, window) => {
        const spans = spansOf(history, until);
        const exact = { upMs: 0, downMs: 0, excludedMs: 0, unknownMs: 0 };
        for (let t = window.startMs; t < window.endMs; t++) {
          const span = spans.find((s) => t >= s.startMs && t < s.endMs);
          if (excluded.some((w) => t >= w.startMs && t < w.endMs)) exact.excludedMs++;
          else if (span === undefined) exact.unknownMs++;
          else if (span.status === "up") exact.upMs++;
          else exact.downMs++;
        }
        expect(statusDurations(spans, excluded, window)).toEqual(exact);
      }),
      params,
    );
  });
});

describe("latency sketch", () => {
  const latency = fc.oneof(fc.double({ min: 0, max: 3_600_000, noNaN: true }), fc.integer({ min: 0, max: 5_000 }));
  const quantile = fc.double({ min: 0, max: 1, noNaN: true });
  const exactQuantile = (values: readonly number[], q: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(q * (sorted.length - 1))]!;
  };
  const sketchOf = (values: readonly number[]) => {
    const sketch = createLatencySketch();
    for (const v of values) addLatency(sketch, v);
    return sketch;
  };

  it("every quantile of a merge of sketches is within the stated relative error of the exact one", () => {
    fc.assert(
      fc.property(fc.array(fc.array(latency, { maxLength: 40 }), { minLength: 1, maxLength: 4 }), quantile, (parts, q) => {
        const merged = createLatencySketch();
        for (const part of parts) mergeLatencySketch(merged, sketchOf(part));
        const values = parts.flat();
        const estimate = latencyQuantile(merged, q);
        if (values.length === 0) {
          expect(estimate).toBeUndefined();
          return;
        }
        const exact = exactQuantile(values, q);
        // Values at or below the zero threshold are reported as 0: an absolute error of at most the threshold.
        expect(Math.abs(estimate! - exact)).toBeLessThanOrEqual(RELATIVE_ACCURACY * exact * (1 + 1e-9) + ZERO_THRESHOLD_MS);
      }),
      params,
    );
  });

  it("merging is order-free: any grouping and order gives the sketch of all the values", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 100_000 }), { maxLength: 60 }), fc.nat(), (values, cut) => {
        const at = values.length === 0 ? 0 : cut % (values.length + 1);
        const ab = sketchOf(values.slice(0, at));
        mergeLatencySketch(ab, sketchOf(values.slice(at)));
        const ba = sketchOf(values.slice(at));
        mergeLatencySketch(ba, sketchOf(values.slice(0, at)));
        const whole = sketchOf(values);
        for (const s of [ab, ba]) {
          expect(new Map([...s.buckets].sort())).toEqual(new Map([...whole.buckets].sort()));
          expect([s.count, s.zeroCount, s.sum, s.min, s.max]).toEqual([whole.count, whole.zeroCount, whole.sum, whole.min, whole.max]);
        }
      }),
      params,
    );
  });
});
