import { mkdtempSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createBufCurl, type BufCurl } from "../support/buf-curl.js";
import { createGrpcJsClients, status, type GrpcError, type GrpcJsClients } from "../support/grpc-js-client.js";
import { runServerToExit, spawnServer, type SpawnedServer } from "../support/spawn-server.js";
import { waitUntil } from "../support/wait-until.js";

/**
 * Authentication in the real, compiled server process: admin tokens from
 * MONITOR_ADMIN_TOKENS and from a file re-read while running, bearer tokens
 * through two independent clients (buf curl, grpc-js), the refusal to serve a
 * reachable address without auth, the open RPCs (health, reflection), and
 * no token ever written to the server's log.
 */

const ENV_TOKEN = "env-admin-token-0123456789";
const FILE_TOKEN_A = "file-admin-token-A-0123456789";
const FILE_TOKEN_B = "file-admin-token-B-9876543210";

let buf: BufCurl;
const servers: SpawnedServer[] = [];
const clients: GrpcJsClients[] = [];
beforeAll(async () => {
  buf = await createBufCurl();
});
afterAll(async () => {
  await buf.dispose();
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(servers.splice(0).map((s) => s.stop("SIGKILL")));
});

async function start(options: Parameters<typeof spawnServer>[0]): Promise<SpawnedServer> {
  const server = await spawnServer(options);
  servers.push(server);
  return server;
}
function grpcJs(server: SpawnedServer, token?: string): GrpcJsClients {
  const client = createGrpcJsClients(server.port, token === undefined ? {} : { token });
  clients.push(client);
  return client;
}
const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "ok",
    (error: GrpcError) => error.code,
  );
/** Every token the test used, none of which may appear in the server's log. */
function expectNoToken(output: string, tokens: readonly string[]): void {
  for (const token of tokens) expect(output).not.toContain(token);
}
/** Replaces the file as editors and config managers do: a new file renamed over the old one. */
function replaceFile(path: string, text: string): void {
  const next = `${path}.next`;
  writeFileSync(next, text);
  renameSync(next, path);
}

