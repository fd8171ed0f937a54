import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterEach, describe, expect, it } from "vitest";
import { ManagementService } from "../../sdk/gen/monitor/v1/management_service_pb.js";
import { runServerToExit, spawnServer, type SpawnedServer } from "../support/spawn-server.js";

/**
 * One server per data dir (issue 8, item 4), with real server processes: a
 * second server refuses to start, naming the directory and the first one's
 * pid; a SIGKILLed server's lock does not block the next start.
 */

const servers: SpawnedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop("SIGKILL")));
});

async function start(dataDir: string) {
  const server = await spawnServer({ dataDir });
  servers.push(server);
  return server;
}

describe("data directory lock", () => {
  it("refuses a second server on a held data dir; a killed server's lock does not block a restart", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "monitor-lock-it-"));
    const first = await start(dataDir);
    const management = (server: SpawnedServer) => createClient(ManagementService, createGrpcTransport({ baseUrl: server.baseUrl }));
    await management(first).registerCaller({ callerId: "before-the-second" });

    const second = await runServerToExit(dataDir);
    expect(second.code).toBe(1);
    expect(second.output).toContain(`data directory ${dataDir} is in use by another server (pid ${first.process.pid}`);
    expect(second.output).not.toContain("listening on");

    // The refused server wrote nothing: the first one's next write keeps the earlier one.
    await management(first).registerCaller({ callerId: "after-the-second" });

    expect(await first.stop("SIGKILL")).toBe("SIGKILL");
    expect(existsSync(join(dataDir, "monitor.lock"))).toBe(true);
    const restarted = await start(dataDir);
    const { callers } = await management(restarted).listCallers({});
    expect(callers.map((c) => c.id)).toEqual(["after-the-second", "before-the-second"]);

    expect(await restarted.stop("SIGTERM")).toBe(0);
    expect(existsSync(join(dataDir, "monitor.lock"))).toBe(false);
  });
});
