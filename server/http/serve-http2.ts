import { createSecureServer, createServer, type Http2SecureServer, type Http2Server, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { formatAddress } from "../domain/format-address.js";
import { trackSessions } from "../http2-sessions.js";
import { limitConnections } from "./connection-limit.js";
import { HTTP2_OPTIONS } from "./http2-settings.js";
import { closeIdleSessions } from "./idle-sessions.js";
import type { TlsMaterial } from "../tls/load-tls-material.js";
import { secureServerOptions, secureContextOptions } from "../tls/secure-server-options.js";

export interface Http2FrontOptions {
  readonly host: string;
  readonly port: number;
  /** Open TCP connections at most; beyond it new ones are closed as they are accepted. */
  readonly maxConnections: number;
  /** A session with no open stream for this long is closed (GOAWAY). */
  readonly idleTimeoutMs: number;
  readonly logger: Logger;
  /** Serve HTTP/2 over TLS (ALPN h2 only) with this certificate; cleartext h2c when absent. */
  readonly tls?: TlsMaterial;
}

export interface Http2Front {
  /** The bound address, e.g. "127.0.0.1:50051" or "[::1]:50051". */
  readonly address: string;
  readonly port: number;
  /** Refuses new connections. Open sessions are left to {@link closeSessions}. */
  stopAccepting(): void;
  /**
   * Sends GOAWAY on every session and destroys what is still open after
   * `graceMs`; Node 20's `server.close()` leaves open sessions alone.
   */
  closeSessions(graceMs: number): Promise<void>;
  /** New TLS connections get `material`; open ones keep theirs. Absent for a cleartext front. */
  readonly setTlsMaterial?: (material: TlsMaterial) => void;
}

/**
 * The server's HTTP/2 front: the argued settings, session tracking (pings
 * that drop dead peers, GOAWAY at shutdown), the connection cap and the idle
 * timeout, listening on `host:port` with `handler` answering every request.
 */
export async function serveHttp2(
  handler: (req: Http2ServerRequest, res: Http2ServerResponse) => void,
  options: Http2FrontOptions,
): Promise<Http2Front> {
  const { logger, maxConnections } = options;
  const { tls } = options;
  const server: Http2Server | Http2SecureServer =
    tls === undefined ? createServer(HTTP2_OPTIONS, handler) : createSecureServer({ ...HTTP2_OPTIONS, ...secureServerOptions(tls) }, handler);
  if (tls !== undefined) {
    // A client that is not speaking TLS, fails the handshake or says nothing:
    // Node drops its socket; nothing reaches the handler. Debug only, since
    // any scanner on the network makes these.
    server.on("tlsClientError", (error: Error) => logger.debug({ err: error }, `TLS handshake failed: ${error.message}`));
  }
  const sessions = trackSessions(server, {
    pingIntervalMs: 30_000,
    pingTimeoutMs: 10_000,
    onDeadPeer: () => logger.info("dropped an HTTP/2 session whose peer stopped answering pings"),
  });
  limitConnections(server, {
    maxConnections,
    onRefused: (refused) => logger.warn({ refused, maxConnections }, `refused ${refused} connection(s): at the limit of ${maxConnections}`),
  });
  const idle = closeIdleSessions(server, {
    idleTimeoutMs: options.idleTimeoutMs,
    onIdle: () => logger.debug("closed an idle HTTP/2 session"),
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    address: formatAddress(bound.address, bound.port),
    port: bound.port,
    stopAccepting: () => server.close(),
    async closeSessions(graceMs) {
      idle.stop();
      await sessions.closeAll(graceMs);
    },
    ...(tls === undefined
      ? {}
      : { setTlsMaterial: (material: TlsMaterial) => (server as Http2SecureServer).setSecureContext(secureContextOptions(material)) }),
  };
}
