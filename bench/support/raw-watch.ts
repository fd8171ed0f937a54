import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders } from "node:http2";
import { WatchRequestSchema, WatchResponseSchema, type WatchResponse } from "../../sdk/gen/monitor/v1/watch_service_pb.js";

/**
 * Watch streams over bare node:http2, for the attack scenario: thousands of
 * streams of one caller on a few connections, and clients that stop reading
 * (a paused stream sends no WINDOW_UPDATE, so the server's writes stop once
 * the window is full). A gRPC library would not let a client do either.
 */

/** How a raw Watch ended. */
export interface RawWatchEnd {
  /** grpc-status from the trailers or a trailers-only answer; NaN if the stream was reset. */
  readonly grpcStatus: number;
  readonly grpcMessage: string;
  /** RST_STREAM code from the server; 0 if none. */
  readonly rstCode: number;
  /** performance.now() in this process when the stream closed. */
  readonly at: number;
}

/** What the server answered first: a refusal (a status in the headers), or the stream's first message. */
export type RawWatchAnswer =
  | { readonly kind: "refused"; readonly grpcStatus: number; readonly grpcMessage: string; readonly at: number }
  | { readonly kind: "admitted"; readonly at: number }
  | { readonly kind: "closed"; readonly at: number };

export interface RawWatch {
  /** Resolves with the server's first answer (never rejects). */
  readonly answered: Promise<RawWatchAnswer>;
  /** Resolves with the response headers; rejects if the stream closes first. */
  readonly headers: Promise<IncomingHttpHeaders>;
  readonly ended: Promise<RawWatchEnd>;
  readonly isEnded: () => boolean;
  /** Messages read so far (none while paused). */
  readonly received: () => number;
  close(): void;
}

/** An h2c session to `baseUrl`; `initialWindowSize` is how much the server may send per stream unread. */
export function openRawSession(baseUrl: string, initialWindowSize = 65_535): Promise<ClientHttp2Session> {
  const session = connect(baseUrl, { settings: { initialWindowSize }, maxSessionMemory: 256 });
  return new Promise((resolve, reject) => {
    session.once("connect", () => {
      session.off("error", reject);
      // Errors end the streams, which is what the bench counts.
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

const headerStatus = (h: IncomingHttpHeaders): number => (h["grpc-status"] === undefined ? Number.NaN : Number(h["grpc-status"]));

/**
 * Opens Watch(callerId) with a snapshot start. `read: false` pauses the
 * stream at once, so it never reads a byte; `onMessage` sees each message
 * a reading stream decodes.
 */
export function openRawWatch(
  session: ClientHttp2Session,
  callerId: string,
  options: { readonly read: boolean; readonly onMessage?: (message: WatchResponse) => void },
): RawWatch {
  const stream = session.request({
    [constants.HTTP2_HEADER_METHOD]: "POST",
    [constants.HTTP2_HEADER_PATH]: "/monitor.v1.WatchService/Watch",
    [constants.HTTP2_HEADER_CONTENT_TYPE]: "application/grpc",
    [constants.HTTP2_HEADER_TE]: "trailers",
  });
  stream.on("error", () => {});
  stream.end(frame(toBinary(WatchRequestSchema, create(WatchRequestSchema, { callerId }))));
  let received = 0;
  let pending: Buffer = Buffer.alloc(0);
  let grpcStatus = Number.NaN;
  let grpcMessage = "";
  let ended = false;
  let answer!: (value: RawWatchAnswer) => void;
  const answered = new Promise<RawWatchAnswer>((resolve) => (answer = resolve));

  if (options.read) {
    stream.on("data", (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
        const length = pending.readUInt32BE(1);
        const message = fromBinary(WatchResponseSchema, pending.subarray(5, 5 + length));
        pending = pending.subarray(5 + length);
        if (received++ === 0) answer({ kind: "admitted", at: performance.now() });
        options.onMessage?.(message);
      }
    });
  } else {
    stream.pause();
  }
  const onStatus = (h: IncomingHttpHeaders) => {
    if (Number.isNaN(headerStatus(h))) return;
    grpcStatus = headerStatus(h);
    grpcMessage = decodeURIComponent(String(h["grpc-message"] ?? ""));
    answer({ kind: "refused", grpcStatus, grpcMessage, at: performance.now() });
  };
  const headers = new Promise<IncomingHttpHeaders>((resolve, reject) => {
    stream.once("response", (h) => {
      onStatus(h);
      // A paused stream reads no message: its headers are its answer.
      if (!options.read && Number.isNaN(headerStatus(h))) answer({ kind: "admitted", at: performance.now() });
      resolve(h);
    });
    stream.once("close", () => reject(new Error("closed before headers")));
  });
  headers.catch(() => {});
  stream.on("trailers", onStatus);
  const endedPromise = new Promise<RawWatchEnd>((resolve) =>
    stream.once("close", () => {
      ended = true;
      const at = performance.now();
      answer({ kind: "closed", at });
      resolve({ grpcStatus, grpcMessage, rstCode: stream.rstCode ?? 0, at });
    }),
  );
  return {
    answered,
    headers,
    ended: endedPromise,
    isEnded: () => ended,
    received: () => received,
    close: () => stream.close(),
  };
}
