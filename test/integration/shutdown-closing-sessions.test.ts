import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createGrpcJsClients } from "../support/grpc-js-client.js";
import { openRawSession, openRawWatch } from "../support/raw-watch.js";
import { spawnServer, type SpawnedServer } from "../support/spawn-server.js";
import { sleep } from "../support/wait-until.js";

let server: SpawnedServer | undefined;
afterEach(async () => {
  await server?.stop("SIGKILL");
  server = undefined;
});

describe("graceful shutdown with a session already closing", () => {
  it("finishes every step and exits 0 when a client has sent GOAWAY while its Watch is open", async () => {
    server = await spawnServer();
    const clients = createGrpcJsClients(server.port);
    await clients.unary("management", "RegisterCaller", { caller_id: "closing" });
    clients.close();
    const session = await openRawSession(server.port);
    openRawWatch(session, "closing", { read: true });
    await sleep(300);
    // GOAWAY from the client: the server marks the session closed itself, and
    // `session.close(callback)` would then never call back.
    session.close();
    await sleep(200);
    const code = await server.stop("SIGTERM");
    const output = server.output();
    expect(code).toBe(0);
    expect(output).toContain(`shutdown: store flushed and closed, ${join(server.dataDir, "monitor.lock")} unlocked`);
    expect(output).toContain('"msg":"stopped"');
    expect(existsSync(join(server.dataDir, "monitor.lock"))).toBe(false);
  });
});
