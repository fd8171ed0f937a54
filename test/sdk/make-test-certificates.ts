import { generate } from "selfsigned";

/** PEMs of a throwaway certificate authority, a server certificate and a client certificate it signed. */
export interface TestCertificates {
  readonly ca: string;
  /** Valid for 127.0.0.1, ::1, localhost and monitor.test. */
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** A second, unrelated CA: trusting it instead must fail. */
  readonly otherCa: string;
}

/**
 * Certificates made at test time (EC P-256, so it takes milliseconds): no
 * key material is committed, and none outlives the test run in a way that matters.
 */
export async function makeTestCertificates(): Promise<TestCertificates> {
  const base = { keyType: "ec", curve: "P-256", algorithm: "sha256" } as const;
  const caExtensions = [
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
  ] as const;
  const ca = await generate([{ name: "commonName", value: "monitor test CA" }], { ...base, extensions: [...caExtensions] });
  const other = await generate([{ name: "commonName", value: "unrelated CA" }], { ...base, extensions: [...caExtensions] });
  const signedBy = { ca: { key: ca.private, cert: ca.cert } };
  const server = await generate([{ name: "commonName", value: "monitor.test" }], {
    ...base,
    ...signedBy,
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 7, ip: "127.0.0.1" },
          { type: 7, ip: "::1" },
          { type: 2, value: "localhost" },
          { type: 2, value: "monitor.test" },
        ],
      },
    ],
  });
  const client = await generate([{ name: "commonName", value: "ops-bot" }], {
    ...base,
    ...signedBy,
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true },
      { name: "extKeyUsage", clientAuth: true },
    ],
  });
  return { ca: ca.cert, serverCert: server.cert, serverKey: server.private, clientCert: client.cert, clientKey: client.private, otherCa: other.cert };
}
