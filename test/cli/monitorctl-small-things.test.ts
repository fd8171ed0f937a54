import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimListener } from "../../simulator/index.js";
import { monitorctlAgainst } from "../support/run-monitorctl-in-process.js";
import { createReservedPortListener } from "../support/reserved-port-listener.js";
import { spawnServer, type SpawnedServer } from "../support/spawn-server.js";
import { sleep, waitUntil } from "../support/wait-until.js";

/**
 * monitorctl's small things (issue 8, item 9) against a real server: a group
 * with no subcommand, --close, --count 0, "0s", giving up on an unreachable
 * server, and PENDING lines that say why.
 */

let server: SpawnedServer;
let listener: SimListener;
let upPort: number;
/** Held down for the test: a reserved-range port (below the ephemeral range, so no self-connect) with nothing listening. */
let downListener: SimListener;
let downPort: number;
beforeAll(async () => {
  server = await spawnServer();
  ({ listener, port: upPort } = await createReservedPortListener());
  ({ listener: downListener, port: downPort } = await createReservedPortListener());
  await downListener.down();
});
afterAll(async () => {
  await server.stop("SIGKILL");
  await listener.close();
  await downListener.close();
});

const { ctl, ok } = monitorctlAgainst(() => `127.0.0.1:${server.port}`);

/**
 * A server address nothing listens on: the held-down reserved-range port. A
 * bound-and-released ephemeral port could be taken by any other program
 * meanwhile (or self-connect), and then "unreachable" would not be.
 */
const unreachableServer = () => `http://127.0.0.1:${downPort}`;

describe("monitorctl small things", () => {
  it.each([
    ["services", "add, ls, get, rm, update, pause, resume"],
    ["callers", "add, rotate-token, ls, rm"],
    ["outages", "add, ls, cancel"],
    ["subscriptions", "ls"],
  ])("`monitorctl %s` says a subcommand is missing and lists them (exit 2)", async (group, subcommands) => {
    const run = await ctl([group]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(`monitorctl: "${group}" needs a subcommand: ${subcommands}\n`);
    for (const sub of subcommands.split(", ")) expect(run.stderr).toContain(`monitorctl ${group} ${sub}`);
    expect(await ctl([group, "frob"])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(`unknown ${group} command "${group} frob"; expected one of: ${subcommands}`),
    });
  });

  it("registers with --close fin|reset, shows it, and refuses anything else naming the flag", async () => {
    const reset = JSON.parse(await ok(["services", "add", "127.0.0.1:1001", "--close", "reset", "--json"])) as Record<string, unknown>;
    expect(reset).toMatchObject({ tcp: { closeMode: "TCP_CLOSE_MODE_RESET" } });
    const fin = JSON.parse(await ok(["services", "add", "127.0.0.1:1002", "--close", "fin", "--json"])) as Record<string, unknown>;
    expect(fin).toMatchObject({ tcp: { closeMode: "TCP_CLOSE_MODE_FIN" } });
    const plain = JSON.parse(await ok(["services", "add", "127.0.0.1:1003", "--json"])) as Record<string, unknown>;
    // UNSPECIFIED (the server's default) is the enum's zero, which JSON leaves out.
    expect(plain).toMatchObject({ tcp: {} });
    const ls = await ok(["services", "ls"]);
    expect(ls).toMatch(new RegExp(`${reset["id"] as string} .* reset +\\S+\n`));
    expect(ls).toMatch(new RegExp(`${fin["id"] as string} .* fin +\\S+\n`));
    expect(ls).toMatch(new RegExp(`${plain["id"] as string} .* default +\\S+\n`));
    expect(await ctl(["services", "add", "127.0.0.1:1004", "--close", "rst"])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('monitorctl: --close: expected fin or reset, got "rst"'),
    });
    for (const s of [reset, fin, plain]) await ok(["services", "rm", s["id"] as string]);
  });

  it("refuses --count 0, naming the flag; writes a zero grace as 0s", async () => {
    expect(await ctl(["watch", "anyone", "--count", "0"])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("monitorctl: --count: must be at least 1"),
    });
    await ok(["callers", "add", "zero-grace"]);
    const id = /svc_\w+/.exec(await ok(["services", "add", "127.0.0.1:1005"]))![0];
    expect(await ok(["subscribe", "zero-grace", id, "--grace", "0s"])).toBe(`zero-grace subscribed to ${id}: every 30s, grace 0s\n`);
    await ok(["services", "rm", id]);
  });

  it("watch gives up on a server it cannot connect to (exit 1), unless --forever", async () => {
    const unreachable = unreachableServer();
    const run = await ctl(["watch", "anyone", "--give-up-after", "500ms"], { server: unreachable });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/\nmonitorctl: could not connect for \S+ \(connect ECONNREFUSED 127\.0\.0\.1:\d+\); giving up/);

    expect(await ctl(["watch", "anyone", "--forever", "--give-up-after", "1s"])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("--forever and --give-up-after exclude each other"),
    });

    // --forever: still trying well after 500ms would have given up; Ctrl-C ends it as usual.
    const stop = new AbortController();
    let settled = false;
    const forever = ctl(["watch", "anyone", "--forever"], { server: unreachable, signal: stop.signal }).finally(() => (settled = true));
    await sleep(2_000);
    expect(settled).toBe(false);
    stop.abort();
    const ended = await forever;
    expect(ended.code).toBe(0);
    expect(ended.stderr).toContain("reconnecting in");
    expect(ended.stderr).toContain("stopped after #0");
  });

  it("a snapshot says why a subscription has announced nothing: inside a planned outage, or down inside its grace", async () => {
    await ok(["callers", "add", "pending"]);
    const inOutage = /svc_\w+/.exec(await ok(["services", "add", `127.0.0.1:${upPort}`]))![0];
    await ok(["outages", "add", inOutage, "--start", "now", "--for", "1h", "--reason", "test"]);
    await ok(["subscribe", "pending", inOutage, "--interval", "1s"]);
    const down = /svc_\w+/.exec(await ok(["services", "add", `127.0.0.1:${downPort}`]))![0];
    await ok(["subscribe", "pending", down, "--interval", "1s", "--grace", "1h"]);
    // Both checked at least once, so the reasons are about the checks, not "not checked yet".
    await waitUntil(async () => {
      const status = await ok(["status", "--json"]);
      return status.split("\n").filter((l) => l.includes('"lastCheckTime"')).length >= 2;
    }, 10_000, "both services checked");

    const run = await ctl(["watch", "pending", "--count", "1"]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^\S+Z  #0  snapshot: 2 subscriptions$/);
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^    PENDING  ${inOutage} 127\\.0\\.0\\.1:${upPort}  inside a planned outage until \\S+Z$`)),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^    PENDING  ${down} 127\\.0\\.0\\.1:${downPort}  down since (\\S+Z), DOWN at \\S+Z$`)),
    );
    const [, since, at] = /down since (\S+Z), DOWN at (\S+Z)/.exec(run.stdout)!;
    expect(Date.parse(at!) - Date.parse(since!)).toBe(3_600_000);
    expect(run.stdout).not.toContain("UNKNOWN");
    await ok(["services", "rm", inOutage]);
    await ok(["services", "rm", down]);
  });
});
