import { describe, expect, it } from "vitest";
import { createMutationRateLimiter } from "../../server/limits/mutation-rate-limiter.js";
import { isMutatingRpc } from "../../server/limits/mutating-rpcs.js";
import { fullBucket, isFull, take } from "../../server/limits/token-bucket.js";
import { parseServerArgs } from "../../server/server-args.js";

const rate = { ratePerSecond: 10, burst: 3 };

describe("token bucket", () => {
  it("allows the burst at once, then one per 1/rate, and says when the next token is there", () => {
    let bucket = fullBucket(rate, 0);
    for (let i = 0; i < 3; i++) {
      const result = take(bucket, rate, 0);
      expect(result.kind).toBe("taken");
      bucket = result.bucket;
    }
    const refused = take(bucket, rate, 0);
    expect(refused).toMatchObject({ kind: "refused", retryAfterMs: 100 });
    expect(take(bucket, rate, 40)).toMatchObject({ kind: "refused", retryAfterMs: 60 });
    expect(take(bucket, rate, 100).kind).toBe("taken");
  });

  it("refills to the burst at most, and a clock going backwards refills nothing", () => {
    const empty = { tokens: 0, atMs: 1000 };
    expect(isFull(empty, rate, 1000 + 299)).toBe(false);
    expect(isFull(empty, rate, 1000 + 300)).toBe(true);
    expect(take(empty, rate, 500)).toMatchObject({ kind: "refused", bucket: { tokens: 0, atMs: 1000 } });
    expect(take(empty, rate, 1_000_000)).toMatchObject({ kind: "taken", bucket: { tokens: 2 } });
  });
});

describe("mutation rate limiter", () => {
  it("keeps one budget per client", () => {
    const limiter = createMutationRateLimiter({ ratePerSecond: 1, burst: 1 });
    expect(limiter.take("a", 0).kind).toBe("allowed");
    expect(limiter.take("a", 0)).toEqual({ kind: "refused", retryAfterMs: 1000 });
    expect(limiter.take("b", 0).kind).toBe("allowed");
    expect(limiter.take("a", 1000).kind).toBe("allowed");
  });

  it("stays bounded when a client rotates its address: full buckets are dropped, the cap holds the rest", () => {
    const limiter = createMutationRateLimiter({ ratePerSecond: 100, burst: 10 }, 5000);
    // 100,000 addresses, one call each, 1 ms apart: each bucket is full again 10 ms later.
    for (let i = 0; i < 100_000; i++) limiter.take(`address:${i}`, i);
    expect(limiter.size()).toBeLessThanOrEqual(1024);
    // All at the same instant: none refills, so only the cap bounds them.
    for (let i = 0; i < 20_000; i++) limiter.take(`burst:${i}`, 200_000);
    expect(limiter.size()).toBeLessThanOrEqual(5000);
  });
});

describe("which RPCs are mutations", () => {
  it("counts registrations and changes, never reads, Watch or health", () => {
    for (const method of ["RegisterService", "UpdateService", "Subscribe", "UnregisterCaller", "SchedulePlannedOutage"]) {
      expect(isMutatingRpc("monitor.v1.ManagementService", method.charAt(0).toLowerCase() + method.slice(1))).toBe(true);
    }
    for (const method of ["getService", "listServices", "listSubscriptions", "getServiceStats"]) {
      expect(isMutatingRpc("monitor.v1.ManagementService", method)).toBe(false);
    }
    expect(isMutatingRpc("monitor.v1.WatchService", "watch")).toBe(false);
    expect(isMutatingRpc("grpc.health.v1.Health", "check")).toBe(false);
  });
});

describe("--max-mutation-rate and --mutation-burst", () => {
  it("default to 100 per second with a burst of 1000; 0 turns the limit off", () => {
    expect(parseServerArgs([], {})).toMatchObject({ args: { maxMutationRate: 100, mutationBurst: 1000 } });
    expect(parseServerArgs(["--max-mutation-rate", "0"], {})).toMatchObject({ args: { maxMutationRate: 0 } });
    expect(parseServerArgs([], { MONITOR_MAX_MUTATION_RATE: "5", MONITOR_MUTATION_BURST: "7" })).toMatchObject({
      args: { maxMutationRate: 5, mutationBurst: 7 },
    });
  });
  it("refuse a value that is not a whole number, naming the flag", () => {
    expect(parseServerArgs(["--max-mutation-rate", "fast"], {})).toMatchObject({ kind: "error", message: expect.stringContaining("--max-mutation-rate:") });
    expect(parseServerArgs(["--mutation-burst", "0"], {})).toMatchObject({ kind: "error", message: expect.stringContaining("--mutation-burst:") });
  });
});
