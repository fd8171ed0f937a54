/** How a set of samples is reported: its size, minimum, median, 99th percentile and maximum. */
export interface Summary {
  readonly n: number;
  readonly min: number;
  readonly median: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * The q-quantile (0 ≤ q ≤ 1) of ascending `sorted` samples by the
 * nearest-rank method: the smallest sample with at least q of the samples at
 * or below it. Nearest rank, not interpolation, so every figure reported is a
 * value that was actually measured.
 */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be within [0, 1], got ${q}`);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1]!;
}

/** Min, median, p99 and max of the samples (NaN for each when there are none). */
export function summarize(samples: Iterable<number>): Summary {
  const sorted = Float64Array.from(samples).sort();
  return {
    n: sorted.length,
    min: sorted.length === 0 ? Number.NaN : sorted[0]!,
    median: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1]!,
  };
}
