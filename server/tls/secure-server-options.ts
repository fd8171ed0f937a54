import type { SecureServerOptions } from "node:http2";
import type { SecureContextOptions } from "node:tls";
import type { TlsMaterial } from "./load-tls-material.js";

/**
 * 10 s for a client to finish the TLS handshake: a socket that connects and
 * says nothing holds a connection slot until then (Node's default is 120 s).
 */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** The parts of a secure context a reload replaces. */
export function secureContextOptions(material: TlsMaterial): SecureContextOptions {
  return {
    cert: material.cert,
    key: material.key,
    minVersion: "TLSv1.2",
    ...(material.clientCa === undefined ? {} : { ca: material.clientCa }),
  };
}

/**
 * The server's TLS: HTTP/2 only (ALPN h2, no HTTP/1.1 fallback: gRPC needs
 * h2), TLS 1.2 or later, and with a client CA a verified client certificate
 * required of every connection (mTLS).
 */
export function secureServerOptions(material: TlsMaterial): SecureServerOptions {
  return {
    ...secureContextOptions(material),
    ALPNProtocols: ["h2"],
    allowHTTP1: false,
    handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
    ...(material.clientCa === undefined ? {} : { requestCert: true, rejectUnauthorized: true }),
  };
}
