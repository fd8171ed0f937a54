import { type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http2";

/** A gRPC length-prefixed message: flags byte, 4-byte big-endian length, then the bytes. */
export function envelope(message: Uint8Array, declaredLength = message.byteLength, flags = 0): Buffer {
  const head = Buffer.alloc(5);
  head[0] = flags;
  head.writeUInt32BE(declaredLength, 1);
  return Buffer.concat([head, message]);
}

/**
 * A request body sent as `prefix`, then `chunk` repeated until `totalBytes`
 * have gone or the stream is closed, with backpressure: a large body without
 * allocating it.
 */
export interface StreamedBody {
  readonly prefix: Uint8Array;
  readonly chunk: Uint8Array;
  readonly totalBytes: number;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly trailers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Request-body bytes written before the stream ended. */
  readonly sentBytes: number;
  /** The RST_STREAM code, if the server reset the stream (0 = NO_ERROR). */
  readonly rstCode: number;
}

/** grpc-status from the trailers, or from the headers of a trailers-only answer. */
export const grpcStatus = (response: RawResponse): number =>
  Number(response.trailers["grpc-status"] ?? response.headers["grpc-status"] ?? Number.NaN);

export const grpcMessage = (response: RawResponse): string =>
  decodeURIComponent(String(response.trailers["grpc-message"] ?? response.headers["grpc-message"] ?? ""));

export const GRPC_HEADERS = { "content-type": "application/grpc", te: "trailers" } as const;

/** One request on `session`: POST `path` with `headers` and `body`; resolves once the stream is closed. */
export function rawRequest(
  session: ClientHttp2Session,
  path: string,
  headers: OutgoingHttpHeaders,
  body: Uint8Array | StreamedBody,
): Promise<RawResponse> {
  const stream = session.request({ ":method": "POST", ":path": path, ...headers });
  let status = 0;
  let responseHeaders: IncomingHttpHeaders = {};
  let trailers: IncomingHttpHeaders = {};
  const chunks: Buffer[] = [];
  let sentBytes = 0;
  stream.on("response", (h) => {
    status = Number(h[":status"]);
    responseHeaders = h;
  });
  stream.on("trailers", (t) => (trailers = t));
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  stream.on("error", () => {});

  const done = new Promise<RawResponse>((resolve) => {
    const settle = () =>
      resolve({ status, headers: responseHeaders, trailers, body: Buffer.concat(chunks), sentBytes, rstCode: stream.rstCode ?? 0 });
    stream.once("close", settle);
    // After a NO_ERROR reset Node keeps the stream until our (blocked) writes drain: done, as far as the server goes.
    stream.once("aborted", () => {
      settle();
      stream.destroy();
    });
  });

  if (body instanceof Uint8Array) {
    sentBytes = body.byteLength;
    stream.end(body);
    return done;
  }
  void (async () => {
    const write = (bytes: Uint8Array) =>
      new Promise<void>((resolve) => {
        if (stream.write(bytes)) resolve();
        else {
          const go = () => {
            stream.off("drain", go);
            stream.off("close", go);
            stream.off("aborted", go);
            resolve();
          };
          stream.once("drain", go);
          stream.once("close", go);
          // A reset with NO_ERROR ends our writable side without "close" (Node waits for a drain that never comes).
          stream.once("aborted", go);
        }
      });
    await write(body.prefix);
    sentBytes = body.prefix.byteLength;
    // Like a hostile client, keep sending after the answer: the server must end the stream itself.
    while (sentBytes < body.totalBytes && !stream.destroyed && !stream.closed) {
      const left = body.totalBytes - sentBytes;
      const piece = left < body.chunk.byteLength ? body.chunk.subarray(0, left) : body.chunk;
      await write(piece);
      sentBytes += piece.byteLength;
    }
    if (!stream.destroyed && !stream.closed) stream.end();
  })();
  return done;
}
