import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createRouterTransport, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  CallerSchema,
  createMonitorClient,
  ManagementService,
  WatchResponseSchema,
  WatchService,
  type MonitorClient,
  type MonitorClientOptions,
  type TlsOptions,
} from "@service-monitor/sdk";
import { makeTestCertificates, type TestCertificates } from "../support/test-certificates.js";

/**
 * The SDK's token and TLS options against in-process HTTP/2 servers that
 * record what each call carried: no monitor behind them, only the headers
 * and the TLS session matter here.
 */

interface Seen {
  readonly method: string;
  readonly authorization: string | null;
}

/**
 * ListCallers answers one caller; Watch sends one event with the next
 * sequence, then ends with the next error of `watchEnds` (UNAVAILABLE once
 * they run out, so the resuming watch keeps reconnecting).
 */
function recordingRoutes(seen: Seen[], watchEnds: ConnectError[] = []) {
  let sequence = 0n;
  return (router: ConnectRouter) => {
    router.service(ManagementService, {
      listCallers(_request, ctx) {
        seen.push({ method: "listCallers", authorization: ctx.requestHeader.get("authorization") });
        return { callers: [create(CallerSchema, { id: "ops-bot", hasToken: true })] };
      },
    });
    router.service(WatchService, {
      async *watch(_request, ctx) {
        seen.push({ method: "watch", authorization: ctx.requestHeader.get("authorization") });
        const end = watchEnds.shift();
        if (end?.code === Code.Unauthenticated || end?.code === Code.PermissionDenied) throw end;
        yield create(WatchResponseSchema, { sequence: ++sequence, event: { case: "servicePaused", value: { serviceId: "svc_1" } } });
        throw end ?? new ConnectError("restarting", Code.Unavailable);
      },
    });
  };
}

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

