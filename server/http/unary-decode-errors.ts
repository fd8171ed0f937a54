import { Code, type ConnectRouter } from "@connectrpc/connect";
import type { UniversalHandler, UniversalServerResponse } from "@connectrpc/connect/protocol";
import { bodyDecodeMessage, isBodyDecodeFailure } from "../rpc/decode-error.js";

/**
 * connect-es decodes a unary call's request message before any interceptor
 * runs, so a body protobuf cannot decode leaves as INTERNAL ("parse binary: …")
 * without passing the error interceptor. This wraps the routes so that every
 * unary handler rewrites exactly that answer to INVALID_ARGUMENT in each
 * protocol's own form: the gRPC trailers, the gRPC-web trailer frame, or the
 * Connect JSON error body. Every other response passes through untouched.
 */
export function withUnaryDecodeErrors(routes: (router: ConnectRouter) => void): (router: ConnectRouter) => void {
  return (router) => {
    routes(router);
    // The adapter reads router.handlers after routes() returns (connect-node 2.1).
    router.handlers.forEach((handler, i) => (router.handlers[i] = wrapUnary(handler)));
  };
}

function wrapUnary(handler: UniversalHandler): UniversalHandler {
  if (handler.method.methodKind !== "unary") return handler;
  const typeName = handler.method.input.typeName;
  const wrapped = async (request: Parameters<UniversalHandler>[0]) => rewrite(await handler(request), typeName);
  return Object.assign(wrapped, handler);
}

async function rewrite(response: UniversalServerResponse, typeName: string): Promise<UniversalServerResponse> {
  const contentType = new Headers(response.header).get("content-type") ?? "";
  const body = response.body;
  if (body === undefined || !(Symbol.asyncIterator in body)) return response;
  if (contentType.startsWith("application/grpc-web")) {
    return { ...response, body: mapChunks(body, (chunk) => rewriteGrpcWebTrailer(chunk, typeName)) };
  }
  if (contentType.startsWith("application/grpc")) {
    const trailer = response.trailer;
    if (trailer === undefined) return response;
    // connect fills the trailers while the body is read; fix them after.
    return { ...response, body: thenRun(body, () => rewriteGrpcStatus(trailer, typeName)) };
  }
  if (response.status === 500 && contentType.startsWith("application/json")) {
    const header = new Headers(response.header);
    if (header.has("content-encoding")) return response;
    return rewriteConnectError({ ...response, header }, body, typeName);
  }
  return response;
}

/** gRPC: `grpc-status: 13` with a percent-encoded "parse binary: …" message. */
function rewriteGrpcStatus(trailer: Headers, typeName: string): void {
  const status = Number(trailer.get("grpc-status"));
  const message = safeDecodeURIComponent(trailer.get("grpc-message") ?? "");
  if (!isBodyDecodeFailure(status as Code, message)) return;
  trailer.set("grpc-status", String(Code.InvalidArgument));
  trailer.set("grpc-message", encodeURIComponent(bodyDecodeMessage(typeName, message)));
}

const TRAILER_FLAG = 0x80;

/** gRPC-web: the trailers are the body's last frame, flag 0x80, as "name: value\r\n" lines. */
function rewriteGrpcWebTrailer(chunk: Uint8Array, typeName: string): Uint8Array {
  // A compressed trailer frame (flag 0x81) is never this small error; leave it.
  if (chunk.byteLength < 5 || chunk[0] !== TRAILER_FLAG) return chunk;
  const trailer = new Headers();
  for (const line of Buffer.from(chunk.subarray(5)).toString("latin1").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) trailer.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const before = trailer.get("grpc-status");
  rewriteGrpcStatus(trailer, typeName);
  if (trailer.get("grpc-status") === before) return chunk;
  let text = "";
  trailer.forEach((value, name) => (text += `${name}: ${value}\r\n`));
  const data = Buffer.from(text, "latin1");
  const frame = Buffer.alloc(5 + data.byteLength);
  frame[0] = TRAILER_FLAG;
  frame.writeUInt32BE(data.byteLength, 1);
  data.copy(frame, 5);
  return frame;
}

/** Connect unary: HTTP 500 with `{"code":"internal","message":"parse binary: …"}`. */
async function rewriteConnectError(
  response: UniversalServerResponse & { header: Headers },
  body: AsyncIterable<Uint8Array>,
  typeName: string,
): Promise<UniversalServerResponse> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  const parsed = safeJsonParse(bytes.toString("utf8"));
  const message = typeof parsed?.["message"] === "string" ? parsed["message"] : "";
  if (parsed?.["code"] !== "internal" || !isBodyDecodeFailure(Code.Internal, message)) {
    return { ...response, body: once(bytes) };
  }
  const fixed = Buffer.from(JSON.stringify({ code: "invalid_argument", message: bodyDecodeMessage(typeName, message) }));
  response.header.set("content-length", String(fixed.byteLength));
  return { ...response, status: 400, body: once(fixed) };
}

async function* thenRun(body: AsyncIterable<Uint8Array>, after: () => void): AsyncIterable<Uint8Array> {
  yield* body;
  after();
}

async function* mapChunks(body: AsyncIterable<Uint8Array>, map: (chunk: Uint8Array) => Uint8Array): AsyncIterable<Uint8Array> {
  for await (const chunk of body) yield map(chunk);
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

function safeDecodeURIComponent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function safeJsonParse(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
