import { connect, type ClientHttp2Session, type IncomingHttpHeaders } from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  WatchRequestSchema,
  WatchResponseSchema,
  type WatchResponse,
} from "../../sdk/gen/monitor/v1/watch_service_pb.js";

/**
 * Watch streams over plain node:http2, for the attacks a gRPC library would
 * not let a test make: thousands of streams on a few connections, and clients
 * that stop reading (a paused stream sends no WINDOW_UPDATE, so the server's
 * writes stop once the window is full).
 */

/** How a raw Watch ended. */
export interface RawWatchEnd {
  /** grpc-status from the trailers (or a trailers-only answer); NaN if the stream was reset. */
  readonly grpcStatus: number;
  readonly grpcMessage: string;
  /** RST_STREAM code from the server; 0 if none. */
  readonly rstCode: number;
}

export interface RawWatch {
  /** Messages read so far (none while paused). */
  readonly messages: WatchResponse[];
  /** Resolves with the response headers; rejects if the stream closes first. */
  readonly headers: Promise<IncomingHttpHeaders>;
  readonly ended: Promise<RawWatchEnd>;
  readonly isEnded: () => boolean;
  close(): void;
}

/** An h2c session to 127.0.0.1:`port`; `initialWindowSize` is how much the server may send per stream unread. */
export function openRawSession(port: number, initialWindowSize = 65_535): Promise<ClientHttp2Session> {
  const session = connect(`http://127.0.0.1:${port}`, { settings: { initialWindowSize } });
  return new Promise((resolve, reject) => {
    session.once("connect", () => {
      session.off("error", reject);
      session.on("error", () => {});
      resolve(session);
    });
    session.once("error", reject);
  });
}

function frame(message: Uint8Array): Buffer {
  const out = Buffer.alloc(5 + message.byteLength);
  out.writeUInt32BE(message.byteLength, 1);
  out.set(message, 5);
  return out;
}

const headerStatus = (h: IncomingHttpHeaders) => (h["grpc-status"] === undefined ? Number.NaN : Number(h["grpc-status"]));

/** Opens Watch(callerId); `read: false` pauses the stream at once, so it never reads a byte. */
export function openRawWatch(session: ClientHttp2Session, callerId: string, options: { read: boolean }): RawWatch {
  const stream = session.request({
    ":method": "POST",
    ":path": "/monitor.v1.WatchService/Watch",
    "content-type": "application/grpc",
    te: "trailers",
  });
  stream.on("error", () => {});
  stream.end(frame(toBinary(WatchRequestSchema, create(WatchRequestSchema, { callerId }))));
  const messages: WatchResponse[] = [];
  let pending = Buffer.alloc(0);
  let grpcStatus = Number.NaN;
  let grpcMessage = "";
  let ended = false;
  if (options.read) {
    stream.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
        const length = pending.readUInt32BE(1);
        messages.push(fromBinary(WatchResponseSchema, pending.subarray(5, 5 + length)));
        pending = pending.subarray(5 + length);
      }
    });
  } else {
    stream.pause();
  }
  const onStatus = (h: IncomingHttpHeaders) => {
    if (!Number.isNaN(headerStatus(h))) {
      grpcStatus = headerStatus(h);
      grpcMessage = decodeURIComponent(String(h["grpc-message"] ?? ""));
    }
  };
  const headers = new Promise<IncomingHttpHeaders>((resolve, reject) => {
    stream.once("response", (h) => {
      onStatus(h);
      resolve(h);
    });
    stream.once("close", () => reject(new Error("closed before headers")));
  });
  headers.catch(() => {});
  stream.on("trailers", onStatus);
  const endedPromise = new Promise<RawWatchEnd>((resolve) =>
    stream.once("close", () => {
      ended = true;
      resolve({ grpcStatus, grpcMessage, rstCode: stream.rstCode ?? 0 });
    }),
  );
  return {
    messages,
    headers,
    ended: endedPromise,
    isEnded: () => ended,
    close: () => stream.close(),
  };
}
