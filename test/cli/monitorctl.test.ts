import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createListener, type SimListener } from "../../simulator/index.js";
import { monitorctlAgainst } from "../support/run-monitorctl-in-process.js";
import { createReservedPortListener } from "../support/reserved-port-listener.js";
import { ROOT, spawnServer, type SpawnedServer } from "../support/spawn-server.js";
import { sleep, waitUntil } from "../support/wait-until.js";

/** monitorctl against the real server: every command, its output and exit codes. */

let server: SpawnedServer;
let listener: SimListener;
let servicePort: number;
beforeAll(async () => {
  server = await spawnServer();
  ({ listener, port: servicePort } = await createReservedPortListener());
});
afterAll(async () => {
  await server.stop("SIGKILL");
  await listener.close();
});

const { ctl, ok } = monitorctlAgainst(() => `127.0.0.1:${server.port}`);

const ndjson = (text: string) => text.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);

describe("monitorctl", () => {
  it("manages services, callers, subscriptions and outages, and shows status", async () => {
    expect(await ok(["services", "add", `127.0.0.1:${servicePort}`, "--name", "db", "--interval", "2s", "--timeout", "500ms"])).toMatch(
      /^registered svc_\w+ \(127\.0\.0\.1:\d+\)\n$/,
    );
    const [service] = ndjson(await ok(["services", "ls", "--json"]));
    const id = service!["id"] as string;
    expect(service).toMatchObject({ host: "127.0.0.1", port: servicePort, displayName: "db", checkInterval: "2s", checkTimeout: "0.500s" });
    expect(await ok(["services", "ls"])).toMatch(
      new RegExp(`^ID +NAME +ADDRESS +INTERVAL +TIMEOUT +CLOSE +STATUS\n${id} +db +127\\.0\\.0\\.1:${servicePort} +2s +500ms +default +(UNKNOWN|UP)\n$`),
    );

    expect(await ok(["callers", "add", "ops", "--name", "Ops team"])).toMatch(
      /^registered caller ops\ncaller token: \S{40,}\n\(shown only now, the server keeps no copy; a lost token is replaced with: monitorctl callers rotate-token ops\)\n$/,
    );
    expect(await ok(["callers", "ls"])).toBe("ID   NAME      TOKEN\nops  Ops team  yes\n");
    const first = JSON.parse(await ok(["callers", "rotate-token", "ops", "--json"])) as { callerToken: string };
    const second = await ok(["callers", "rotate-token", "ops"]);
    expect(second).toMatch(/^new token for caller ops; the old one no longer works\ncaller token: \S{40,}\n/);
    expect(second).not.toContain(first.callerToken);
    expect(await ok(["subscribe", "ops", id, "--interval", "1s", "--grace", "10s"])).toBe(`ops subscribed to ${id}: every 1s, grace 10s\n`);
    expect(await ok(["subscriptions", "ls", "--caller", "ops"])).toMatch(new RegExp(`ops +${id} +1s +10s\n$`));

    expect(await ok(["outages", "add", id, "--start", "+1h", "--for", "30m", "--reason", "upgrade"])).toMatch(/^planned outage out_\w+ for svc_\w+: /);
    const [outage] = ndjson(await ok(["outages", "ls", id, "--json"]));
    expect(Date.parse(outage!["endTime"] as string) - Date.parse(outage!["startTime"] as string)).toBe(30 * 60_000);
    expect(await ok(["outages", "ls"])).toMatch(/ planned +.* upgrade\n$/);
    expect(await ok(["outages", "cancel", outage!["id"] as string])).toBe(`cancelled outage ${outage!["id"]}\n`);
    expect(await ok(["outages", "ls"])).toBe("ID  SERVICE  STATE  START  END  ENDS  REASON\n");

    await waitUntil(async () => (await ok(["status"])).includes(" UP "), 10_000, "status UP");
    const status = await ok(["status"]);
    expect(status).toMatch(/^ID +NAME +ADDRESS +STATUS +SINCE +LATENCY +INTERVAL +CHECKED +DETAIL\n/);
    // Latency has two decimals below 10 ms, whole ms above: a loaded machine's loopback connect can take 20 ms.
    expect(status).toMatch(new RegExp(`${id} +db +127\\.0\\.0\\.1:${servicePort} +UP +\\d+(ms|s) ago +\\d+(\\.\\d\\d)?ms +1s +`));
    expect(ndjson(await ok(["status", "--json"]))[0]).toMatchObject({ id, state: { status: "SERVICE_STATUS_UP", effectiveInterval: "1s" } });

    expect(await ok(["unsubscribe", "ops", id])).toBe(`ops unsubscribed from ${id}\n`);
    expect(await ok(["callers", "rm", "ops"])).toBe("unregistered caller ops\n");
    expect(await ok(["services", "rm", id])).toBe(`unregistered ${id}\n`);
    expect(await ok(["services", "ls"])).toBe("ID  NAME  ADDRESS  INTERVAL  TIMEOUT  CLOSE  STATUS\n");
  });

  it("watches a caller: a snapshot, then one line per change, until Ctrl-C, then says where to resume", async () => {
    await ok(["callers", "add", "watcher"]);
    const registered = await ok(["services", "add", `127.0.0.1:${servicePort}`]);
    const id = /svc_\w+/.exec(registered)![0];
    await ok(["subscribe", "watcher", id, "--interval", "1s"]);

    const stop = new AbortController();
    const watching = ctl(["watch", "watcher"], { signal: stop.signal });
    await sleep(1500);
    await listener.down();
    const json = await ctl(["watch", "watcher", "--after", "1", "--count", "1", "--json"]);
    await sleep(500); // the first watch gets the same live event at the same time; let it print
    stop.abort();
    const run = await watching;
    await listener.up();

    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^\S+Z  #1  snapshot: 1 subscription$/);
    expect(lines[1]).toMatch(new RegExp(`^    UP  ${id} 127\\.0\\.0\\.1:${servicePort}  since \\S+Z$`));
    expect(lines[2]).toMatch(new RegExp(`^\\S+Z  #2  DOWN  ${id} 127\\.0\\.0\\.1:${servicePort}  was UP, since \\S+Z  .*refused`));
    expect(run.stderr).toBe("stopped after #2; resume with: monitorctl watch watcher --after 2\n");

    expect(json.code).toBe(0);
    expect(ndjson(json.stdout)).toEqual([
      expect.objectContaining({ sequence: "2", statusChange: expect.objectContaining({ serviceId: id, status: "SERVICE_STATUS_DOWN", previousStatus: "SERVICE_STATUS_UP" }) }),
    ]);
    await ok(["services", "rm", id]);
  });

  it("exits 1 with the gRPC code when the server refuses, and 2 for usage errors, naming the problem", async () => {
    expect(await ctl(["services", "rm", "svc_nope"])).toEqual({ code: 1, stdout: "", stderr: 'monitorctl: NOT_FOUND: service "svc_nope" not found\n' });
    const invalid = await ctl(["subscribe", "ghost", "svc_nope", "--interval", "100ms"]);
    expect(invalid).toMatchObject({ code: 1, stderr: expect.stringMatching(/^monitorctl: INVALID_ARGUMENT: polling_interval: /) });
    expect(await ctl(["watch", "nobody"])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^monitorctl: NOT_FOUND: .*nobody/) });

    expect(await ctl(["services", "add", "nohost"])).toMatchObject({ code: 2, stderr: expect.stringContaining("expected HOST:PORT") });
    expect(await ctl(["subscribe", "a", "b", "--grace", "ten"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^monitorctl: --grace: /) });
    expect(await ctl(["outages", "add", "svc_x", "--for", "1m", "--end", "+2m"])).toMatchObject({ code: 2, stderr: expect.stringContaining("exactly one of --end and --for") });
    expect(await ctl(["callers", "rm"])).toMatchObject({ code: 2, stderr: expect.stringContaining("expected CALLER_ID, got none") });
    expect(await ctl(["services", "frob"])).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown services command "services frob"') });
    expect(await ctl(["status", "--verbose"])).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown flag --verbose") });
    expect(await ctl([])).toMatchObject({ code: 2, stderr: expect.stringContaining("Usage: monitorctl COMMAND") });
    expect(await ctl(["--protocol", "soap", "status"])).toMatchObject({ code: 2, stderr: expect.stringContaining("--protocol: expected grpc or connect") });
  });

  it("explains an unreachable server", async () => {
    const closed = createListener();
    const port = await closed.up();
    await closed.close();
    const run = await ctl(["status"], { server: `http://127.0.0.1:${port}` });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^monitorctl: UNAVAILABLE: .*\(is the server running\? set --server or MONITOR_SERVER\)\n$/);
  });

  it("has help for every command, and works over the Connect protocol too", async () => {
    const top = await ctl(["--help"]);
    expect(top.code).toBe(0);
    for (const words of [["services", "add"], ["services", "update"], ["services", "get"], ["services", "pause"], ["outages", "add"], ["watch"], ["status"]]) {
      const help = await ctl([...words, "--help"]);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: monitorctl ${words.join(" ")}`);
      expect(top.stdout).toContain(`monitorctl ${words.join(" ")}`);
    }
    expect((await ctl(["outages", "--help"])).stdout).not.toContain("monitorctl services add");
    expect(await ctl(["--protocol", "connect", "callers", "ls"])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^ID +NAME +TOKEN\n/) });
  });

  it("runs as the `monitorctl` bin", async () => {
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, ["sdk/dist/cli/bin.js", "callers", "add", "from-bin"], {
      cwd: ROOT,
      env: { ...process.env, MONITOR_SERVER: `127.0.0.1:${server.port}` },
    });
    expect(stdout).toMatch(/^registered caller from-bin\ncaller token: \S+\n/);
    const failed = await run(process.execPath, ["sdk/dist/cli/bin.js", "callers", "rm", "nobody"], {
      cwd: ROOT,
      env: { ...process.env, MONITOR_SERVER: `127.0.0.1:${server.port}` },
    }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringContaining("NOT_FOUND") });
  });
});
