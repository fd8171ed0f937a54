import type { Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  Http2SessionManager,
  type ConnectTransportOptions,
  type GrpcTransportOptions,
} from "@connectrpc/connect-node";
import { Code, ConnectError } from "@connectrpc/connect";
import { tlsSessionOptions, type TlsOptions } from "./tls-options.js";

/** gRPC over HTTP/2 (the default): what the server and other gRPC tools speak. */
export type GrpcClientOptions = { readonly protocol?: "grpc" } & Omit<GrpcTransportOptions, "baseUrl">;

/** The Connect protocol over HTTP/2 (the server speaks HTTP/2 only, so that is the default here). */
export type ConnectClientOptions = { readonly protocol: "connect" } & Omit<
  Extract<ConnectTransportOptions, { httpVersion: "2" }>,
  "baseUrl" | "httpVersion"
> & { readonly httpVersion?: "2" };

/**
 * Which protocol to speak, with the connect-node transport options for it,
 * and TLS options for an `https://` base URL (merged over `nodeOptions`).
 */
export type TransportSettings = (GrpcClientOptions | ConnectClientOptions) & { readonly tls?: TlsOptions };

/**
 * Pings a connection with an open stream after this long without data, and
 * drops it if the ping is not answered: a watch on a server whose host
 * vanished (no reset ever arrives) would otherwise wait forever.
 */
const DEFAULT_PING_INTERVAL_MS = 30_000;

/**
 * A connect-node transport for `baseUrl`, with an HTTP/2 session manager the
 * caller owns (so `close()` can end the connection) unless one was given.
 */
export function createNodeTransport(
  baseUrl: string,
  settings: TransportSettings,
): { transport: Transport; ownedSession: Http2SessionManager | undefined } {
  const { protocol, tls, ...options } = settings;
  if (tls !== undefined && options.sessionManager !== undefined) {
    throw new ConnectError("tls: cannot be applied to a sessionManager made elsewhere; give the TLS options to that session manager", Code.InvalidArgument);
  }
  const nodeOptions = tls === undefined ? options.nodeOptions : { ...options.nodeOptions, ...tlsSessionOptions(baseUrl, tls) };
  let ownedSession: Http2SessionManager | undefined;
  const sessionManager =
    options.sessionManager ??
    (ownedSession = new Http2SessionManager(
      baseUrl,
      {
        pingIntervalMs: options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS,
        ...(options.pingTimeoutMs === undefined ? {} : { pingTimeoutMs: options.pingTimeoutMs }),
        ...(options.pingIdleConnection === undefined ? {} : { pingIdleConnection: options.pingIdleConnection }),
        ...(options.idleConnectionTimeoutMs === undefined ? {} : { idleConnectionTimeoutMs: options.idleConnectionTimeoutMs }),
      },
      nodeOptions,
    ));
  const transport =
    protocol === "connect"
      ? createConnectTransport({ ...options, baseUrl, httpVersion: "2", sessionManager })
      : createGrpcTransport({ ...options, baseUrl, sessionManager });
  return { transport, ownedSession };
}
