import { createServer, connect, type Socket } from "node:net";

/**
 * A loopback TCP proxy in front of a PostgreSQL port, so a test can lose a
 * connection on purpose: stall one (bytes stop flowing both ways, as on a
 * dead network path the peers have not noticed) and cut it (both ends closed).
 */
export interface ProxiedConnection {
  /** 0 for the first connection accepted, then 1, 2, … */
  readonly index: number;
  /** Bytes the client has sent, stalled or not. */
  readonly bytesFromClient: number;
  /** Holds every byte from now on, in both directions, and either end's close. */
  stall(): void;
  /** Closes both ends at once (the client sees the connection reset or end). */
  cut(): void;
}

export interface PostgresProxy {
  /** The URL to give the store: `url` with its port replaced by the proxy's. */
  readonly url: string;
  readonly connections: readonly ProxiedConnection[];
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 forwarding to the host and port of `url`. */
export async function startPostgresProxy(url: string): Promise<PostgresProxy> {
  const upstream = new URL(url);
  const connections: ProxiedConnection[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const server = connect(Number(upstream.port), upstream.hostname);
    let stalled = false;
    let fromClient = 0;
    sockets.add(client).add(server);
    const connection: ProxiedConnection = {
      index: connections.length,
      get bytesFromClient() {
        return fromClient;
      },
      stall() {
        stalled = true;
      },
      cut() {
        client.destroy();
        server.destroy();
      },
    };
    connections.push(connection);
    client.on("data", (chunk) => {
      fromClient += chunk.length;
      if (!stalled) server.write(chunk);
    });
    server.on("data", (chunk) => {
      if (!stalled) client.write(chunk);
    });
    // A stalled path passes no close either: the client keeps believing in it.
    const end = (): void => {
      if (!stalled) connection.cut();
    };
    client.on("close", end).on("error", end);
    server.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("proxy has no address");
  const proxied = new URL(url);
  proxied.hostname = "127.0.0.1";
  proxied.port = String(address.port);
  return {
    url: proxied.toString(),
    connections,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
