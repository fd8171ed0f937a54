import { afterEach, describe, expect, it } from "vitest";
import { createGrpcJsClients, type GrpcJsClients } from "../support/grpc-js-client.js";
import { spawnServer, type SpawnedServer } from "../support/spawn-server.js";

/**
 * Many concurrent calls are ordinary load, not a leak: the server must not
 * print MaxListenersExceededWarning (connect links every call to the
 * server's one shutdown signal). Auth is on, so its per-call signals and
 * credential holds are under the same load.
 */

const TOKEN = "concurrent-admin-token-0123456789";
let server: SpawnedServer | undefined;
let clients: GrpcJsClients | undefined;
afterEach(async () => {
  clients?.close();
  await server?.stop("SIGKILL");
});

describe("256 concurrent calls", () => {
  it("all answer, and the server emits no process warning", async () => {
    server = await spawnServer({ env: { MONITOR_ADMIN_TOKENS: TOKEN, NODE_OPTIONS: "--trace-warnings" } });
    clients = createGrpcJsClients(server.port, { token: TOKEN });
    await clients.unary("management", "RegisterCaller", { caller_id: "bot" });
    const c = clients;
    const results = await Promise.allSettled(
      Array.from({ length: 256 }, (_, i) =>
        i % 2 === 0 ? c.unary("management", "ListServices", {}) : c.unary("management", "ListSubscriptions", { caller_id: "bot" }),
      ),
    );
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    // A final round trip: a warning is written synchronously when the 11th listener is added, long before this answers.
    await c.unary("health", "Check", { service: "" });
    expect(server.output()).not.toContain("MaxListenersExceededWarning");
    expect(server.output()).not.toMatch(/\(node:\d+\) \w*Warning/);
  });
});
