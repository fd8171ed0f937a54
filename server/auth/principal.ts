import { createContextKey } from "@connectrpc/connect";

/**
 * Who is calling, as authentication found out. `key` is stable per principal
 * and holds no secret (an admin token is named by a prefix of its SHA-256),
 * so per-client limits and logs may use it.
 */
export type Principal =
  | { readonly kind: "admin"; readonly key: string; readonly tokenDigest: string }
  | { readonly kind: "caller"; readonly key: string; readonly callerId: string; readonly tokenHash: string }
  /** Auth is off: every call is anonymous. */
  | { readonly kind: "anonymous"; readonly key: "anonymous" };

export const ANONYMOUS: Principal = { kind: "anonymous", key: "anonymous" };

export const adminPrincipal = (tokenDigest: string): Principal => ({
  kind: "admin",
  key: `admin:${tokenDigest.slice(0, 12)}`,
  tokenDigest,
});

export const callerPrincipal = (callerId: string, tokenHash: string): Principal => ({
  kind: "caller",
  key: `caller:${callerId}`,
  callerId,
  tokenHash,
});

/**
 * The principal of the call, set by the auth interceptor before any handler
 * runs (`ctx.values.get(principalKey)`); ANONYMOUS when auth is off.
 */
export const principalKey = createContextKey<Principal>(ANONYMOUS, { description: "the authenticated principal" });
