import type { Server } from "node:net";

/**
 * How long to keep trying when a port is still taken on re-bind (for example
 * by a client socket that briefly reused it). Default: 40 × 50ms = 2s.
 */
export interface BindRetry {
  readonly attempts: number;
  readonly delayMs: number;
}

/** The retry policy used when none is given. */
export const DEFAULT_BIND_RETRY: BindRetry = { attempts: 40, delayMs: 50 };

function listenOnce(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off("listening", onListening);
      reject(err);
    };
    const onListening = (): void => {
      server.off("error", onError);
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : port);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen({ host, port });
  });
}

function isAddressInUse(err: unknown): boolean {
  return err instanceof Error && "code" in err && err.code === "EADDRINUSE";
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Binds a fresh server (one per attempt: a server whose listen failed is not
 * reliably reusable) to host:port, retrying only EADDRINUSE. `aborted` lets a
 * concurrent close stop the retries early instead of waiting them out.
 */
export async function bindServer(
  makeServer: () => Server,
  host: string,
  port: number,
  retry: BindRetry,
  aborted: () => boolean,
  label: string,
): Promise<{ readonly server: Server; readonly port: number }> {
  const attempts = Math.max(1, retry.attempts);
  for (let attempt = 1; ; attempt++) {
    const server = makeServer();
    try {
      const bound = await listenOnce(server, host, port);
      return { server, port: bound };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (!isAddressInUse(err)) throw new Error(`${label}: cannot listen: ${reason}`, { cause: err });
      if (attempt >= attempts) {
        const waited = (attempts - 1) * retry.delayMs;
        throw new Error(`${label}: port still in use after ${attempts} attempt${attempts === 1 ? "" : "s"} over ${waited}ms`, { cause: err });
      }
    }
    await sleep(retry.delayMs);
    if (aborted()) throw new Error(`${label}: closed while waiting for the port to free up`);
  }
}
