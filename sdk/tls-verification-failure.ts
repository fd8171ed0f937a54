import type { ConnectError } from "@connectrpc/connect";

/**
 * OpenSSL's certificate verification results as Node names them (the
 * `code` of the error a TLS connect fails with), and Node's own hostname
 * check. Each is the same on every attempt until someone changes a
 * certificate or the client's options: retrying is pointless.
 */
const VERIFICATION_CODES = new Set([
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
  "CERT_SIGNATURE_FAILURE",
  "CERT_NOT_YET_VALID",
  "CERT_HAS_EXPIRED",
  "ERROR_IN_CERT_NOT_BEFORE_FIELD",
  "ERROR_IN_CERT_NOT_AFTER_FIELD",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "CERT_CHAIN_TOO_LONG",
  "CERT_REVOKED",
  "INVALID_CA",
  "PATH_LENGTH_EXCEEDED",
  "INVALID_PURPOSE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "HOSTNAME_MISMATCH",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** The server's alerts that it refused the client's certificate (or its absence) under mTLS. */
const REFUSED_CLIENT_CERTIFICATE = /^ERR_SSL_(?:TLSV13_|TLSV1_|SSLV3_)?ALERT_(?:CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|CERTIFICATE_UNKNOWN|UNSUPPORTED_CERTIFICATE)$/;

/**
 * The verification code when `error` is a failed certificate check (the
 * server's certificate, or the server refusing ours), found on the error's
 * causes; undefined for anything else.
 */
export function tlsVerificationFailure(error: ConnectError): string | undefined {
  let cause: unknown = error.cause;
  // connect wraps Node's error once; a few levels cover other transports' wrapping.
  for (let depth = 0; depth < 4 && typeof cause === "object" && cause !== null; depth++) {
    const code = "code" in cause ? cause.code : undefined;
    if (typeof code === "string" && (VERIFICATION_CODES.has(code) || REFUSED_CLIENT_CERTIFICATE.test(code))) return code;
    cause = "cause" in cause ? cause.cause : undefined;
  }
  return undefined;
}
