import { hashToken } from "./caller-token.js";
import type { AdminTokenSet } from "./admin-token-set.js";
import { parseBearerToken } from "./bearer-token.js";
import type { CallerTokenIndex } from "./caller-token-index.js";
import { adminPrincipal, callerPrincipal, type Principal } from "./principal.js";

/** Why a call was not authenticated; each has its own message and its own log throttle. */
export type AuthFailure = "missing" | "not_bearer" | "unknown_token";

export type Authentication =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly reason: AuthFailure };

/** The UNAUTHENTICATED message of each failure; none repeats what the client sent. */
export const AUTH_FAILURE_MESSAGES: Readonly<Record<AuthFailure, string>> = {
  missing: 'no credentials: send the metadata "authorization: Bearer <token>"',
  not_bearer: 'the authorization metadata is not "Bearer <token>"',
  unknown_token: "the token is not valid (unknown, rotated or revoked)",
};

/**
 * Finds the principal of an `authorization` header: an admin token (compared
 * in constant time against every configured one), else a caller token (by
 * its hash, see CallerTokenIndex).
 */
export function authenticate(header: string | null, admins: AdminTokenSet, callers: Pick<CallerTokenIndex, "callerOf">): Authentication {
  const bearer = parseBearerToken(header);
  if (bearer.kind !== "token") return { ok: false, reason: bearer.kind };
  const adminDigest = admins.match(bearer.token);
  if (adminDigest !== undefined) return { ok: true, principal: adminPrincipal(adminDigest) };
  const hash = hashToken(bearer.token);
  const callerId = callers.callerOf(hash);
  if (callerId !== undefined) return { ok: true, principal: callerPrincipal(callerId, hash) };
  return { ok: false, reason: "unknown_token" };
}
