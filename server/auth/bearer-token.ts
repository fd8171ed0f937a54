/**
 * What the `authorization` metadata of a call holds. A tagged union rather
 * than a string-or-undefined, so the refusal can say which of the three went
 * wrong without ever repeating what the client sent.
 */
export type BearerToken =
  | { readonly kind: "missing" }
  | { readonly kind: "not_bearer" }
  | { readonly kind: "token"; readonly token: string };

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * Reads `authorization: Bearer <token>` (RFC 6750: the scheme is
 * case-insensitive). Anything else, including a Bearer header with no token or
 * with spaces inside it, is `not_bearer`.
 */
export function parseBearerToken(header: string | null | undefined): BearerToken {
  if (header === null || header === undefined || header.trim() === "") return { kind: "missing" };
  const match = BEARER.exec(header);
  return match === null ? { kind: "not_bearer" } : { kind: "token", token: match[1]! };
}
