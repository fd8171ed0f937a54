import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry as MetricsRegistry } from "prom-client";
import { formatAddress } from "../domain/format-address.js";

export interface MetricsEndpoint {
  /** The bound address, e.g. "127.0.0.1:9464". */
  readonly address: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus text format) over HTTP/1.1 on a port of
 * its own: scrapers speak HTTP/1.1, not the gRPC port's cleartext HTTP/2, and
 * a separate port can stay on loopback while the API does not. Anything else
 * is 404 (405 for another method on /metrics).
 */
export async function serveMetrics(registry: MetricsRegistry, host: string, port: number): Promise<MetricsEndpoint> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found: try /metrics\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" }).end("method not allowed\n");
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": registry.contentType }).end(req.method === "HEAD" ? undefined : text),
      (error: unknown) => res.writeHead(500, { "content-type": "text/plain" }).end(`cannot collect metrics: ${String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    address: formatAddress(bound.address, bound.port),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Scrapers keep connections alive; without this close waits for them.
        server.closeAllConnections();
      }),
  };
}
