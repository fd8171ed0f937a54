import { constants, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Stream } from "node:http2";

type Handler = (req: Http2ServerRequest, res: Http2ServerResponse) => void;

/** How often, and for how long at most, to wait for the answer to be written before the reset. */
const CHECK_EVERY_MS = 5;
const WAIT_AT_MOST_MS = 2000;

/**
 * Ends a stream whose answer is complete while its client is still sending
 * the request body, with RST_STREAM(NO_ERROR) after the response (RFC 9113
 * §8.1). Node does not: after RESOURCE_EXHAUSTED for a 256 MiB message it
 * stopped reading and the stream stayed open, holding a slot of the
 * connection's stream limit and a flow-control window of unread bytes, for as
 * long as the client kept it.
 *
 * The reset must follow the trailers, which carry the gRPC status: a reset
 * queued with them discards them. Node tells when the trailers are wanted
 * ("wantTrailers"), not when they are written, so this waits for the stream's
 * local side to be closed (END_STREAM sent), checking every few ms, and
 * resets anyway after {@link WAIT_AT_MOST_MS} (a peer that does not read).
 */
export function withUnreadRequestReset(handler: Handler): Handler {
  return (req, res) => {
    const stream = req.stream;
    let started = false;
    const start = () => {
      if (started) return;
      started = true;
      resetOnceAnswered(stream, Date.now() + WAIT_AT_MOST_MS);
    };
    stream.once("wantTrailers", start);
    // A trailers-only answer (or one without trailers) ends with the last write instead.
    stream.once("finish", start);
    handler(req, res);
  };
}

function resetOnceAnswered(stream: ServerHttp2Stream, deadline: number): void {
  if (stream.destroyed || stream.closed || stream.state.remoteClose !== 0) return;
  if (stream.state.localClose === 1 || Date.now() >= deadline) {
    stream.close(constants.NGHTTP2_NO_ERROR);
    return;
  }
  setTimeout(() => resetOnceAnswered(stream, deadline), CHECK_EVERY_MS).unref();
}
