import type { Http2SecureServer, Http2Server, ServerHttp2Session } from "node:http2";
import { idleSince, isIdleFor, streamClosed, streamOpened, type SessionActivity } from "./session-activity.js";

export interface IdleSessionOptions {
  /** A session with no open stream for this long is closed. */
  readonly idleTimeoutMs: number;
  readonly now?: () => number;
  readonly onIdle?: (session: ServerHttp2Session) => void;
}

export interface IdleSessionCloser {
  /** Sessions currently tracked (open ones). */
  readonly size: number;
  stop(): void;
}

/** How often sessions are looked at: a quarter of the timeout, within 50 ms – 10 s. */
const sweepEveryMs = (idleTimeoutMs: number) => Math.min(Math.max(Math.floor(idleTimeoutMs / 4), 50), 10_000);

/**
 * Closes HTTP/2 sessions that have had no open stream for `idleTimeoutMs`.
 * Pings do not count as use: a client that keeps thousands of connections
 * open and answers every ping would otherwise hold a file descriptor and
 * session memory each, forever. A session holding a Watch stream is never
 * idle, however quiet the stream.
 *
 * An idle session gets GOAWAY (clients reconnect when they next need to); one
 * that is still there at the next sweep (its peer does not read) is destroyed.
 */
export function closeIdleSessions(server: Http2Server | Http2SecureServer, options: IdleSessionOptions): IdleSessionCloser {
  const now = options.now ?? Date.now;
  const activity = new Map<ServerHttp2Session, SessionActivity>();

  server.on("session", (session) => {
    activity.set(session, idleSince(now()));
    session.on("stream", (stream) => {
      const current = activity.get(session);
      if (current === undefined) return;
      activity.set(session, streamOpened(current));
      stream.once("close", () => {
        const open = activity.get(session);
        if (open !== undefined) activity.set(session, streamClosed(open, now()));
      });
    });
    session.once("close", () => activity.delete(session));
  });

  function sweep(): void {
    const at = now();
    for (const [session, state] of activity) {
      if (!isIdleFor(state, at, options.idleTimeoutMs)) continue;
      if (session.closed) {
        session.destroy();
        continue;
      }
      options.onIdle?.(session);
      session.close();
    }
  }

  const interval = setInterval(sweep, sweepEveryMs(options.idleTimeoutMs));
  interval.unref();

  return {
    get size() {
      return activity.size;
    },
    stop: () => clearInterval(interval),
  };
}
