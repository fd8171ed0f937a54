/**
 * Whether a resource (RSS, open FDs) stayed flat over a long run: the median
 * of the last quarter of the samples against the median of the first
 * quarter, both taken after a warm-up (caches, JIT and connection pools fill
 * during the first part of any run, which is growth that stops).
 */
export interface Flatness {
  readonly firstQuarterMedian: number;
  readonly lastQuarterMedian: number;
  /** lastQuarterMedian / firstQuarterMedian - 1: 0.05 is 5 % growth, negative is shrinkage. */
  readonly change: number;
  /** |change| <= tolerance. */
  readonly flat: boolean;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * `values` in time order; `warmUpFraction` of them are dropped first. Needs at
 * least 8 samples after the warm-up (two quarters of two), or says why not.
 */
export function flatWithin(
  values: readonly number[],
  tolerance: number,
  warmUpFraction = 0.1,
): Flatness | { readonly error: string } {
  const kept = values.slice(Math.ceil(values.length * warmUpFraction));
  if (kept.length < 8) return { error: `${kept.length} samples after the warm-up; at least 8 are needed` };
  const quarter = Math.floor(kept.length / 4);
  const firstQuarterMedian = median(kept.slice(0, quarter));
  const lastQuarterMedian = median(kept.slice(kept.length - quarter));
  const change = firstQuarterMedian === 0 ? (lastQuarterMedian === 0 ? 0 : Infinity) : lastQuarterMedian / firstQuarterMedian - 1;
  return { firstQuarterMedian, lastQuarterMedian, change, flat: Math.abs(change) <= tolerance };
}
