import { constants, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from "node:http2";
import { paceWrites } from "./watch-write-pacing.js";

type Handler = (req: Http2ServerRequest, res: Http2ServerResponse) => void;

/**
 * The long-lived server streams: the monitor's Watch and the health Watch.
 * Both count against one per-connection limit; the health one would
 * otherwise be the unbounded way to hold streams open.
 */
const WATCH_PATHS: ReadonlySet<string> = new Set(["/monitor.v1.WatchService/Watch", "/grpc.health.v1.Health/Watch"]);

/** The message of a refused stream; printable ASCII, so it goes in grpc-message as it is. */
export function connectionLimitMessage(max: number): string {
  return `this connection already has ${max} open Watch streams, the most allowed per connection; open another connection`;
}

/**
 * At most `max` Watch streams (monitor or health) open on one HTTP/2 connection; the next is
 * refused with RESOURCE_EXHAUSTED before connect sees it. Admitted streams
 * get paced writes (watch-write-pacing.ts).
 *
 * This limit lives in front of connect, not in the handler, because of cost:
 * a request that reaches connect costs about 1.6 ms of CPU even when the
 * handler refuses it at once (linked abort signals, the async-iterable
 * pipeline, garbage), so 5,000 streams sent in one burst held the event loop
 * for 8-9 s and ListServices timed out behind them. A refusal here is one
 * HEADERS frame. A stream counts from its request until it closes, so the
 * streams of a burst that connect is still refusing (for the per-caller
 * limit) count too, and the burst's tail is refused here.
 *
 * gRPC clients get a trailers-only answer that names the limit; other
 * protocols (Connect, gRPC-web) get RST_STREAM(ENHANCE_YOUR_CALM), which
 * their clients report as RESOURCE_EXHAUSTED too.
 */
export function limitWatchStreamsPerConnection(handler: Handler, max: number): Handler {
  const open = new WeakMap<Http2Session, number>();
  const message = connectionLimitMessage(max);
  return (req, res) => {
    if (!WATCH_PATHS.has(req.url.split("?", 1)[0]!)) return handler(req, res);
    const stream = req.stream;
    const session = stream.session;
    if (session === undefined) return handler(req, res);
    const count = open.get(session) ?? 0;
    if (count >= max) {
      const contentType = String(req.headers["content-type"] ?? "");
      if (/^application\/grpc(\+|;|$)/.test(contentType)) {
        // Trailers-only: one HEADERS frame that ends the stream. Status in
        // headers followed by an empty DATA frame (what res.writeHead + end
        // send) is no status at all to grpc-js, which reported INTERNAL.
        stream.respond(
          { ":status": 200, "content-type": contentType, "grpc-status": "8", "grpc-message": message },
          { endStream: true },
        );
      } else {
        stream.close(constants.NGHTTP2_ENHANCE_YOUR_CALM);
      }
      return;
    }
    open.set(session, count + 1);
    stream.once("close", () => open.set(session, (open.get(session) ?? 1) - 1));
    // Every admitted Watch passes here, so this is where its writes are paced too.
    paceWrites(res);
    handler(req, res);
  };
}
