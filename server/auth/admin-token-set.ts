import { createHash, timingSafeEqual } from "node:crypto";

/** The configured admin tokens, kept only as SHA-256 digests. */
export interface AdminTokenSet {
  readonly size: number;
  /**
   * The hex digest of the configured token equal to `presented`, or undefined.
   * The digest names the token without being it, so an open stream can be
   * ended when its token is removed.
   */
  match(presented: string): string | undefined;
  /** Whether the token with this digest is still configured. */
  hasDigest(digest: string): boolean;
}

const sha256 = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest();

/**
 * Constant time: the presented token is hashed, so every comparison is of 32
 * bytes whatever its length, and compared with `timingSafeEqual` against
 * EVERY configured digest, without stopping at a match, so the time taken
 * says neither whether nor which token matched.
 */
export function createAdminTokenSet(tokens: readonly string[]): AdminTokenSet {
  const digests = [...new Set(tokens)].map(sha256);
  const hex = new Set(digests.map((digest) => digest.toString("hex")));
  return {
    size: digests.length,
    match(presented) {
      const candidate = sha256(presented);
      let found: Buffer | undefined;
      for (const digest of digests) {
        // Both sides always run: no short-circuit on an earlier match.
        const equal = timingSafeEqual(candidate, digest);
        if (equal && found === undefined) found = digest;
      }
      return found?.toString("hex");
    },
    hasDigest: (digest) => hex.has(digest),
  };
}
