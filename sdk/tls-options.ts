import type { SecureClientSessionOptions } from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";

/**
 * TLS for an `https://` base URL, as PEM strings or Buffers: `ca` to trust a
 * private certificate authority (the system's are trusted otherwise), `cert`
 * and `key` together for a server that asks for client certificates (mTLS),
 * `serverName` when the name in the server's certificate is not the URL's host.
 */
export interface TlsOptions {
  readonly ca?: string | Buffer;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  readonly serverName?: string;
}

/**
 * The HTTP/2 session options `tls` asks for (node's http2.connect offers
 * ALPN h2 itself), after checking they can take effect: TLS options on an
 * `http://` URL would be ignored in silence, and a token meant for an
 * encrypted connection sent in the clear.
 *
 * @throws ConnectError (INVALID_ARGUMENT) naming the option at fault.
 */
export function tlsSessionOptions(baseUrl: string, tls: TlsOptions): SecureClientSessionOptions {
  if (!/^https:\/\//i.test(baseUrl)) {
    throw new ConnectError(`tls: given, but baseUrl "${baseUrl}" is not an https:// URL`, Code.InvalidArgument);
  }
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new ConnectError(`tls: ${tls.cert === undefined ? "key" : "cert"} given without ${tls.cert === undefined ? "cert" : "key"}; a client certificate needs both`, Code.InvalidArgument);
  }
  if (tls.serverName === "") throw new ConnectError("tls.serverName: is empty", Code.InvalidArgument);
  return {
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
    ...(tls.serverName === undefined ? {} : { servername: tls.serverName }),
  };
}
