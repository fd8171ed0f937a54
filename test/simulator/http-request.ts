import { request as httpRequest } from "node:http";
import type { IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";

/** What one request got: an answer, or the error code that ended it. */
export type HttpOutcome =
  | { readonly kind: "response"; readonly status: number; readonly headers: IncomingHttpHeaders; readonly body: string }
  | { readonly kind: "error"; readonly code: string };

/** Options of {@link requestOnce}; TLS ones apply to https URLs only. */
export interface RequestOnceOptions {
  readonly method?: string;
  /** The client gives up after this long without the whole answer; reported as code "TIMEOUT". */
  readonly timeoutMs?: number;
  /** Trust this PEM certificate (the listener's own) instead of the system store. */
  readonly ca?: string;
  /** Default true: verification on, as the monitor's HTTPS check defaults. */
  readonly rejectUnauthorized?: boolean;
}

/**
 * One request on a fresh connection (no agent, no keep-alive), as the
 * monitor's HTTP check makes it; never rejects.
 */
export function requestOnce(url: string, options: RequestOnceOptions = {}): Promise<HttpOutcome> {
  return new Promise((resolve) => {
    const https = url.startsWith("https:");
    const tls = https
      ? { rejectUnauthorized: options.rejectUnauthorized ?? true, ...(options.ca === undefined ? {} : { ca: options.ca }) }
      : {};
    const send = https ? httpsRequest : httpRequest;
    const req = send(url, { method: options.method ?? "GET", agent: false, ...tls }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ kind: "response", status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", (err: NodeJS.ErrnoException) => resolve({ kind: "error", code: err.code ?? err.message }));
    });
    req.on("error", (err: NodeJS.ErrnoException) => resolve({ kind: "error", code: err.code ?? err.message }));
    if (options.timeoutMs !== undefined) {
      const timer = setTimeout(() => {
        resolve({ kind: "error", code: "TIMEOUT" });
        req.destroy();
      }, options.timeoutMs);
      req.on("close", () => clearTimeout(timer));
    }
    req.end();
  });
}
