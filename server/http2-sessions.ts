import type { Http2SecureServer, Http2Server, ServerHttp2Session } from "node:http2";

export interface SessionKeeperOptions {
  /** How often every session is pinged. */
  readonly pingIntervalMs: number;
  /** A session whose ping is not answered within this is destroyed. */
  readonly pingTimeoutMs: number;
  readonly onDeadPeer?: (session: ServerHttp2Session) => void;
}

export interface SessionKeeper {
  readonly size: number;
  /**
   * Sends GOAWAY on every session (no new streams; open ones may finish),
   * then destroys whatever is still open after `graceMs`.
   */
  closeAll(graceMs: number): Promise<void>;
}

/**
 * Tracks the server's HTTP/2 sessions, for two things Node does not do:
 * - shutdown: on Node 20, `server.close()` leaves open sessions alone, so a
 *   long-lived Watch would keep the process up forever;
 * - dead peers: a client that vanished without a FIN (laptop lid, NAT drop)
 *   would hold its streams until TCP gives up, hours later. Periodic pings
 *   find it within one interval plus the timeout.
 */
export function trackSessions(server: Http2Server | Http2SecureServer, options: SessionKeeperOptions): SessionKeeper {
  const sessions = new Set<ServerHttp2Session>();
  const unanswered = new Set<ServerHttp2Session>();

  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => {
      sessions.delete(session);
      unanswered.delete(session);
    });
    session.on("error", () => session.destroy());
  });

  function pingAll(): void {
    for (const session of sessions) {
      if (session.destroyed || session.closed) continue;
      unanswered.add(session);
      const sent = session.ping((error) => {
        if (error === null) unanswered.delete(session);
      });
      if (!sent) unanswered.delete(session);
    }
    if (unanswered.size === 0) return;
    // One timer per round, not per session.
    timeout = setTimeout(destroyUnanswered, options.pingTimeoutMs);
    timeout.unref();
  }

  function destroyUnanswered(): void {
    for (const session of unanswered) {
      options.onDeadPeer?.(session);
      session.destroy();
    }
    unanswered.clear();
  }

  let timeout: NodeJS.Timeout | undefined;

  const interval = setInterval(pingAll, options.pingIntervalMs);
  interval.unref();

  return {
    get size() {
      return sessions.size;
    },
    async closeAll(graceMs) {
      clearInterval(interval);
      clearTimeout(timeout);
      if (sessions.size === 0) return;
      // Wait for each session's own 'close' event: `session.close(callback)`
      // never calls back for a session already closing (the client sent
      // GOAWAY, or the idle sweeper closed it first), which hung shutdown.
      const closed = [...sessions].map(
        (session) =>
          new Promise<void>((resolve) => {
            if (session.destroyed) return resolve();
            session.once("close", () => resolve());
            if (!session.closed) session.close();
          }),
      );
      const force = setTimeout(() => {
        for (const session of sessions) session.destroy();
      }, graceMs);
      await Promise.all(closed);
      clearTimeout(force);
    },
  };
}
