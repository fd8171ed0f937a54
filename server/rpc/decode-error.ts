import { Code, ConnectError } from "@connectrpc/connect";

/**
 * connect-es reports a request body that protobuf cannot decode (random
 * bytes, a truncated varint, a wrong wire type, bad UTF-8) as
 * `ConnectError("parse binary: …", Code.Internal)`: its serializer cannot tell
 * the client's bytes from its own bug. At this server's boundary it is always
 * the client's bytes, so it becomes INVALID_ARGUMENT. The same holds for an
 * envelope with the compressed flag set but no grpc-encoding, and for a
 * compressed body its grpc-encoding cannot decompress (connect-node maps only
 * some zlib errors to INVALID_ARGUMENT; brotli's are INTERNAL). The prefixes
 * are connect-es's own text (protocol/serialization.ts, protocol/envelope.ts,
 * connect-node's compression.ts, connect 2.1); the malformed-body and garbage
 * tests fail if a new version changes them.
 */
const BINARY_PARSE_PREFIX = "parse binary: ";
const CLIENT_BYTE_FAILURES: ReadonlyArray<{ readonly prefix: string; readonly reason?: string }> = [
  { prefix: BINARY_PARSE_PREFIX },
  { prefix: "received compressed envelope, but do not know how to decompress", reason: "the compressed flag is set but no grpc-encoding was sent" },
  { prefix: "decompression failed", reason: "its grpc-encoding could not decompress it" },
];

/** How much of protobuf-es's reason ("premature EOF", "illegal tag: …") is kept. */
const REASON_MAX_CHARS = 80;

/** True for connect-es's "could not decode the request message" errors, by code and message. */
export function isBodyDecodeFailure(code: Code, rawMessage: string): boolean {
  return code === Code.Internal && CLIENT_BYTE_FAILURES.some((failure) => rawMessage.startsWith(failure.prefix));
}

/**
 * The message a client sees for a body that could not be decoded: the message
 * type and protobuf-es's reason, never the bytes themselves.
 */
export function bodyDecodeMessage(typeName: string, rawMessage: string): string {
  const known = CLIENT_BYTE_FAILURES.find((failure) => failure.reason !== undefined && rawMessage.startsWith(failure.prefix));
  const reason = known?.reason ?? rawMessage.slice(BINARY_PARSE_PREFIX.length).replace(/[^\x20-\x7e]/g, "?");
  const short = reason.length > REASON_MAX_CHARS ? `${reason.slice(0, REASON_MAX_CHARS)}…` : reason;
  return `request body could not be decoded as ${typeName}: ${short}`;
}

/**
 * The same error as a ConnectError with INVALID_ARGUMENT, or `undefined` when
 * `error` is not a decode failure (for the error interceptor, which sees the
 * decode failures of streaming calls).
 */
export function asBodyDecodeError(error: unknown, typeName: string): ConnectError | undefined {
  if (!(error instanceof ConnectError) || !isBodyDecodeFailure(error.code, error.rawMessage)) return undefined;
  return new ConnectError(bodyDecodeMessage(typeName, error.rawMessage), Code.InvalidArgument);
}
