import { describe, expect, it } from "vitest";
import {
  addLatency,
  createLatencySketch,
  latencyMean,
  latencyQuantile,
  latencySketchFromJson,
  latencySketchToJson,
  mergeLatencySketch,
  RELATIVE_ACCURACY,
  type LatencySketch,
} from "../../server/domain/latency-sketch.js";
import { prng } from "../support/prng.js";

/** Latency-like values: mostly a few ms, a long tail into seconds, some sub-ms. */
function latencies(n: number, seed: number): number[] {
  const next = prng(seed);
  return Array.from({ length: n }, () => Math.exp(Math.log(3) + 1.5 * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next())));
}

const sketchOf = (values: readonly number[]): LatencySketch => {
  const sketch = createLatencySketch();
  for (const v of values) addLatency(sketch, v);
  return sketch;
};

/** The exact quantile the sketch approximates: the value of rank ⌊q·(n−1)⌋. */
const exact = (sorted: readonly number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))]!;

const QUANTILES = [0, 0.01, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

describe("the latency sketch", () => {
  it("gives every quantile within its relative accuracy of the exact one", () => {
    const values = latencies(50_000, 1);
    const sorted = [...values].sort((a, b) => a - b);
    const sketch = sketchOf(values);
    for (const q of QUANTILES) {
      const estimate = latencyQuantile(sketch, q)!;
      const truth = exact(sorted, q);
      expect(Math.abs(estimate - truth) / truth, `q=${q}: ${estimate} vs ${truth}`).toBeLessThanOrEqual(RELATIVE_ACCURACY + 1e-12);
    }
    expect(latencyQuantile(sketch, 0)).toBe(sorted[0]);
    expect(latencyQuantile(sketch, 1)).toBe(sorted.at(-1));
    expect(latencyMean(sketch)).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 9);
  });

  it("merges exactly: minute sketches merged are the sketch of all their values, in any order", () => {
    const values = latencies(6_000, 2);
    const minutes = Array.from({ length: 60 }, (_, i) => sketchOf(values.slice(i * 100, (i + 1) * 100)));
    const forward = createLatencySketch();
    for (const m of minutes) mergeLatencySketch(forward, m);
    const backward = createLatencySketch();
    for (const m of [...minutes].reverse()) mergeLatencySketch(backward, m);
    const whole = latencySketchToJson(sketchOf(values));
    expect({ ...latencySketchToJson(forward), sum: 0 }).toEqual({ ...whole, sum: 0 });
    expect({ ...latencySketchToJson(backward), sum: 0 }).toEqual({ ...whole, sum: 0 });
    expect(forward.sum).toBeCloseTo(whole.sum, 6);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of QUANTILES) {
      const truth = exact(sorted, q);
      expect(Math.abs(latencyQuantile(forward, q)! - truth) / truth).toBeLessThanOrEqual(RELATIVE_ACCURACY + 1e-12);
    }
  });

  it("counts zero latencies apart, and answers nothing when empty", () => {
    const empty = createLatencySketch();
    expect(latencyQuantile(empty, 0.5)).toBeUndefined();
    expect(latencyMean(empty)).toBeUndefined();
    const sketch = sketchOf([0, 0, 0, 10]);
    expect(latencyQuantile(sketch, 0.5)).toBe(0);
    expect(Math.abs(latencyQuantile(sketch, 1)! - 10)).toBe(0);
    expect(sketch.zeroCount).toBe(3);
  });

  it("round-trips through JSON and refuses a row that does not add up", () => {
    const sketch = sketchOf(latencies(500, 3));
    const json = latencySketchToJson(sketch);
    expect(latencySketchToJson(latencySketchFromJson(JSON.parse(JSON.stringify(json))))).toEqual(json);
    expect(() => latencySketchFromJson({ ...json, count: json.count + 1 })).toThrow(/count/);
    expect(() => latencySketchFromJson({ ...json, buckets: [[1, 0]] })).toThrow(/positive count/);
    expect(() => latencySketchFromJson({ ...json, min: null })).toThrow(/min and max/);
  });

  it("refuses a negative or non-finite latency and a quantile outside 0..1", () => {
    expect(() => addLatency(createLatencySketch(), -1)).toThrow(RangeError);
    expect(() => addLatency(createLatencySketch(), Number.NaN)).toThrow(RangeError);
    expect(() => latencyQuantile(sketchOf([1]), 1.5)).toThrow(RangeError);
  });
});
