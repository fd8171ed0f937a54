import { constants, Http2ServerRequest } from "node:http2";
import { createContextKey, createContextValues, type ContextValues } from "@connectrpc/connect";

/**
 * What a Watch handler needs to know about the HTTP/2 stream under it, which
 * connect's handler context does not expose: whether its writes are stuck,
 * and a way to cut it then.
 */
export interface WatchTransport {
  /** True while a write is unfinished, e.g. because the client stopped reading and the flow-control window is full. */
  writeBlocked(): boolean;
  /**
   * Resets the stream with ENHANCE_YOUR_CALM, which gRPC clients (grpc-js,
   * connect, grpc-go, grpcio) report as RESOURCE_EXHAUSTED. A reset is the only
   * way to end a stream whose client has stopped reading: trailers queue
   * behind the unread data and would never be sent.
   */
  resetExhausted(): void;
}

/** Unset in the in-memory transport of the handler tests: streams end by throwing. */
export const watchTransportKey = createContextKey<WatchTransport | undefined>(undefined, {
  description: "the HTTP/2 stream under a Watch",
});

/**
 * connectNodeAdapter's `contextValues`: hands each handler its HTTP/2
 * stream's {@link WatchTransport} (HTTP/1.1 requests get none).
 */
export function watchTransportValues(req: unknown): ContextValues {
  const values = createContextValues();
  if (!(req instanceof Http2ServerRequest)) return values;
  const stream = req.stream;
  return values.set(watchTransportKey, {
    // Writes are paced (watch-write-pacing.ts): connect-node waits while any is unfinished.
    writeBlocked: () => stream.writableLength > 0,
    resetExhausted: () => {
      if (!stream.destroyed) stream.close(constants.NGHTTP2_ENHANCE_YOUR_CALM);
    },
  });
}
