import { createServer, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { formatAddress } from "../domain/format-address.js";
import { trackSessions } from "../http2-sessions.js";
import { limitConnections } from "./connection-limit.js";
import { HTTP2_OPTIONS } from "./http2-settings.js";
import { closeIdleSessions } from "./idle-sessions.js";

export interface Http2FrontOptions {
  readonly host: string;
  readonly port: number;
  /** Open TCP connections at most; beyond it new ones are closed as they are accepted. */
  readonly maxConnections: number;
  /** A session with no open stream for this long is closed (GOAWAY). */
  readonly idleTimeoutMs: number;
  readonly logger: Logger;
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
  const server = createServer(HTTP2_OPTIONS, handler);
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
  };
}
