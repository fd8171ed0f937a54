import { createHash, randomBytes } from "node:crypto";

/**
 * A caller's secret: "smc_" and 32 random bytes (256 bits) in base64url. The
 * prefix lets secret scanners and operators tell a monitor caller token from
 * other credentials.
 */
const TOKEN_PREFIX = "smc_";
const TOKEN_BYTES = 32;

export interface IssuedToken {
  /** Shown to the client once; never stored, never logged. */
  readonly token: string;
  /** What the store keeps: {@link hashToken} of the token. */
  readonly hash: string;
}

export function issueCallerToken(): IssuedToken {
  const token = TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString("base64url");
  return { token, hash: hashToken(token) };
}

/**
 * SHA-256, hex. A fast hash is enough: the token has 256 bits of entropy, so
 * unlike a password it cannot be guessed from its hash by trying candidates;
 * the hash only keeps a stolen database from holding usable tokens.
 */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}
