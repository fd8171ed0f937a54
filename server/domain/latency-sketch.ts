/**
 * A mergeable quantile sketch for latencies (issue 11's rollups): the
 * log-bucket scheme of DDSketch (Masson, Rim, Lee, VLDB 2019). A value x > 0
 * falls in bucket i = ceil(log_γ x) with γ = (1 + α) / (1 − α); every bucket
 * is reported as 2γ^i / (γ + 1), which is within a relative error α of every
 * value the bucket holds. So any quantile of any merge of sketches — minute
 * rollups summed into an hour, hours into 30 days — is within α of the exact
 * quantile of the values added, whatever their distribution, and merging is
 * adding counts bucket by bucket (exact, order-free).
 *
 * With α = 1 %, latencies from 1 µs to 1 h take at most ~1,100 buckets; real
 * services use a few dozen, and the sketch is kept sparse.
 *
 * Pure data and functions: no clock, no I/O. Values are milliseconds.
 */

/** The relative accuracy of every sketch here: quantiles are within 1 % of the exact ones. */
export const RELATIVE_ACCURACY = 0.01;

const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);

/**
 * Values at or below this (a millisecond's millionth) count as zero: a log
 * bucket cannot hold 0, and nothing a check measures is that short.
 */
export const ZERO_THRESHOLD_MS = 1e-6;

export interface LatencySketch {
  /** Counts by bucket index (sparse). */
  readonly buckets: Map<number, number>;
  /** Values ≤ ZERO_THRESHOLD_MS. */
  zeroCount: number;
  count: number;
  sum: number;
  /** Exact extremes; undefined while empty. */
  min: number | undefined;
  max: number | undefined;
}

export function createLatencySketch(): LatencySketch {
  return { buckets: new Map(), zeroCount: 0, count: 0, sum: 0, min: undefined, max: undefined };
}

/** Adds one value (ms); a negative or non-finite value is a caller's bug and throws. */
export function addLatency(sketch: LatencySketch, valueMs: number): void {
  if (!Number.isFinite(valueMs) || valueMs < 0) throw new RangeError(`latency must be a finite number ≥ 0, got ${valueMs}`);
  if (valueMs <= ZERO_THRESHOLD_MS) sketch.zeroCount++;
  else {
    const index = Math.ceil(Math.log(valueMs) / LOG_GAMMA);
    sketch.buckets.set(index, (sketch.buckets.get(index) ?? 0) + 1);
  }
  sketch.count++;
  sketch.sum += valueMs;
  sketch.min = sketch.min === undefined ? valueMs : Math.min(sketch.min, valueMs);
  sketch.max = sketch.max === undefined ? valueMs : Math.max(sketch.max, valueMs);
}

/** Adds every value of `other` into `into` (exact: the result is the sketch of both inputs' values). */
export function mergeLatencySketch(into: LatencySketch, other: LatencySketch): void {
  for (const [index, n] of other.buckets) into.buckets.set(index, (into.buckets.get(index) ?? 0) + n);
  into.zeroCount += other.zeroCount;
  into.count += other.count;
  into.sum += other.sum;
  if (other.min !== undefined) into.min = into.min === undefined ? other.min : Math.min(into.min, other.min);
  if (other.max !== undefined) into.max = into.max === undefined ? other.max : Math.max(into.max, other.max);
}

/**
 * The q-quantile (0 ≤ q ≤ 1) of the values added, within RELATIVE_ACCURACY
 * of the exact one (the value of rank ⌊q·(n−1)⌋ in sorted order), clamped
 * to the exact min and max; undefined for an empty sketch.
 */
export function latencyQuantile(sketch: LatencySketch, q: number): number | undefined {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be between 0 and 1, got ${q}`);
  if (sketch.count === 0 || sketch.min === undefined || sketch.max === undefined) return undefined;
  const rank = Math.floor(q * (sketch.count - 1));
  if (rank < sketch.zeroCount) return 0;
  let seen = sketch.zeroCount;
  const indexes = [...sketch.buckets.keys()].sort((a, b) => a - b);
  for (const index of indexes) {
    seen += sketch.buckets.get(index)!;
    if (seen > rank) {
      const estimate = (2 * GAMMA ** index) / (GAMMA + 1);
      return Math.min(Math.max(estimate, sketch.min), sketch.max);
    }
  }
  return sketch.max;
}

/** The mean of the values added; undefined for an empty sketch. */
export function latencyMean(sketch: LatencySketch): number | undefined {
  return sketch.count === 0 ? undefined : sketch.sum / sketch.count;
}

/** The sketch as plain JSON (a rollup row's column): buckets as [index, count] pairs in index order. */
export interface LatencySketchJson {
  readonly buckets: readonly (readonly [number, number])[];
  readonly zeroCount: number;
  readonly count: number;
  readonly sum: number;
  readonly min: number | null;
  readonly max: number | null;
}

export function latencySketchToJson(sketch: LatencySketch): LatencySketchJson {
  return {
    buckets: [...sketch.buckets].sort((a, b) => a[0] - b[0]),
    zeroCount: sketch.zeroCount,
    count: sketch.count,
    sum: sketch.sum,
    min: sketch.min ?? null,
    max: sketch.max ?? null,
  };
}

/** Reads a sketch back; throws a RangeError naming what is wrong (a stored row must fail loudly). */
export function latencySketchFromJson(json: LatencySketchJson): LatencySketch {
  const sketch = createLatencySketch();
  let counted = json.zeroCount;
  for (const [index, n] of json.buckets) {
    if (!Number.isInteger(index) || !Number.isInteger(n) || n <= 0) throw new RangeError(`bucket [${index}, ${n}] is not an index and a positive count`);
    sketch.buckets.set(index, (sketch.buckets.get(index) ?? 0) + n);
    counted += n;
  }
  if (!Number.isInteger(json.zeroCount) || json.zeroCount < 0) throw new RangeError(`zeroCount ${json.zeroCount} is not a count`);
  if (counted !== json.count) throw new RangeError(`count ${json.count} is not the buckets' total ${counted}`);
  if ((json.count === 0) !== (json.min === null) || (json.count === 0) !== (json.max === null)) {
    throw new RangeError("min and max must be set exactly when count > 0");
  }
  sketch.zeroCount = json.zeroCount;
  sketch.count = json.count;
  sketch.sum = json.sum;
  sketch.min = json.min ?? undefined;
  sketch.max = json.max ?? undefined;
  return sketch;
}
