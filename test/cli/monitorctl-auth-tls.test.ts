import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBufCurl, type BufCurl } from "../support/buf-curl.js";
import { ROOT, spawnServer, type SpawnedServer } from "../support/spawn-server.js";
import { makeTestCertificates, writePemFiles } from "../support/test-certificates.js";

/**
 * The README's "Security: TLS and authentication" walkthrough, step by step:
 * the real server with --tls-cert/--tls-key and MONITOR_ADMIN_TOKENS, the
 * built monitorctl bin with --server https://… --tls-ca and --token /
 * MONITOR_TOKEN, and buf curl with --cacert and an authorization header.
 * (The README makes the CA and certificate with openssl; here the test
 * factory makes the same shape: a CA, a server certificate for 127.0.0.1 and
 * localhost.)
 */

const ADMIN = "admin-token-0123456789abcdef";
const run = promisify(execFile);

let dir: string;
let server: SpawnedServer;
let ca: string;
let url: string;
let buf: BufCurl;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "monitor-auth-tls-"));
  const certs = await makeTestCertificates();
  const files = await writePemFiles(dir, { ca: certs.ca, "server.crt": certs.serverCert, "server.key": certs.serverKey });
  ca = files.ca;
  [server, buf] = await Promise.all([
    spawnServer({ args: ["--tls-cert", files["server.crt"], "--tls-key", files["server.key"]], env: { MONITOR_ADMIN_TOKENS: ADMIN } }),
    createBufCurl(),
  ]);
  url = `https://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server?.stop();
  await buf?.dispose();
  if (server !== undefined) await rm(server.dataDir, { recursive: true, force: true });
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `monitorctl --server https://127.0.0.1:PORT --tls-ca ca.pem ARGS`, the built bin, with `env` on top of a clean MONITOR_* environment. */
async function monitorctl(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("MONITOR_")));
  return run(process.execPath, ["sdk/dist/cli/bin.js", "--server", url, "--tls-ca", ca, ...args], { cwd: ROOT, env: { ...clean, ...env }, timeout: 20_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

describe("the README's TLS + auth walkthrough", () => {
  let serviceId: string;
  let callerToken: string;

  it("the server says https and logs its certificate", () => {
    expect(server.output()).toMatch(/"msg":"listening on 127\.0\.0\.1:\d+ \(TLS, https\)"/);
    expect(server.output()).toMatch(/TLS: certificate CN=monitor\.test \(.*IP Address:127\.0\.0\.1.*DNS:localhost/);
  });

  it("without a token, management is UNAUTHENTICATED with the hint", async () => {
    const refused = await monitorctl(["services", "ls"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^monitorctl: UNAUTHENTICATED: .*\nHint: pass --token or set MONITOR_TOKEN/);
  });

  it("with the admin token: add a service, add a caller (its token printed once), subscribe", async () => {
    const added = await monitorctl(["--token", ADMIN, "services", "add", "127.0.0.1:9", "--name", "db", "--interval", "1h"]);
    expect(added).toMatchObject({ code: 0, stderr: "" });
    serviceId = /svc_\w+/.exec(added.stdout)![0];

    const caller = await monitorctl(["callers", "add", "ops-bot"], { MONITOR_TOKEN: ADMIN });
    expect(caller).toMatchObject({ code: 0, stderr: "" });
    expect(caller.stdout).toMatch(/^registered caller ops-bot\ncaller token: \S+\n\(shown only now/);
    callerToken = /caller token: (\S+)/.exec(caller.stdout)![1]!;

    const subscribed = await monitorctl(["--token", ADMIN, "subscribe", "ops-bot", serviceId, "--interval", "1h"]);
    expect(subscribed).toMatchObject({ code: 0, stdout: `ops-bot subscribed to ${serviceId}: every 1h, grace 0s\n` });
  });

  it("watch with the caller's token sees the snapshot", async () => {
    const watched = await monitorctl(["watch", "ops-bot", "--count", "1"], { MONITOR_TOKEN: callerToken });
    expect(watched).toMatchObject({ code: 0, stderr: "" });
    // DOWN (nothing listens on port 9) or PENDING, whether or not its first check has run.
    expect(watched.stdout).toMatch(new RegExp(`#1 +snapshot: 1 subscription\\n +(DOWN|PENDING) +${serviceId} 127\\.0\\.0\\.1:9 `));
  });

  it("the caller's token cannot manage: services ls is PERMISSION_DENIED with the hint", async () => {
    const denied = await monitorctl(["--token", callerToken, "services", "ls"]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^monitorctl: PERMISSION_DENIED: .*\nHint: pass --token/);
    expect(denied.stderr).not.toContain(callerToken);
  });

  it("callers rotate-token: the new token watches, the old one is refused", async () => {
    const rotated = await monitorctl(["--token", ADMIN, "callers", "rotate-token", "ops-bot"]);
    expect(rotated).toMatchObject({ code: 0, stderr: "" });
    const fresh = /caller token: (\S+)/.exec(rotated.stdout)![1]!;
    expect(fresh).not.toBe(callerToken);
    const old = await monitorctl(["watch", "ops-bot", "--count", "1"], { MONITOR_TOKEN: callerToken });
    expect(old.code).toBe(1);
    expect(old.stderr).toMatch(/UNAUTHENTICATED/);
    expect(await monitorctl(["watch", "ops-bot", "--count", "1"], { MONITOR_TOKEN: fresh })).toMatchObject({ code: 0, stderr: "" });
  });

  it("buf curl --cacert with -H 'authorization: Bearer …'", async () => {
    const { stdout } = await buf.call("--cacert", ca, "-H", `authorization: Bearer ${ADMIN}`, "-d", "{}", `${url}/monitor.v1.ManagementService/ListServices`);
    expect((JSON.parse(stdout) as { services: Array<{ id: string }> }).services.map((s) => s.id)).toEqual([serviceId]);
    const refused = await buf.run("--cacert", ca, "-d", "{}", `${url}/monitor.v1.ManagementService/ListServices`);
    expect(refused.exitCode).not.toBe(0);
  });
});
