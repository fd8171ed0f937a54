import { createPrivateKey, X509Certificate, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createSecureContext } from "node:tls";
import { summarizeCertificate, type CertificateSummary } from "./certificate-summary.js";

/** The files TLS is served from (--tls-cert, --tls-key, --tls-client-ca). */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** When given, clients must present a certificate this CA (bundle) signed. */
  readonly clientCaFile?: string;
}

/** What a secure context is made of, read and checked. */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly clientCa: Buffer | undefined;
  readonly certificate: CertificateSummary;
}

/** A failed load names the file and why; never its contents (a key is a secret). */
export type TlsLoad =
  | { readonly ok: true; readonly material: TlsMaterial }
  | { readonly ok: false; readonly file: string; readonly reason: string };

const failure = (file: string, reason: string): TlsLoad => ({ ok: false, file, reason });

/** An OpenSSL or file-system message, without anything read from the file. */
function describe(error: unknown): string {
  if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "string" && error.code.startsWith("E")) {
    return error.code === "ENOENT" ? "no such file" : error.code === "EACCES" ? "permission denied" : String(error.code);
  }
  return error instanceof Error ? error.message : String(error);
}

async function read(file: string): Promise<Buffer | { readonly error: string }> {
  try {
    return await readFile(file);
  } catch (error) {
    return { error: `cannot read it: ${describe(error)}` };
  }
}

/**
 * Reads the certificate (chain), key and optional client CA and checks they
 * make a working secure context: each parses, the key is the certificate's,
 * and OpenSSL accepts the lot. A bad file is a value naming it, so a reload
 * can keep the old certificate and start-up can exit saying which file.
 */
export async function loadTlsMaterial(files: TlsFiles): Promise<TlsLoad> {
  const cert = await read(files.certFile);
  if (!Buffer.isBuffer(cert)) return failure(files.certFile, cert.error);
  const key = await read(files.keyFile);
  if (!Buffer.isBuffer(key)) return failure(files.keyFile, key.error);
  const clientCa = files.clientCaFile === undefined ? undefined : await read(files.clientCaFile);
  if (clientCa !== undefined && !Buffer.isBuffer(clientCa)) return failure(files.clientCaFile ?? "", clientCa.error);

  let certificate: X509Certificate;
  try {
    // The first certificate of the file is the server's; the rest is its chain.
    certificate = new X509Certificate(cert);
  } catch (error) {
    return failure(files.certFile, `not a PEM certificate (${describe(error)})`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    return failure(files.keyFile, `not a PEM private key, or one protected by a passphrase (${describe(error)})`);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    return failure(files.keyFile, `the key does not match the certificate in ${files.certFile}`);
  }
  if (clientCa !== undefined && files.clientCaFile !== undefined) {
    try {
      new X509Certificate(clientCa);
    } catch (error) {
      return failure(files.clientCaFile, `not a PEM certificate (${describe(error)})`);
    }
  }
  try {
    createSecureContext({ cert, key, ...(clientCa === undefined ? {} : { ca: clientCa }) });
  } catch (error) {
    return failure(files.certFile, `OpenSSL refused the certificate and key: ${describe(error)}`);
  }
  return { ok: true, material: { cert, key, clientCa, certificate: summarizeCertificate(certificate) } };
}
