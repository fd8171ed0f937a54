/** A token bucket's settings: `ratePerSecond` tokens refill each second, up to `burst`. */
export interface BucketRate {
  readonly ratePerSecond: number;
  readonly burst: number;
}

/** Tokens left as of `atMs`; refills are computed lazily from the time passed. */
export interface Bucket {
  readonly tokens: number;
  readonly atMs: number;
}

export type TakeResult =
  | { readonly kind: "taken"; readonly bucket: Bucket }
  | { readonly kind: "refused"; readonly bucket: Bucket; readonly retryAfterMs: number };

/** A bucket nobody has drawn from: full. */
export const fullBucket = (rate: BucketRate, nowMs: number): Bucket => ({ tokens: rate.burst, atMs: nowMs });

/** The bucket refilled to `nowMs`; a clock going backwards refills nothing. */
export function refill(bucket: Bucket, rate: BucketRate, nowMs: number): Bucket {
  const elapsedMs = Math.max(0, nowMs - bucket.atMs);
  return { tokens: Math.min(rate.burst, bucket.tokens + (elapsedMs * rate.ratePerSecond) / 1000), atMs: Math.max(nowMs, bucket.atMs) };
}

/** Takes one token, or says how long until one is there (rounded up to whole ms). */
export function take(bucket: Bucket, rate: BucketRate, nowMs: number): TakeResult {
  const current = refill(bucket, rate, nowMs);
  if (current.tokens >= 1) return { kind: "taken", bucket: { tokens: current.tokens - 1, atMs: current.atMs } };
  return { kind: "refused", bucket: current, retryAfterMs: Math.ceil(((1 - current.tokens) * 1000) / rate.ratePerSecond) };
}

/** Whether the bucket is full again at `nowMs`: it then holds nothing worth keeping. */
export const isFull = (bucket: Bucket, rate: BucketRate, nowMs: number): boolean => refill(bucket, rate, nowMs).tokens >= rate.burst;
