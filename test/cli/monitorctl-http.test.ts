import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpListener, type SimHttpListener } from "../../simulator/index.js";
import { monitorctlAgainst } from "../support/run-monitorctl-in-process.js";
import { spawnServer, type SpawnedServer } from "../support/spawn-server.js";
import { waitUntil } from "../support/wait-until.js";

/**
 * monitorctl's HTTP checks, update, pause, resume and ls --filter/--status
 * (issue 10, item 8) against the real server and a simulated HTTP service.
 * The service stays up throughout (its answer changes instead), so no other
 * process can take its port meanwhile.
 */

let server: SpawnedServer;
let web: SimHttpListener;
beforeAll(async () => {
  server = await spawnServer();
  web = createHttpListener();
  await web.up();
});
afterAll(async () => {
  await server.stop("SIGKILL");
  await web.close();
});

const { ctl, ok } = monitorctlAgainst(() => `127.0.0.1:${server.port}`);

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

describe("monitorctl with HTTP checks", () => {
  it("adds a URL with --expect and --match, watches it go down and up through update, pause and resume", async () => {
    const url = web.url("/health");
    const added = await ok(["services", "add", url, "--name", "web", "--interval", "1s", "--expect", "200-299", "--match", "o(k)"]);
    expect(added).toMatch(new RegExp(`^registered svc_\\w+ \\(${escape(url)}\\)\\n$`));
    const id = /svc_\w+/.exec(added)![0];
    await ok(["callers", "add", "web-watcher"]);
    await ok(["subscribe", "web-watcher", id, "--interval", "1s"]);

    const stop = new AbortController();
    const watching = ctl(["watch", "web-watcher"], { signal: stop.signal });
    const get = () => ok(["services", "get", id]);
    await waitUntil(async () => /^HTTP status: +200$/m.test(await get()), 15_000, "the first check's 200");

    const detail = await get();
    expect(detail).toMatch(new RegExp(`^Check: +HTTP GET ${escape(url)}$`, "m"));
    expect(detail).toMatch(/^Expect: +200-299$/m);
    expect(detail).toMatch(/^Body check: +up if the body matches \/o\(k\)\/$/m);
    expect(detail).toMatch(/^Status: +UP \(HTTP 200\) since \S+Z \(/m);
    expect(detail).toMatch(/^Phases: +dns \S+ +connect \S+ +tls 0\.00ms +first byte \S+ +total \S+$/m);
    expect(detail).toMatch(/^Captures: +1: "k"$/m);
    expect(detail).not.toMatch(/^TLS expires:/m);

    const row = new RegExp(`^${id} +web +${escape(url)} +1s +2s +- +UP \\(HTTP 200\\)$`, "m");
    expect(await ok(["services", "ls"])).toMatch(row);
    expect(await ok(["services", "ls", "--filter", "/HEALTH"])).toMatch(row);
    expect(await ok(["services", "ls", "--filter", "WEB", "--status", "up"])).toMatch(row);
    expect(await ok(["services", "ls", "--filter", "no-such-name"])).toBe("ID  NAME  ADDRESS  INTERVAL  TIMEOUT  CLOSE  STATUS\n");
    expect(await ok(["services", "ls", "--status", "down"])).not.toContain(id);

    // 503 is outside --expect: DOWN, with the code.
    web.respond({ status: 503 });
    await waitUntil(async () => (await ok(["services", "ls", "--status", "down"])).includes(id), 15_000, "DOWN after 503");
    expect(await ok(["status"])).toMatch(new RegExp(`^${id} +web +${escape(url)} +DOWN \\(HTTP 503\\) .*status 503 not in 200`, "m"));

    // Accept 503 too: only the mask's field changes, the subscription stays, and it is UP again.
    expect(await ok(["services", "update", id, "--expect", "200-299,503"])).toBe(`updated ${id} (${url})\n`);
    const updated = await get();
    expect(updated).toMatch(/^Expect: +200-299,503$/m);
    expect(updated).toMatch(/^Name: +web$/m);
    expect(updated).toMatch(/^Body check: +up if the body matches \/o\(k\)\/$/m);
    expect(await ok(["subscriptions", "ls", "--service", id])).toContain("web-watcher");
    await waitUntil(async () => (await ok(["services", "ls", "--status", "up"])).includes(id), 15_000, "UP after the update");

    expect(await ok(["services", "pause", id])).toBe(`paused ${id} (${url})\n`);
    expect(await ok(["services", "ls", "--status", "paused"])).toMatch(new RegExp(`^${id} .* PAUSED$`, "m"));
    expect(await ok(["services", "ls", "--status", "up"])).not.toContain(id);
    expect(await get()).toMatch(/^Paused: +since \S+Z \(/m);
    expect(await ok(["services", "resume", id])).toBe(`resumed ${id} (${url})\n`);
    expect(await get()).toMatch(/^Paused: +no$/m);
    await waitUntil(async () => (await ok(["services", "ls", "--status", "up"])).includes(id), 15_000, "UP after resume");

    stop.abort();
    const run = await watching;
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    // The first UP is in the snapshot, or (if the first check came after the watch opened) its first event.
    expect(lines[1]).toMatch(new RegExp(`^    (UP|PENDING)  ${id} ${escape(url)}  `));
    const events = lines.filter((line) => / #\d+ /.test(line)).map((line) => line.replace(/^\S+Z {2}#\d+ {2}/, ""));
    if (lines[1]!.startsWith("    PENDING")) expect(events.splice(1, 1)).toEqual([expect.stringMatching(new RegExp(`^UP  ${id} ${escape(url)}  HTTP 200  was UNKNOWN`))]);
    expect(events).toEqual([
      "snapshot: 1 subscription",
      expect.stringMatching(new RegExp(`^DOWN  ${id} ${escape(url)}  HTTP 503  was UP, since \\S+Z  status 503 not in 200`)),
      expect.stringMatching(new RegExp(`^UP  ${id} ${escape(url)}  HTTP 503  was DOWN, since \\S+Z$`)),
      `PAUSED  ${id}  not checked until resumed`,
      // Back UP after resume is no news: UP was the last thing announced.
      `RESUMED  ${id}  checked again from a fresh start`,
    ]);
    web.respond({ status: 200 });
    await ok(["services", "rm", id]);
  });

  it("switches a service between TCP and HTTP with update, and refuses what it cannot parse", async () => {
    const port = Number(new URL(web.url()).port);
    const id = /svc_\w+/.exec(await ok(["services", "add", `127.0.0.1:${port}`, "--name", "both"]))![0];
    expect(await ok(["services", "update", id, "--url", web.url("/switched"), "--keyword", "ok", "--method", "post"])).toBe(
      `updated ${id} (${web.url("/switched")})\n`,
    );
    const asHttp = await ok(["services", "get", id]);
    expect(asHttp).toMatch(new RegExp(`^Check: +HTTP POST ${escape(web.url("/switched"))}$`, "m"));
    expect(asHttp).toMatch(/^Body check: +up if the body contains "ok"$/m);
    expect(asHttp).toMatch(/^Expect: +200-399$/m);
    expect(asHttp).toMatch(/^Name: +both$/m);
    expect(await ok(["services", "update", id, "--address", `127.0.0.1:${port}`, "--close", "reset"])).toBe(`updated ${id} (127.0.0.1:${port})\n`);
    expect(await ok(["services", "get", id])).toMatch(new RegExp(`^Check: +TCP connect to 127\\.0\\.0\\.1:${port}, closed with reset$`, "m"));

    expect(await ctl(["services", "update", id, "--expect", "200"])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(`monitorctl: --expect: ${id} is a TCP check; give --url too to switch it to an HTTP check\n`),
    });
    expect(await ctl(["services", "update", id])).toMatchObject({ code: 2, stderr: expect.stringContaining("nothing to change") });
    expect(await ctl(["services", "add", web.url("/x"), "--expect", "200-2x9"])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^monitorctl: --expect: expected status codes like "200-299,304" or "2xx", got "200-2x9"\nSee: monitorctl services add/),
    });
    expect(await ctl(["services", "ls", "--status", "sleeping"])).toMatchObject({ code: 2, stderr: expect.stringContaining("--status: expected one of up, down, paused, unknown") });
    // What only the server can judge is its refusal, naming the field.
    expect(await ctl(["services", "add", web.url("/x"), "--match", "("])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^monitorctl: INVALID_ARGUMENT: http\.body_regex: /) });
    expect(await ctl(["services", "pause", "svc_nope"])).toMatchObject({ code: 1, stderr: 'monitorctl: NOT_FOUND: service "svc_nope" not found\n' });
    await ok(["services", "rm", id]);
  });
});
