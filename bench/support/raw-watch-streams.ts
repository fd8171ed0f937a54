import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { connect, constants, type ClientHttp2Session } from "node:http2";
import { WatchRequestSchema, WatchResponseSchema } from "../../sdk/gen/monitor/v1/watch_service_pb.js";
import { createReadyLatch, dispatchResponse, type ReceivedChange, type WatchStreams } from "./watch-streams.js";

/** One gRPC length-prefixed message: flag byte, 4-byte big-endian length, payload. */
function frame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + payload.length);
  out[0] = 0;
  out.writeUInt32BE(payload.length, 1);
  out.set(payload, 5);
  return out;
}

/**
 * Watch streams over bare node:http2 with the gRPC framing done by hand, for
 * the fan-out scenario: with thousands of streams in one process, a full
 * client stack (interceptors, async iterables, per-message abort signals)
 * would spend more CPU receiving than the server spends sending, and the
 * figure would measure the client. Here arrival is stamped in the socket's
 * data callback, before decoding.
 */
export function openRawWatchStreams(
  baseUrl: string,
  callerIds: readonly string[],
  streamsPerConnection: number,
  onChange: (change: ReceivedChange) => void,
): WatchStreams & { readonly connections: number } {
  const sessions: ClientHttp2Session[] = [];
  const failures: Error[] = [];
  const latch = createReadyLatch(callerIds.length);
  let closed = false;
  const fail = (error: Error) => {
    if (closed) return;
    failures.push(error);
    latch.fail(error);
  };

  callerIds.forEach((callerId, stream) => {
    if (stream % streamsPerConnection === 0) {
      const session = connect(baseUrl, { maxSessionMemory: 256 });
      session.on("error", fail);
      sessions.push(session);
    }
    const request = sessions.at(-1)!.request({
      [constants.HTTP2_HEADER_METHOD]: "POST",
      [constants.HTTP2_HEADER_PATH]: "/monitor.v1.WatchService/Watch",
      [constants.HTTP2_HEADER_CONTENT_TYPE]: "application/grpc",
      [constants.HTTP2_HEADER_TE]: "trailers",
    });
    request.end(frame(toBinary(WatchRequestSchema, create(WatchRequestSchema, { callerId, afterSequence: 0n }))));
    let buffered: Buffer = Buffer.alloc(0);
    let snapshotSeen = false;
    request.on("data", (chunk: Buffer) => {
      const receivedAt = Date.now();
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= 5) {
        const length = buffered.readUInt32BE(1);
        if (buffered.length < 5 + length) break;
        const response = fromBinary(WatchResponseSchema, buffered.subarray(5, 5 + length));
        buffered = buffered.subarray(5 + length);
        if (dispatchResponse(response, stream, receivedAt, onChange) && !snapshotSeen) {
          snapshotSeen = true;
          latch.live();
        }
      }
    });
    request.on("trailers", (trailers) => {
      const status = trailers["grpc-status"];
      if (status !== undefined && status !== "0") fail(new Error(`Watch ${callerId}: grpc-status ${String(status)} ${String(trailers["grpc-message"] ?? "")}`));
    });
    request.on("error", fail);
  });

  return {
    ready: latch.ready,
    failures,
    connections: sessions.length,
    close() {
      closed = true;
      for (const session of sessions) session.destroy();
    },
  };
}
