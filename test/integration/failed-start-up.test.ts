import { mkdtempSync } from "node:fs";
import { createServer, connect, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../server/start-server.js";

const listening: Server[] = [];
const running: RunningServer[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.close();
  for (const server of listening.splice(0)) server.close();
});

async function listen(port = 0): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  listening.push(server);
  return server;
}

const portOf = (server: Server) => (server.address() as { port: number }).port;

/** Resolves true if something accepts a connection on 127.0.0.1:port. */
const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });

describe("a start-up that fails after the gRPC port is bound", () => {
  it("closes what it opened before releasing the data directory, so the next start gets both", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "monitor-failed-start-"));
    const busy = await listen();
    // A free port for gRPC, so the test can see whether the failed server let go of it.
    const probe = await listen();
    const grpcPort = portOf(probe);
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const options = { host: "127.0.0.1", port: grpcPort, dataDir, logger: pino({ level: "silent" }), clock: { now: Date.now } };

    // The metrics port is taken: start-up fails after the gRPC listener is up.
    await expect(startServer({ ...options, metricsListen: { host: "127.0.0.1", port: portOf(busy) } })).rejects.toThrow(/EADDRINUSE/);
    expect(await accepts(grpcPort)).toBe(false);

    const server = await startServer(options);
    running.push(server);
    expect(server.port).toBe(grpcPort);
    expect(await accepts(grpcPort)).toBe(true);
  });
});
