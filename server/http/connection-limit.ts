import type { Server } from "node:net";

export interface ConnectionLimitOptions {
  readonly maxConnections: number;
  /** Called at most once per `reportEveryMs` while connections are refused, with how many were. */
  readonly onRefused?: (refused: number) => void;
  readonly reportEveryMs?: number;
}

/**
 * Caps the server's open TCP connections. Beyond the cap Node closes each new
 * connection as soon as it is accepted (`server.maxConnections`), before any
 * HTTP/2 session or memory exists for it, while existing connections carry on.
 * A flood of refusals is reported as a count, not one log line each.
 */
export function limitConnections(server: Server, options: ConnectionLimitOptions): void {
  server.maxConnections = options.maxConnections;
  const reportEveryMs = options.reportEveryMs ?? 10_000;
  let refused = 0;
  let timer: NodeJS.Timeout | undefined;
  const report = () => {
    timer = undefined;
    if (refused === 0) return;
    options.onRefused?.(refused);
    refused = 0;
  };
  server.on("drop", () => {
    refused++;
    if (timer !== undefined) return;
    // The first refusal of a quiet period is reported at once, later ones together.
    report();
    timer = setTimeout(report, reportEveryMs);
    timer.unref();
  });
}
