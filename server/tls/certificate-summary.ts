import type { X509Certificate } from "node:crypto";

/** What the log says about a served certificate: enough to tell which one it is and when it ends. */
export interface CertificateSummary {
  /** e.g. "CN=monitor.example" (one line; the certificate's own order). */
  readonly subject: string;
  /** e.g. ["DNS:monitor.example", "IP Address:127.0.0.1"]; empty without the extension. */
  readonly subjectAltNames: readonly string[];
  readonly serialNumber: string;
  /** ISO 8601. */
  readonly notAfter: string;
  readonly notAfterMs: number;
}

export function summarizeCertificate(certificate: X509Certificate): CertificateSummary {
  const notAfterMs = Date.parse(certificate.validTo);
  return {
    subject: certificate.subject.split("\n").filter((part) => part !== "").join(", "),
    subjectAltNames: (certificate.subjectAltName ?? "")
      .split(",")
      .map((name) => name.trim())
      .filter((name) => name !== ""),
    serialNumber: certificate.serialNumber,
    notAfter: Number.isNaN(notAfterMs) ? certificate.validTo : new Date(notAfterMs).toISOString(),
    notAfterMs,
  };
}
