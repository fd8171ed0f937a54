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
  /** The CA's key pair, to sign more server certificates with {@link TestCertificates.issueServer}. */
  readonly caKey: string;
  /**
   * Another server certificate from the same CA (its own key and serial),
   * e.g. to replace the first one in a reload test, or one that expires soon
   * or has already expired (`notBefore`/`notAfter`).
   */
  issueServer(options: ServerCertificateOptions): Promise<{ readonly cert: string; readonly key: string }>;
}

export interface ServerCertificateOptions {
  readonly commonName: string;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

const BASE = { keyType: "ec", curve: "P-256", algorithm: "sha256" } as const;

/** Valid for loopback only: these keys protect nothing. */
const SERVER_ALT_NAMES: Array<{ type: 2 | 7; ip?: string; value?: string }> = [
  { type: 7, ip: "127.0.0.1" },
  { type: 7, ip: "::1" },
  { type: 2, value: "localhost" },
  { type: 2, value: "monitor.test" },
];

/**
 * Certificates made at test time (EC P-256, so it takes milliseconds): no
 * key material is committed, and none outlives the test run in a way that matters.
 */
export async function makeTestCertificates(): Promise<TestCertificates> {
  const caExtensions = [
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
  ] as const;
  const ca = await generate([{ name: "commonName", value: "monitor test CA" }], { ...BASE, extensions: [...caExtensions] });
  const other = await generate([{ name: "commonName", value: "unrelated CA" }], { ...BASE, extensions: [...caExtensions] });
  const signedBy = { ca: { key: ca.private, cert: ca.cert } };
  async function issueServer(options: ServerCertificateOptions): Promise<{ cert: string; key: string }> {
    const server = await generate([{ name: "commonName", value: options.commonName }], {
      ...BASE,
      ...signedBy,
      ...(options.notBefore === undefined ? {} : { notBeforeDate: options.notBefore }),
      ...(options.notAfter === undefined ? {} : { notAfterDate: options.notAfter }),
      extensions: [
        { name: "basicConstraints", cA: false },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
        { name: "extKeyUsage", serverAuth: true },
        { name: "subjectAltName", altNames: SERVER_ALT_NAMES },
      ],
    });
    return { cert: server.cert, key: server.private };
  }
  const server = await issueServer({ commonName: "monitor.test" });
  const client = await generate([{ name: "commonName", value: "ops-bot" }], {
    ...BASE,
    ...signedBy,
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true },
      { name: "extKeyUsage", clientAuth: true },
    ],
  });
  return {
    ca: ca.cert,
    caKey: ca.private,
    serverCert: server.cert,
    serverKey: server.key,
    clientCert: client.cert,
    clientKey: client.private,
    otherCa: other.cert,
    issueServer,
  };
}

/** Writes PEMs into `dir` as the server's flags take them; returns the paths. */
export async function writePemFiles<K extends string>(dir: string, pems: Record<K, string>): Promise<Record<K, string>> {
  const { writeFile } = await import("node:fs/promises");
  const { join } = await import("node:path");
  const paths = {} as Record<K, string>;
  for (const [name, pem] of Object.entries(pems) as Array<[K, string]>) {
    paths[name] = join(dir, `${name}.pem`);
    await writeFile(paths[name], pem, { mode: 0o600 });
  }
  return paths;
}