async function listen(server: http2.Http2Server | http2.Http2SecureServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => {
    // Open sessions would hold close() back; the tests are done with them.
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

async function plainServer(seen: Seen[], watchEnds?: ConnectError[]): Promise<string> {
  const server = http2.createServer(connectNodeAdapter({ routes: recordingRoutes(seen, watchEnds) }));
  return `http://127.0.0.1:${await listen(server)}`;
}

function client(options: MonitorClientOptions): MonitorClient {
  const made = createMonitorClient(options);
  closers.unshift(() => made.close());
  return made;
}

/** Reconnects within a millisecond: these servers are never busy. */
const quickBackoff = { initialMs: 1, maxMs: 1 };

async function take(watch: AsyncIterable<unknown>, count: number): Promise<void> {
  let n = 0;
  for await (const _ of watch) if (++n === count) return;
}

describe("token", () => {
  it("goes with every unary call and every watch stream as `authorization: Bearer <token>`", async () => {
    const seen: Seen[] = [];
    const monitor = client({ baseUrl: await plainServer(seen), token: "s3cret-admin" });
    await monitor.management.listCallers({});
    await take(monitor.watch("ops-bot", { backoff: quickBackoff }), 2);
    expect(seen).toEqual([
      { method: "listCallers", authorization: "Bearer s3cret-admin" },
      { method: "watch", authorization: "Bearer s3cret-admin" },
      { method: "watch", authorization: "Bearer s3cret-admin" },
    ]);
  });

  it("sends no authorization header without the option", async () => {
    const seen: Seen[] = [];
    await client({ baseUrl: await plainServer(seen) }).management.listCallers({});
    expect(seen).toEqual([{ method: "listCallers", authorization: null }]);
  });

  it("as a function is asked again for every call and every resume of a watch, so a rotated token is used at once", async () => {
    const seen: Seen[] = [];
    let asked = 0;
    const monitor = client({ baseUrl: await plainServer(seen), token: async () => `token-${++asked}` });
    await monitor.management.listCallers({});
    await monitor.management.listCallers({});
    await take(monitor.watch("ops-bot", { backoff: quickBackoff }), 3);
    expect(seen.map((s) => s.authorization)).toEqual(["Bearer token-1", "Bearer token-2", "Bearer token-3", "Bearer token-4", "Bearer token-5"]);
  });

  it("works on a ready transport too", async () => {
    const seen: Seen[] = [];
    const monitor = client({ transport: createRouterTransport(recordingRoutes(seen)), token: () => "router-token" });
    await monitor.management.listCallers({});
    expect(seen).toEqual([{ method: "listCallers", authorization: "Bearer router-token" }]);
  });

  for (const code of [Code.Unauthenticated, Code.PermissionDenied]) {
    it(`answered with ${Code[code]}, ends the resuming watch at once: not retried, thrown to the consumer`, async () => {
      const seen: Seen[] = [];
      const refusal = new ConnectError("the token is not valid for this caller", code);
      // One good stream first: a refusal after a resume is as final as one on the first stream.
      const monitor = client({ baseUrl: await plainServer(seen, [new ConnectError("restarting", Code.Unavailable), refusal]), token: "old-token" });
      const reconnects: unknown[] = [];
      const events: bigint[] = [];
      const error = await (async () => {
        for await (const event of monitor.watch("ops-bot", { backoff: quickBackoff, onReconnect: (info) => reconnects.push(info.error?.code) })) {
          events.push(event.sequence);
        }
      })().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe(code);
      expect((error as ConnectError).rawMessage).toBe("the token is not valid for this caller");
      expect(events).toEqual([1n]);
      expect(reconnects).toEqual([Code.Unavailable]);
      expect(seen.filter((s) => s.method === "watch")).toHaveLength(2);
    });
  }

  it("that cannot go in a header is refused before anything is sent, without echoing it", async () => {
    const seen: Seen[] = [];
    const baseUrl = await plainServer(seen);
    for (const [token, message] of [
      ["two words", /token: must be visible ASCII/],
      ["line\nbreak", /token: must be visible ASCII/],
      ["", /token: is empty/],
    ] as const) {
      const error = await client({ baseUrl, token }).management.listCallers({}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe(Code.InvalidArgument);
      expect((error as ConnectError).rawMessage).toMatch(message);
      if (token !== "") expect((error as ConnectError).message).not.toContain(token);
    }
    expect(seen).toEqual([]);
  });

  it("function that throws ends a watch with UNAUTHENTICATED instead of retrying forever", async () => {
    const seen: Seen[] = [];
    const monitor = client({
      baseUrl: await plainServer(seen),
      token: () => {
        throw new Error("vault sealed");
      },
    });
    const error = await take(monitor.watch("ops-bot", { backoff: quickBackoff }), 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.Unauthenticated);
    expect((error as ConnectError).rawMessage).toBe("token: the token function failed: vault sealed");
    expect(seen).toEqual([]);
  });
});

describe("tls", () => {
  let certs: TestCertificates;
  beforeAll(async () => {
    certs = await makeTestCertificates();
  });

  /** An HTTPS/2 server with the test CA's certificate; with `clientCa`, it demands a client certificate signed by it. */
  async function secureServer(seen: Seen[], peers: string[], options: { clientCa?: string; cert?: string; key?: string } = {}): Promise<number> {
    const adapter = connectNodeAdapter({ routes: recordingRoutes(seen) });
    const server = http2.createSecureServer(
      {
        cert: options.cert ?? certs.serverCert,
        key: options.key ?? certs.serverKey,
        ...(options.clientCa === undefined ? {} : { ca: options.clientCa, requestCert: true, rejectUnauthorized: true }),
      },
      (request, response) => {
        const socket = request.socket as import("node:tls").TLSSocket;
        peers.push(`${socket.alpnProtocol} ${socket.getPeerCertificate().subject?.CN ?? "-"}`);
        adapter(request, response);
      },
    );
    return listen(server);
  }

  it("an https:// base URL with the CA given as `tls.ca` speaks h2 over TLS, token and all", async () => {
    const seen: Seen[] = [];
    const peers: string[] = [];
    const port = await secureServer(seen, peers);
    await client({ baseUrl: `https://127.0.0.1:${port}`, tls: { ca: certs.ca }, token: "over-tls" }).management.listCallers({});
    expect(seen).toEqual([{ method: "listCallers", authorization: "Bearer over-tls" }]);
    expect(peers).toEqual(["h2 -"]);
  });

  it("refuses a server whose certificate the given CA did not sign", async () => {
    const seen: Seen[] = [];
    const port = await secureServer(seen, []);
    const error = await client({ baseUrl: `https://127.0.0.1:${port}`, tls: { ca: certs.otherCa } })
      .management.listCallers({})
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).rawMessage).toMatch(/certificate/i);
    expect(seen).toEqual([]);
  });

  it("presents `tls.cert`/`tls.key` to a server that asks for a client certificate (mTLS), and is refused without", async () => {
    const seen: Seen[] = [];
    const peers: string[] = [];
    const port = await secureServer(seen, peers, { clientCa: certs.ca });
    const baseUrl = `https://127.0.0.1:${port}`;
    await client({ baseUrl, tls: { ca: certs.ca, cert: certs.clientCert, key: Buffer.from(certs.clientKey) } }).management.listCallers({});
    expect(peers).toEqual(["h2 ops-bot"]);
    const error = await client({ baseUrl, tls: { ca: certs.ca } }).management.listCallers({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).rawMessage).toMatch(/certificate required/);
    expect(seen).toHaveLength(1);
  });

  it("checks the certificate against `tls.serverName` instead of the URL's host", async () => {
    const seen: Seen[] = [];
    const port = await secureServer(seen, []);
    await client({ baseUrl: `https://127.0.0.1:${port}`, tls: { ca: certs.ca, serverName: "monitor.test" } }).management.listCallers({});
    const wrongName = await client({ baseUrl: `https://127.0.0.1:${port}`, tls: { ca: certs.ca, serverName: "elsewhere.test" } })
      .management.listCallers({})
      .catch((e: unknown) => e);
    expect(wrongName).toBeInstanceOf(ConnectError);
    expect((wrongName as ConnectError).rawMessage).toMatch(/elsewhere\.test/);
    expect(seen).toHaveLength(1);
  });

  it.each([
    ["a CA that did not sign it", async () => ({ tls: { ca: certs.otherCa } }), /\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\): unable to verify the first certificate/],
    ["another name than the certificate's", async () => ({ tls: { ca: certs.ca, serverName: "elsewhere.test" } }), /\(ERR_TLS_CERT_ALTNAME_INVALID\): .*elsewhere\.test/],
    [
      "an expired certificate",
      async () => {
        const expired = await certs.issueServer({ commonName: "expired.test", notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
        return { tls: { ca: certs.ca }, server: expired };
      },
      /\(CERT_HAS_EXPIRED\): certificate has expired/,
    ],
    ["a server that requires a client certificate", async () => ({ tls: { ca: certs.ca }, clientCa: true }), /TLS: the certificate check failed \(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED\)/],
  ] as const)("a failed certificate check (%s) ends a watch at once, with the reason, instead of retrying", async (_name, setup, reason) => {
    const { tls, server, clientCa } = (await setup()) as { tls: TlsOptions; server?: { cert: string; key: string }; clientCa?: true };
    const seen: Seen[] = [];
    const port = await secureServer(seen, [], { ...(server ?? {}), ...(clientCa === true ? { clientCa: certs.ca } : {}) });
    const reconnects: unknown[] = [];
    const error = await take(client({ baseUrl: `https://127.0.0.1:${port}`, tls }).watch("ops-bot", { backoff: quickBackoff, onReconnect: (info) => reconnects.push(info.error?.rawMessage) }), 1).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).rawMessage).toMatch(reason);
    expect(reconnects).toEqual([]);
    expect(seen).toEqual([]);
  });

  it("options that could not take effect are refused at once, naming the option", () => {
    const attempt = (options: MonitorClientOptions) => () => createMonitorClient(options);
    expect(attempt({ baseUrl: "http://127.0.0.1:1", tls: { ca: "x" } })).toThrow(/tls: given, but baseUrl "http:\/\/127\.0\.0\.1:1" is not an https:\/\/ URL/);
    expect(attempt({ baseUrl: "https://127.0.0.1:1", tls: { cert: "x" } })).toThrow(/tls: cert given without key/);
    expect(attempt({ baseUrl: "https://127.0.0.1:1", tls: { key: "x" } })).toThrow(/tls: key given without cert/);
    expect(attempt({ baseUrl: "https://127.0.0.1:1", tls: { serverName: "" } })).toThrow(/tls\.serverName: is empty/);
  });
});
