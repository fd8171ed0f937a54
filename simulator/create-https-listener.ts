import { createServer } from "node:https";
import type { Server as TlsServer } from "node:tls";
import type { SimHttpListener, WebListenerOptions } from "./create-web-listener.js";
import { createWebListener } from "./create-web-listener.js";
import type { SimCertificate } from "./make-certificate.js";
import { makeCertificate, validityFor } from "./make-certificate.js";

const DAY_MS = 86_400_000;

/** An HTTPS listener's options: the HTTP ones plus its certificate's expiry. */
export interface HttpsListenerOptions extends WebListenerOptions {
  /**
   * The certificate expires this long after it is made (at the first `up()`);
   * negative = already expired. Default 365 days.
   */
  readonly certificateExpiresInMs?: number;
}

/** An HTTPS simulated service: an HTTP one whose self-signed certificate can be read and replaced. */
export interface SimHttpsListener extends SimHttpListener {
  readonly protocol: "https";
  /** The certificate in use; `undefined` until the first `up()` made it. */
  certificate(): SimCertificate | undefined;
  /**
   * Makes a new certificate expiring `expiresInMs` from now; a running
   * listener serves it to new connections at once (no re-bind).
   */
  renewCertificate(expiresInMs: number): Promise<SimCertificate>;
}

/**
 * Creates an HTTPS simulated service in the "down" state. Its certificate is
 * self-signed for localhost/127.0.0.1/::1, so a client must either trust that
 * certificate (`ca: listener.certificate().cert`) or turn verification off.
 */
export function createHttpsListener(options: HttpsListenerOptions = {}): SimHttpsListener {
  const clock = options.clock ?? Date.now;
  const expiresInMs = options.certificateExpiresInMs ?? 365 * DAY_MS;
  if (!Number.isFinite(expiresInMs)) throw new RangeError(`certificateExpiresInMs must be finite, got ${expiresInMs}`);
  let certificate: SimCertificate | undefined;

  const handle = createWebListener(options, {
    protocol: "https",
    prepare: async () => {
      certificate ??= await makeCertificate(validityFor(clock(), expiresInMs));
    },
    makeServer: (handler) => {
      if (certificate === undefined) throw new Error("https listener: certificate missing after prepare()");
      return createServer({ cert: certificate.cert, key: certificate.key }, handler);
    },
  });

  return Object.assign(handle.listener, {
    protocol: "https" as const,
    certificate: () => certificate,
    renewCertificate: async (renewIn: number) => {
      const renewed = await makeCertificate(validityFor(clock(), renewIn));
      certificate = renewed;
      // node:https servers are tls.Servers; the net.Server type the core keeps does not say so.
      const server = handle.currentServer() as TlsServer | undefined;
      server?.setSecureContext({ cert: renewed.cert, key: renewed.key });
      return renewed;
    },
  });
}
