import type { Http2ServerResponse } from "node:http2";

type WriteCallback = (error?: Error | null) => void;

/**
 * Makes a streaming response take one message at a time: each write reports
 * "wait" (returns false) and 'drain' follows once that write has gone to the
 * socket, so connect-node pulls the handler's next message only then.
 *
 * connect-node already waits for 'drain', but Node emits it only when the
 * stream's buffer drops below its high-water mark of 16 KiB of payload. A
 * Watch message is about 60 bytes, so a client that stops reading left ~270
 * writes queued per stream, each with its own request objects: 1,000 such
 * streams held ~450 MB, and their bounded buffers (caller-stream.ts) never
 * filled. With one write in flight, a stalled stream holds one message plus
 * the flow-control window, its own buffer fills within `--watch-buffer-events`
 * events, and it is cut with RESOURCE_EXHAUSTED. A client that reads loses
 * nothing: a write completes when the socket takes it, not when the peer
 * acknowledges it.
 */
export function paceWrites(res: Http2ServerResponse): void {
  const write = res.write.bind(res) as (chunk: unknown, encoding: BufferEncoding, callback: WriteCallback) => boolean;
  let inFlight = 0;
  const paced = (chunk: unknown, encodingOrCallback?: BufferEncoding | WriteCallback, callback?: WriteCallback): boolean => {
    const encoding = typeof encodingOrCallback === "string" ? encodingOrCallback : "binary";
    const done = typeof encodingOrCallback === "function" ? encodingOrCallback : callback;
    inFlight++;
    write(chunk, encoding, (error) => {
      inFlight--;
      done?.(error);
      if (inFlight === 0 && error == null) res.emit("drain");
    });
    return false;
  };
  Object.assign(res, { write: paced });
}
