import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import type { DescMethodUnary } from "@bufbuild/protobuf";
import { constants, type ClientHttp2Session, type IncomingHttpHeaders } from "node:http2";
import { openRawSession } from "./raw-watch.js";

/**
 * Unary gRPC calls over bare node:http2, for the store scenario: its figures
 * are the server's cost per mutation, and connect-node's client costs about
 * as much CPU per call as the server does (docs/benchmarks.md, scenario 5),
 * so on a 2-core machine the generated client would cap the rate before the
 * server does. Encoding and framing by hand keep the client's share small.
 */
export interface RawUnaryClient {
  /** Calls `method`; resolves with the decoded answer, rejects with a {@link RawCallError} on a non-OK status. */
  call<I extends DescMessage, O extends DescMessage>(method: DescMethodUnary<I, O>, input: MessageInitShape<I>): Promise<MessageShape<O>>;
  close(): void;
}

/** A call answered with a gRPC status other than OK (or reset without one). */
export class RawCallError extends Error {
  override readonly name = "RawCallError";
  constructor(
    readonly path: string,
    /** grpc-status; NaN when the stream closed without one. */
    readonly grpcStatus: number,
    readonly grpcMessage: string,
  ) {
    super(`${path}: grpc-status ${grpcStatus}${grpcMessage === "" ? "" : `: ${grpcMessage}`}`);
  }
}

function frame(message: Uint8Array): Buffer {
  const out = Buffer.alloc(5 + message.byteLength);
  out.writeUInt32BE(message.byteLength, 1);
  out.set(message, 5);
  return out;
}

/** One HTTP/2 connection to `baseUrl` (h2c) carrying every call made through the client. */
export async function openRawUnaryClient(baseUrl: string): Promise<RawUnaryClient> {
  const session = await openRawSession(baseUrl);
  return {
    call: (method, input) => callUnary(session, method, input),
    close: () => session.close(),
  };
}

function callUnary<I extends DescMessage, O extends DescMessage>(
  session: ClientHttp2Session,
  method: DescMethodUnary<I, O>,
  input: MessageInitShape<I>,
): Promise<MessageShape<O>> {
  const path = `/${method.parent.typeName}/${method.name}`;
  return new Promise((resolve, reject) => {
    const stream = session.request({
      [constants.HTTP2_HEADER_METHOD]: "POST",
      [constants.HTTP2_HEADER_PATH]: path,
      [constants.HTTP2_HEADER_CONTENT_TYPE]: "application/grpc",
      [constants.HTTP2_HEADER_TE]: "trailers",
    });
    const chunks: Buffer[] = [];
    let status = Number.NaN;
    let message = "";
    // The status comes in the trailers, or in the headers of a trailers-only answer.
    const onStatus = (headers: IncomingHttpHeaders) => {
      if (headers["grpc-status"] === undefined) return;
      status = Number(headers["grpc-status"]);
      message = decodeURIComponent(String(headers["grpc-message"] ?? ""));
    };
    stream.on("response", onStatus);
    stream.on("trailers", onStatus);
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", () => {});
    stream.on("close", () => {
      if (status !== 0) {
        reject(new RawCallError(path, status, message));
        return;
      }
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      if (body.length < 5 || body.length < 5 + body.readUInt32BE(1)) {
        reject(new RawCallError(path, Number.NaN, `OK without a whole message (${body.length} bytes)`));
        return;
      }
      resolve(fromBinary(method.output, body.subarray(5, 5 + body.readUInt32BE(1))));
    });
    stream.end(frame(toBinary(method.input, create(method.input, input))));
  });
}
