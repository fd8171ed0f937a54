import { connect, type Socket } from "node:net";

/**
 * A TCP socket to the server with HTTP/2 framing written by hand: what a
 * hostile client sends without any HTTP/2 library standing in its way (Node's
 * own client would refuse to send most floods).
 */

export const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
export const FRAME = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, CONTINUATION: 9 } as const;
export const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4 } as const;

export function frame(type: number, flags: number, streamId: number, payload: Uint8Array = new Uint8Array(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.byteLength, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

/** An HPACK literal header (not indexed, new name): enough for a request without a table. */
export function literalHeader(name: string, value: string): Buffer {
  const n = Buffer.from(name);
  const v = Buffer.from(value);
  if (n.byteLength > 126 || v.byteLength > 126) throw new Error("literalHeader: short names and values only");
  return Buffer.concat([Buffer.from([0x00, n.byteLength]), n, Buffer.from([v.byteLength]), v]);
}

/** HPACK for a gRPC POST of `path` (static-table :method POST and :scheme http). */
export function requestHeaderBlock(path: string): Buffer {
  return Buffer.concat([
    Buffer.from([0x83, 0x86]),
    literalHeader(":path", path),
    literalHeader(":authority", "127.0.0.1"),
    literalHeader("content-type", "application/grpc"),
    literalHeader("te", "trailers"),
  ]);
}

/** How the server ended a raw connection. */
export interface RawEnd {
  /** The GOAWAY error code, if the server sent one (11 = ENHANCE_YOUR_CALM). */
  readonly goaway?: number;
  readonly closed: boolean;
  readonly bytesSent: number;
  readonly bytesReceived: number;
}

export interface RawSocket {
  readonly socket: Socket;
  /** Writes with backpressure; false once the server closed the connection. */
  write(bytes: Uint8Array): Promise<boolean>;
  /** Reads again (a flood that does not read pauses first), waits up to `ms` for the server to close or send GOAWAY, then destroys the socket. */
  end(ms: number): Promise<RawEnd>;
  readonly received: () => Buffer;
}

export async function openRawSocket(port: number, host = "127.0.0.1"): Promise<RawSocket> {
  const socket = connect({ port, host, allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.on("error", () => {});
  let closed = false;
  let goaway: number | undefined;
  let bytesSent = 0;
  const chunks: Buffer[] = [];
  let pending = Buffer.alloc(0);
  let sawGoaway = () => {};
  const goneAway = new Promise<void>((resolve) => (sawGoaway = resolve));
  socket.on("data", (chunk: Buffer) => {
    chunks.push(chunk);
    pending = Buffer.concat([pending, chunk]);
    // The server's frames: only GOAWAY matters here.
    while (pending.byteLength >= 9) {
      const length = pending.readUIntBE(0, 3);
      if (pending.byteLength < 9 + length) break;
      if (pending[3] === FRAME.GOAWAY && length >= 8) {
        goaway ??= pending.readUInt32BE(13);
        sawGoaway();
      }
      pending = pending.subarray(9 + length);
    }
  });
  const gone = new Promise<void>((resolve) => socket.once("close", () => ((closed = true), resolve())));
  return {
    socket,
    received: () => Buffer.concat(chunks),
    async write(bytes) {
      if (closed || socket.destroyed || socket.writableEnded) return false;
      bytesSent += bytes.byteLength;
      if (socket.write(bytes)) return true;
      await Promise.race([new Promise((resolve) => socket.once("drain", resolve)), gone]);
      return !closed;
    },
    async end(ms) {
      socket.resume();
      if (!closed) await Promise.race([gone, goneAway, new Promise((resolve) => setTimeout(resolve, ms))]);
      const result = { ...(goaway === undefined ? {} : { goaway }), closed, bytesSent, bytesReceived: chunks.reduce((n, c) => n + c.byteLength, 0) };
      socket.destroy();
      return result;
    },
  };
}
