import { X509Certificate } from "node:crypto";
import { generate } from "selfsigned";

const DAY_MS = 86_400_000;

/** When a generated certificate is valid, as epoch ms. */
export interface CertificateValidity {
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
}

/** A self-signed certificate and its key, PEM-encoded, for a TLS server. */
export interface SimCertificate extends CertificateValidity {
  readonly cert: string;
  readonly key: string;
  /** SHA-256 fingerprint as Node prints it ("AB:CD:..."), for tests that pin it. */
  readonly fingerprint256: string;
}

/**
 * Validity ending `expiresInMs` after `nowMs` (negative: already expired).
 * It starts a day before now, or 30 days before an end already past, so a
 * client reports an expired certificate as expired, never as "not yet valid".
 */
export function validityFor(nowMs: number, expiresInMs: number): CertificateValidity {
  const notAfterMs = nowMs + expiresInMs;
  const notBeforeMs = Math.min(nowMs - DAY_MS, notAfterMs - 30 * DAY_MS);
  return { notBeforeMs, notAfterMs };
}

/**
 * Makes a self-signed certificate for `localhost`, 127.0.0.1 and ::1 (the only
 * names a simulator listener can be reached by), in process: no openssl
 * binary and no network. EC P-256 keeps generation at tens of milliseconds.
 */
export async function makeCertificate(validity: CertificateValidity): Promise<SimCertificate> {
  if (!(validity.notBeforeMs < validity.notAfterMs)) {
    throw new RangeError("certificate validity must start before it ends");
  }
  const pems = await generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate: new Date(validity.notBeforeMs),
    notAfterDate: new Date(validity.notAfterMs),
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
          { type: 7, ip: "::1" },
        ],
      },
    ],
  });
  // X.509 keeps whole seconds: report what the certificate really says.
  const parsed = new X509Certificate(pems.cert);
  return {
    cert: pems.cert,
    key: pems.private,
    fingerprint256: parsed.fingerprint256,
    notBeforeMs: Date.parse(parsed.validFrom),
    notAfterMs: Date.parse(parsed.validTo),
  };
}
