/** How close a certificate is to its end, as the start and reload logs report it. */
export type CertificateExpiry =
  | { readonly kind: "valid" }
  | { readonly kind: "expires_soon"; readonly days: number }
  | { readonly kind: "expired" };

/**
 * 14 days: long enough to renew by hand after a failed automatic renewal
 * (ACME clients renew 30 days ahead), short enough not to warn all the time.
 */
export const EXPIRY_WARNING_MS = 14 * 24 * 60 * 60 * 1000;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Whether a certificate ending at `notAfterMs` deserves a warning at `nowMs`. */
export function certificateExpiry(notAfterMs: number, nowMs: number, warnWithinMs = EXPIRY_WARNING_MS): CertificateExpiry {
  // An unreadable date is treated as expired: a warning that is wrong is cheaper than a silent outage.
  if (!Number.isFinite(notAfterMs) || notAfterMs <= nowMs) return { kind: "expired" };
  const left = notAfterMs - nowMs;
  return left <= warnWithinMs ? { kind: "expires_soon", days: Math.floor(left / DAY_MS) } : { kind: "valid" };
}