describe("auth in the server process", () => {
  it("takes admin tokens from MONITOR_ADMIN_TOKENS, over grpc-js metadata and buf curl headers", async () => {
    const server = await start({ env: { MONITOR_ADMIN_TOKENS: ` ${ENV_TOKEN} , ` }, args: ["--metrics-listen", "127.0.0.1:0"] });
    expect(await codeOf(grpcJs(server).unary("management", "ListServices", {}))).toBe(status.UNAUTHENTICATED);
    expect(await codeOf(grpcJs(server, "wrong-token-0123456789").unary("management", "ListServices", {}))).toBe(status.UNAUTHENTICATED);
    const admin = grpcJs(server, ENV_TOKEN);
    const registered = await admin.unary<{ caller_token: string }>("management", "RegisterCaller", { caller_id: "bot" });
    const callerToken = registered.caller_token;
    expect(callerToken).not.toBe("");
    // A caller token may list its own subscriptions, and nothing an admin does.
    const bot = grpcJs(server, callerToken);
    expect(await codeOf(bot.unary("management", "ListSubscriptions", { caller_id: "bot" }))).toBe("ok");
    expect(await codeOf(bot.unary("management", "ListServices", {}))).toBe(status.PERMISSION_DENIED);

    const url = (method: string) => `${server.baseUrl}/monitor.v1.ManagementService/${method}`;
    const anonymous = await buf.run("-d", "{}", url("ListServices"));
    expect(anonymous.exitCode).toBe(8 * status.UNAUTHENTICATED);
    const withToken = await buf.run("-H", `authorization: Bearer ${ENV_TOKEN}`, "-d", "{}", url("ListCallers"));
    expect(withToken.exitCode).toBe(0);
    expect(JSON.parse(withToken.stdout)).toMatchObject({ callers: [{ id: "bot", hasToken: true }] });
    const asCaller = await buf.run("-H", `authorization: Bearer ${callerToken}`, "-d", '{"caller_id":"bot"}', url("ListSubscriptions"));
    expect(asCaller.exitCode).toBe(0);

    // Refused so far: grpc-js without and with a wrong token, buf curl without one; the caller's ListServices.
    const metricsAddress = /"metricsAddress":"(127\.0\.0\.1:\d+)"/.exec(server.output())?.[1];
    const scraped = await (await fetch(`http://${metricsAddress}/metrics`)).text();
    const refusals = scraped.split("\n").filter((line) => line.startsWith("monitor_auth_refusals_total"));
    expect(refusals.sort()).toEqual([
      'monitor_auth_refusals_total{code="permission_denied",reason="permission_denied"} 1',
      'monitor_auth_refusals_total{code="unauthenticated",reason="missing"} 2',
      'monitor_auth_refusals_total{code="unauthenticated",reason="unknown_token"} 1',
    ]);

    expectNoToken(server.output(), [ENV_TOKEN, callerToken, "wrong-token-0123456789"]);
  });

  it("re-reads --admin-tokens-file while running: a removed token is refused and its open Watch ends", async () => {
    const dir = mkdtempSync(join(tmpdir(), "monitor-admin-tokens-"));
    const file = join(dir, "admin-tokens");
    writeFileSync(file, `# the operators' tokens\n\n  ${FILE_TOKEN_A}  \n${FILE_TOKEN_A}\n`);
    const server = await start({ args: ["--admin-tokens-file", file] });
    const a = grpcJs(server, FILE_TOKEN_A);
    const b = grpcJs(server, FILE_TOKEN_B);
    await a.unary("management", "RegisterCaller", { caller_id: "watcher" });
    expect(await codeOf(b.unary("management", "ListServices", {}))).toBe(status.UNAUTHENTICATED);

    const watch = a.watch({ caller_id: "watcher" });
    let replaced = false;
    // Ended by the reload, not refused at its start: it must still be open when the file changes.
    const ended = new Promise<{ error: GrpcError; afterReplace: boolean }>((resolve) =>
      watch.on("error", (error: GrpcError) => resolve({ error, afterReplace: replaced })),
    );
    watch.on("data", () => undefined);
    // The stream is open once the server logged it or answers it; a ListSubscriptions round trip orders us after it.
    await a.unary("management", "ListSubscriptions", { caller_id: "watcher" });

    replaced = true;
    replaceFile(file, `${FILE_TOKEN_B}\n`);
    await waitUntil(async () => (await codeOf(b.unary("management", "ListServices", {}))) === "ok", 20_000, "token B accepted");
    expect(await codeOf(a.unary("management", "ListServices", {}))).toBe(status.UNAUTHENTICATED);
    const { error, afterReplace } = await ended;
    expect(afterReplace).toBe(true);
    expect(error.code).toBe(status.UNAUTHENTICATED);
    expect(server.process.exitCode).toBeNull();

    expectNoToken(server.output(), [FILE_TOKEN_A, FILE_TOKEN_B]);
  });

  it("refuses to listen on a reachable address without auth, binding nothing and saying why", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "monitor-refused-"));
    const { code, output } = await runServerToExit(dataDir, 20_000, { args: ["--listen", "0.0.0.0:0"] });
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(output).toContain("refusing to listen on 0.0.0.0 without authentication");
    expect(output).toContain("--insecure-no-auth");
    expect(output).not.toContain("listening on");
    // Refused before anything opened: the store was not even created.
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it("with --insecure-no-auth serves a wildcard address unauthenticated and warns", async () => {
    const server = await start({ listenHost: "0.0.0.0", args: ["--insecure-no-auth"] });
    expect(server.output()).toContain("--insecure-no-auth: serving 0.0.0.0 without authentication");
    expect(await codeOf(grpcJs(server).unary("management", "ListServices", {}))).toBe("ok");
  });

  it("keeps health and reflection open without a token; --no-reflection turns reflection off", async () => {
    const server = await start({ env: { MONITOR_ADMIN_TOKENS: ENV_TOKEN } });
    expect(await grpcJs(server).unary("health", "Check", { service: "" })).toMatchObject({ status: "SERVING" });
    const listed = await buf.run("--list-services", server.baseUrl);
    expect(listed.exitCode).toBe(0);
    expect(listed.stdout).toContain("monitor.v1.ManagementService");

    const closed = await start({ env: { MONITOR_ADMIN_TOKENS: ENV_TOKEN }, args: ["--no-reflection"] });
    expect(await grpcJs(closed).unary("health", "Check", { service: "" })).toMatchObject({ status: "SERVING" });
    const refused = await buf.run("--list-services", closed.baseUrl);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stdout).not.toContain("monitor.v1.ManagementService");
    expectNoToken(server.output() + closed.output(), [ENV_TOKEN]);
  });
});
