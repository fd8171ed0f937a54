import type { ClientHttp2Session, IncomingHttpHeaders } from "node:http2";
import type { WatchResponse } from "../../sdk/gen/monitor/v1/watch_service_pb.js";
import {
  openRawSession as openBenchSession,
  openRawWatch as openBenchWatch,
  type RawWatchEnd,
} from "../../bench/support/raw-watch.js";

/**
 * Watch streams over plain node:http2, for the attacks a gRPC library would
 * not let a test make: thousands of streams on a few connections, and clients
 * that stop reading (a paused stream sends no WINDOW_UPDATE, so the server's
 * writes stop once the window is full). The bench's attack client
 * (bench/support/raw-watch.ts), with what tests read of it: every message.
 */

export type { RawWatchEnd };

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
export function openRawSession(port: number, initialWindowSize?: number): Promise<ClientHttp2Session> {
  return openBenchSession(`http://127.0.0.1:${port}`, initialWindowSize);
}

/** Opens Watch(callerId); `read: false` pauses the stream at once, so it never reads a byte. */
export function openRawWatch(session: ClientHttp2Session, callerId: string, options: { read: boolean }): RawWatch {
  const messages: WatchResponse[] = [];
  const watch = openBenchWatch(session, callerId, { read: options.read, onMessage: (message) => messages.push(message) });
  return { messages, headers: watch.headers, ended: watch.ended, isEnded: watch.isEnded, close: () => watch.close() };
}
