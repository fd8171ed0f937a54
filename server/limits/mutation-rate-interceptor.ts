import type { Interceptor } from "@connectrpc/connect";
import { MonitorError } from "../domain/monitor-error.js";
import { principalKey } from "../auth/principal.js";
import { remoteAddressKey } from "../auth/remote-address.js";
import { isMutatingRpc } from "./mutating-rpcs.js";
import { createMutationRateLimiter } from "./mutation-rate-limiter.js";
import type { BucketRate } from "./token-bucket.js";

export interface MutationRateOptions {
  readonly rate: BucketRate;
  readonly now: () => number;
  /** Told of each refused call (the metric, the throttled log). */
  readonly onRefused?: (client: string, message: string) => void;
}

/**
 * Limits mutating RPCs per client. The client is the authenticated
 * principal (so one token is one budget wherever it connects from) or, with
 * auth off, the remote address; calls with neither (the in-memory
 * transport) share one budget. Must run inside the auth interceptor, which
 * sets the principal, and inside the error interceptor, which maps the
 * refusal to RESOURCE_EXHAUSTED.
 */
export function createMutationRateInterceptor(options: MutationRateOptions): Interceptor {
  const limiter = createMutationRateLimiter(options.rate);
  const { ratePerSecond, burst } = options.rate;
  return (next) => async (req) => {
    if (!isMutatingRpc(req.service.typeName, req.method.localName)) return next(req);
    const principal = req.contextValues.get(principalKey);
    const client = principal.kind !== "anonymous" ? principal.key : `address:${req.contextValues.get(remoteAddressKey) ?? "unknown"}`;
    const verdict = limiter.take(client, options.now());
    if (verdict.kind === "refused") {
      const message = `mutation rate limit: ${ratePerSecond} per second (burst ${burst}) per client; retry after ${verdict.retryAfterMs} ms`;
      options.onRefused?.(client, message);
      throw new MonitorError("resource_exhausted", message);
    }
    return next(req);
  };
}
