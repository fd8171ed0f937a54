import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Node's errors for a write to a stream its peer has already closed or
 * reset: the client went away (cancelled, disconnected, its session ended),
 * which is how every Watch ends sooner or later.
 */
const GONE_CODES = new Set([
  "ERR_STREAM_PREMATURE_CLOSE",
  "ERR_STREAM_DESTROYED",
  "ERR_STREAM_WRITE_AFTER_END",
  "ERR_HTTP2_INVALID_STREAM",
  "ERR_HTTP2_STREAM_ERROR",
  "ERR_HTTP2_STREAM_CANCEL",
  "ERR_HTTP2_SESSION_ERROR",
  "ECONNRESET",
  "EPIPE",
]);

/**
 * Whether a streaming handler's failure only says that its client is gone:
 * the call's signal is aborted, or the error is Node's for a write that
 * could not reach the peer. Such an ending is not a server bug and is not
 * logged as one.
 */
export function isClientGone(error: unknown, signal: AbortSignal): boolean {
  if (signal.aborted) return true;
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" && GONE_CODES.has(code);
}

/** What a call whose client is gone ends with: the signal's reason, or CANCELED. Nobody hears it; it keeps the call's ending honest in metrics. */
export function clientGoneError(signal: AbortSignal): ConnectError {
  return signal.aborted ? ConnectError.from(signal.reason) : new ConnectError("the client went away", Code.Canceled);
}
