import { fullBucket, isFull, take, type Bucket, type BucketRate } from "./token-bucket.js";

export type RateVerdict = { readonly kind: "allowed" } | { readonly kind: "refused"; readonly retryAfterMs: number };

export interface MutationRateLimiter {
  /** Counts one mutation by `client` at `nowMs`. */
  take(client: string, nowMs: number): RateVerdict;
  /** Buckets held; for tests and the bound. */
  size(): number;
}

/**
 * Buckets held at most. A full bucket is the same as none, so idle ones are
 * dropped; this cap is the backstop against a client rotating its address
 * faster than its buckets refill (each is a few dozen bytes).
 */
export const MAX_BUCKETS = 100_000;
const FIRST_SWEEP_AT = 1024;

/**
 * One token bucket per client, held only while it is not full: a client that
 * stops for burst/rate seconds costs nothing. Sweeps run when the map has
 * doubled since the last one, so their cost is amortised over the takes.
 */
export function createMutationRateLimiter(rate: BucketRate, maxBuckets = MAX_BUCKETS): MutationRateLimiter {
  const buckets = new Map<string, Bucket>();
  let sweepAt = FIRST_SWEEP_AT;

  function sweep(nowMs: number): void {
    for (const [client, bucket] of buckets) if (isFull(bucket, rate, nowMs)) buckets.delete(client);
    // Insertion order is first-seen order: at the cap, the oldest quarter go
    // at once (not one per take, which would make every take a full sweep).
    if (buckets.size >= maxBuckets) {
      for (const client of buckets.keys()) {
        if (buckets.size < maxBuckets * 0.75) break;
        buckets.delete(client);
      }
    }
    sweepAt = Math.max(FIRST_SWEEP_AT, buckets.size * 2);
  }

  return {
    take(client, nowMs) {
      if (!buckets.has(client) && buckets.size >= Math.min(sweepAt, maxBuckets)) sweep(nowMs);
      const result = take(buckets.get(client) ?? fullBucket(rate, nowMs), rate, nowMs);
      buckets.set(client, result.bucket);
      return result.kind === "taken" ? { kind: "allowed" } : { kind: "refused", retryAfterMs: result.retryAfterMs };
    },
    size: () => buckets.size,
  };
}
