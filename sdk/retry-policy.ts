import { Code, type ConnectError } from "@connectrpc/connect";
import { tlsVerificationFailure } from "./tls-verification-failure.js";

/** Codes a new stream can fix, whoever raised them: the server is busy, restarting or gone for a moment. */
const RETRIED = new Set<Code>([Code.Unavailable, Code.ResourceExhausted, Code.Aborted, Code.DeadlineExceeded]);

/**
 * Codes that mean a broken connection when the client raised them, but a bug
 * or a deliberate answer when the server sent them. A SIGKILLed server, for
 * one, shows up as CANCELED ("http/2 stream closed with error code CANCEL"):
 * Node resets every stream of a session that dies.
 */
const RETRIED_FROM_TRANSPORT = new Set<Code>([Code.Internal, Code.Unknown, Code.Canceled]);

/**
 * Whether the client raised the error itself about the connection, rather
 * than decoding it from a response: an error read from a response carries
 * that response's headers or trailers (content-type at least), one raised
 * over a reset stream or a refused connect carries none.
 */
export function isTransportFailure(error: ConnectError): boolean {
  return error.metadata.keys().next().done === true;
}

/**
 * Whether a watch that ended with `error` should reconnect (and resume) or
 * give the error to its consumer. Not retried: NOT_FOUND (unknown caller),
 * INVALID_ARGUMENT, PERMISSION_DENIED, UNAUTHENTICATED, FAILED_PRECONDITION,
 * UNIMPLEMENTED, ALREADY_EXISTS, OUT_OF_RANGE, DATA_LOSS, and INTERNAL /
 * UNKNOWN / CANCELED sent by the server: asking again gets the same answer.
 * Nor a failed TLS certificate check (unknown CA, wrong name, expired): the
 * transport raises it as INTERNAL or UNAVAILABLE, but it fails the same way
 * until a certificate or the client's options change.
 * The caller's own cancellation must be recognised before asking this.
 */
export function isRetryable(error: ConnectError): boolean {
  if (tlsVerificationFailure(error) !== undefined) return false;
  return RETRIED.has(error.code) || (RETRIED_FROM_TRANSPORT.has(error.code) && isTransportFailure(error));
}
