import type { ResolveResult } from "../engine/dns-cache.js";
import { addressAllowed, type TargetPolicy } from "./target-policy.js";

/**
 * Wraps the probes' resolver so every address a check would connect to
 * (a TCP check's, an HTTP check's and each redirect's) is judged by the
 * policy first: a refused one is a resolution failure, so the check is DOWN
 * with that detail and no packet is sent. Judging here rather than at
 * registration alone is what stops a name that resolves, or is later
 * re-pointed, to a metadata address.
 */
export function guardResolve(
  resolve: (host: string) => Promise<ResolveResult>,
  policy: TargetPolicy,
  onRefused?: (detail: string) => void,
): (host: string) => Promise<ResolveResult> {
  return async (host) => {
    const resolved = await resolve(host);
    if (!resolved.ok || addressAllowed(policy, host, resolved.address)) return resolved;
    const detail = `address ${resolved.address} refused by --allow-targets`;
    onRefused?.(`${host}: ${detail}`);
    return { ok: false, code: "EREFUSEDBYPOLICY", detail };
  };
}
