import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { afterEach, describe, expect, it } from "vitest";
import { ManagementService } from "../../sdk/gen/monitor/v1/management_service_pb.js";
import { WatchService } from "../../sdk/gen/monitor/v1/watch_service_pb.js";
import { createListener, type SimListener } from "../../simulator/index.js";
import { ROOT, SERVER_MAIN, spawnServer, type SpawnedServer } from "../support/spawn-server.js";
import { waitUntil } from "../support/wait-until.js";
import { recordConnectWatch } from "../support/watch-recorder.js";

/**
 * The logs an operator reads (issue 8, item 5), from the real server:
 * registrations, announcements, Watch streams at debug, shutdown steps; and
 * `--log-format pretty` for a terminal.
 */

const servers: SpawnedServer[] = [];
let listener: SimListener | undefined;
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop("SIGKILL")));
  await listener?.close();
  listener = undefined;
});

type Line = Record<string, unknown> & { level: number; msg: string };
const jsonLines = (output: string): Line[] =>
  output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Line);

describe("operator logs", () => {
  it("log registrations, announcements and shutdown at info, Watch streams at debug", async () => {
    listener = createListener();
    const port = await listener.up();
    const server = await spawnServer({ args: ["--log-level", "debug"] });
    servers.push(server);
    const transport = createGrpcTransport({ baseUrl: server.baseUrl });
    const management = createClient(ManagementService, transport);

    const { service } = await management.registerService({ host: "127.0.0.1", port, checkInterval: durationFromMs(1000) });
    const serviceId = service!.id;
    await management.registerCaller({ callerId: "ops-bot" });
    const watch = recordConnectWatch(createClient(WatchService, transport), "ops-bot");
    await watch.waitFor((e) => e.kind === "snapshot", 10_000, "the snapshot");
    await management.subscribe({ callerId: "ops-bot", serviceId, pollingInterval: durationFromMs(1000), gracePeriod: durationFromMs(0) });
    await watch.waitFor((e) => e.status === "UP", 10_000, "UP");
    const msgs = () => jsonLines(server.output()).map((line) => line.msg);
    await waitUntil(() => msgs().some((msg) => msg.startsWith("UP: ")), 5000, "the announcement's log line");
    watch.cancel();
    await watch.ended;
    await waitUntil(() => msgs().some((msg) => msg.startsWith("watch stream closed")), 5000, "the stream's closing line");
    expect(await server.stop("SIGTERM")).toBe(0);

    const lines = jsonLines(server.output());
    const find = (msg: string) => {
      const line = lines.find((l) => l.msg === msg);
      expect(line, `a line "${msg}" in:\n${lines.map((l) => l.msg).join("\n")}`).toBeDefined();
      return line!;
    };
    const address = `127.0.0.1:${port}`;
    expect(find(`service registered: ${serviceId} ${address}`)).toMatchObject({ level: 30, serviceId, address });
    expect(find("caller registered: ops-bot")).toMatchObject({ level: 30, callerId: "ops-bot" });
    expect(find(`subscription set: ops-bot → ${serviceId}`)).toMatchObject({ level: 30, pollingIntervalMs: 1000, gracePeriodMs: 0 });
    expect(find(`UP: ${serviceId} ${address} announced to 1 caller`)).toMatchObject({ level: 30, serviceId, address, status: "up", callers: 1 });
    expect(find("watch stream opened: ops-bot")).toMatchObject({ level: 20, callerId: "ops-bot", callerStreams: 1 });
    expect(find("watch stream closed: ops-bot (stream ended)")).toMatchObject({ level: 20, callerStreams: 0 });

    const order = lines.map((l) => l.msg);
    const steps = [
      "shutting down",
      "shutdown: health is NOT_SERVING",
      "shutdown: checks stopped, 0 watch stream(s) ended with UNAVAILABLE",
      `shutdown: store flushed and closed, ${join(server.dataDir, "monitor.lock")} unlocked`,
      "stopped",
    ];
    expect(order.filter((msg) => steps.includes(msg))).toEqual(steps);
  });

  it("keep debug lines out at the default level", async () => {
    const server = await spawnServer();
    servers.push(server);
    const management = createClient(ManagementService, createGrpcTransport({ baseUrl: server.baseUrl }));
    await management.registerCaller({ callerId: "quiet" });
    const watch = recordConnectWatch(createClient(WatchService, createGrpcTransport({ baseUrl: server.baseUrl })), "quiet");
    await watch.waitFor((e) => e.kind === "snapshot", 10_000, "the snapshot");
    watch.cancel();
    await watch.ended;
    expect(await server.stop("SIGTERM")).toBe(0);
    const lines = jsonLines(server.output());
    expect(lines.map((l) => l.msg)).toContain("caller registered: quiet");
    expect(lines.filter((l) => l.level < 30)).toEqual([]);
  });

  it("--log-format pretty writes lines for a terminal, not JSON", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "monitor-pretty-"));
    const child = spawn(process.execPath, [SERVER_MAIN, "--listen", "127.0.0.1:0", "--data-dir", dataDir, "--log-format", "pretty"], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      await waitUntil(() => /listening on 127\.0\.0\.1:\d+/.test(output), 20_000, `the listening line in:\n${output}`);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    const lines = output.split("\n").filter((line) => line.trim() !== "");
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.trimStart().startsWith("{"), line).toBe(false);
    expect(output).toMatch(/INFO.*listening on 127\.0\.0\.1:\d+/);
    expect(output).toMatch(/INFO.*stopped/);
  });
});
