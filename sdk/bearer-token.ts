import type { DescMessage, DescMethodStreaming, DescMethodUnary, MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type ContextValues, type Transport } from "@connectrpc/connect";

/**
 * The credential sent as `authorization: Bearer <token>`: a string, or a
 * function asked before every call (each reconnect of a watch included), so
 * a long-lived client picks up a rotated token without being rebuilt.
 */
export type TokenSource = string | (() => string | Promise<string>);

/**
 * What RFC 6750 allows in a bearer token, widened to every visible ASCII
 * character: admin tokens are chosen by operators, and anything visible
 * survives an HTTP/2 header. Spaces and control characters do not.
 */
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

/** The headers a transport call takes (the DOM's HeadersInit, which Node's types leave unnamed). */
type CallHeaders = ConstructorParameters<typeof Headers>[0];

/**
 * The header value for `source`, read now. Failures are INVALID_ARGUMENT or
 * UNAUTHENTICATED, never a transport-looking error: a watch must not retry
 * forever on a token function that cannot answer. The token itself never
 * appears in a message.
 */
export async function bearerHeader(source: TokenSource): Promise<string> {
  let token: unknown;
  try {
    token = typeof source === "string" ? source : await source();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConnectError(`token: the token function failed: ${reason}`, Code.Unauthenticated, undefined, undefined, error);
  }
  if (typeof token !== "string") throw new ConnectError(`token: expected a string, got ${typeof token}`, Code.InvalidArgument);
  if (token === "") throw new ConnectError("token: is empty", Code.InvalidArgument);
  if (!VISIBLE_ASCII.test(token)) {
    throw new ConnectError("token: must be visible ASCII characters only (no spaces, line breaks or other control characters)", Code.InvalidArgument);
  }
  return `Bearer ${token}`;
}

/**
 * `transport` with `authorization: Bearer <token>` added to every call's
 * headers. A wrapper rather than an interceptor, so it works the same on a
 * ready transport (connect's router transport in tests) as on one made here.
 */
export function withBearerToken(transport: Transport, source: TokenSource): Transport {
  const headers = async (init: CallHeaders | undefined) => {
    const merged = new Headers(init);
    merged.set("authorization", await bearerHeader(source));
    return merged;
  };
  return {
    async unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: CallHeaders | undefined,
      input: MessageInitShape<I>,
      contextValues?: ContextValues,
    ) {
      return transport.unary(method, signal, timeoutMs, await headers(header), input, contextValues);
    },
    async stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: CallHeaders | undefined,
      input: AsyncIterable<MessageInitShape<I>>,
      contextValues?: ContextValues,
    ) {
      return transport.stream(method, signal, timeoutMs, await headers(header), input, contextValues);
    },
  };
}
