import type { ServerOptions } from "node:http2";

/**
 * The HTTP/2 settings of the server, each chosen for one client that may be
 * careless or hostile (a gRPC client multiplexes all its calls on one
 * connection; see docs/architecture.md and the README's "Limits").
 */
export const HTTP2_OPTIONS = {
  // Memory nghttp2 may hold for one session (header tables, stream state,
  // frames queued for a slow reader), in MB. Node's 10 MB refuses new streams
  // with ENHANCE_YOUR_CALM once a busy session holds that much; 1,000 Watch
  // streams with a flow-control window (64 KiB) of unsent data each need 64.
  // It is a cap, not an allocation: an open session costs about 70 KiB.
  maxSessionMemory: 64,
  // Header entries per request; gRPC sends about ten.
  maxHeaderListPairs: 128,
  // SETTINGS entries per frame and pings awaiting an answer (Node's
  // defaults, stated): more is a flood, and the session is torn down.
  maxSettings: 32,
  maxOutstandingPings: 10,
  // Frames Node rejects as invalid, and streams it refuses, before it gives up
  // on the session (Node's defaults): the flood and rapid-reset defences.
  // Against raw floods (test/garbage/http2-floods.test.ts) Node ends the
  // session on rapid reset, empty DATA and CONTINUATION floods with
  // these settings; PING and SETTINGS floods are only cut once nghttp2's
  // queue of unsent acks overflows, which depends on how fast the server
  // writes them (seen both cut and left open): one small write per frame meanwhile.
  maxSessionInvalidFrames: 1000,
  maxSessionRejectedStreams: 100,
  settings: {
    // Streams open at once on one connection. 1,000 covers a client that
    // multiplexes its Watch streams and unary calls on one connection (the
    // fan-out bench puts 1,000 streams on each); 100,000 let one connection
    // hold memory for the whole server. Per-caller Watch limits sit below this.
    maxConcurrentStreams: 1000,
    // Bytes of (uncompressed) headers per request. gRPC metadata here is a few
    // hundred bytes; grpc-java accepts 8 KiB by default. Node's default is 64 KiB.
    // Advertised, not strictly enforced: a request with one 20,000-byte header
    // reached the handler 28 times in 40 (the rest reset ENHANCE_YOUR_CALM),
    // so handlers must not assume headers are below this.
    maxHeaderListSize: 16 * 1024,
  },
} as const satisfies ServerOptions;
