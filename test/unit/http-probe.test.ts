/**
 * The HTTP(S) probe against real node:http / node:https servers, on
 * loopback only (127.0.0.1). Host names other than IP literals are answered
 * by a stub resolver with 127.0.0.1, so nothing here may reach any other
 * address. TLS fixtures: test/fixtures/tls (make-certs.sh).
 */
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from "node:net";
import { X509Certificate } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { ResolveResult } from "../../server/engine/dns-cache.js";
import {
  createHttpProbe,
  describeHttpError,
  describeStatusRanges,
  MAX_BODY_BYTES,
  type HttpCheckResult,
  type HttpProbeOptions,
} from "../../server/engine/http-probe.js";

const fixtures = new URL("../fixtures/tls/", import.meta.url);
const pem = (name: string): Buffer => readFileSync(new URL(name, fixtures));
const CA = pem("ca.crt");

type Handler = (request: IncomingMessage, response: ServerResponse, body: Buffer) => void;

const servers: (HttpServer | TcpServer)[] = [];
const sockets = new Set<Socket>();

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

async function listen(server: HttpServer | TcpServer): Promise<number> {
  servers.push(server);
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** The handler sees the request with its body read. */
function withBody(handler: Handler) {
  return (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => handler(request, response, Buffer.concat(chunks)));
  };
}

async function httpServer(handler: Handler): Promise<number> {
  return listen(createHttpServer(withBody(handler)));
}

async function httpsServer(cert: "good" | "expired" | "self-signed", handler: Handler): Promise<number> {
  return listen(createHttpsServer({ key: pem(`${cert}.key`), cert: pem(`${cert}.crt`) }, withBody(handler)));
}

/** Answers every name with loopback, and records what was asked. */
function stubResolver(answers: Record<string, ResolveResult> = {}) {
  const asked: string[] = [];
  const resolve = (host: string): Promise<ResolveResult> => {
    asked.push(host);
    return Promise.resolve(answers[host] ?? { ok: true, address: "127.0.0.1", family: 4 });
  };
  return { asked, resolve };
}

function probe(options: Partial<HttpProbeOptions> = {}) {
  return createHttpProbe({ resolve: stubResolver().resolve, now: () => 1_000_000, ...options });
}

const ok: Handler = (_req, res) => res.end("ok");

function expectPhasesConsistent(result: HttpCheckResult): void {
  const { dnsMs, connectMs, tlsMs, firstByteMs, totalMs } = result.phases;
  for (const value of [dnsMs, connectMs, tlsMs, firstByteMs, totalMs]) {
    expect(Number.isFinite(value)).toBe(true);
    expect(value).toBeGreaterThanOrEqual(0);
  }
  // Phases are consecutive parts of the exchange, so they fit inside the total.
  expect(dnsMs + connectMs + tlsMs + firstByteMs).toBeLessThanOrEqual(totalMs + 1e-6);
  expect(result.latencyMs).toBe(totalMs);
}

describe("status", () => {
  it("is UP on 200 with the status, the phases and the check's start time", async () => {
    const port = await httpServer(ok);
    const result = await probe()({ url: `http://127.0.0.1:${port}/health`, timeoutMs: 5_000 });
    expect(result).toMatchObject({ status: "up", detail: "", at: 1_000_000, httpStatus: 200, tlsExpiresAt: undefined });
    expect(result.captures).toEqual({ groups: [], named: {} });
    expect(result.phases.tlsMs).toBe(0);
    expectPhasesConsistent(result);
  });

  it("is DOWN on a status outside the accepted ranges, saying which", async () => {
    const port = await httpServer((_req, res) => {
      res.statusCode = 503;
      res.end("busy");
    });
    const check = probe();
    const url = `http://127.0.0.1:${port}/`;
    expect(await check({ url, timeoutMs: 5_000 })).toMatchObject({ status: "down", detail: "status 503 not in 200–399", httpStatus: 503 });
    const custom = await check({ url, timeoutMs: 5_000, acceptedStatuses: [{ min: 200, max: 299 }, { min: 404, max: 404 }] });
    expect(custom).toMatchObject({ status: "down", detail: "status 503 not in 200–299, 404" });
    expect((await check({ url, timeoutMs: 5_000, acceptedStatuses: [{ min: 500, max: 599 }] })).status).toBe("up");
  });

  it("describes ranges as a person writes them", () => {
    expect(describeStatusRanges([{ min: 200, max: 399 }])).toBe("200–399");
    expect(describeStatusRanges([{ min: 200, max: 299 }, { min: 304, max: 304 }])).toBe("200–299, 304");
  });
});

describe("request", () => {
  it("sends POST with its body and headers, HEAD without one, on a fresh connection each time", async () => {
    const seen: { method: string | undefined; body: string; headers: IncomingMessage["headers"]; remotePort: number | undefined }[] = [];
    const port = await httpServer((req, res, body) => {
      seen.push({ method: req.method, body: body.toString(), headers: req.headers, remotePort: req.socket.remotePort });
      res.end(`echo ${req.method} ${body.toString()}`);
    });
    const check = probe();
    const url = `http://127.0.0.1:${port}/submit`;
    const posted = await check({
      url,
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Probe": "yes" },
      body: Buffer.from('{"ping":1}'),
      bodyKeyword: 'echo POST {"ping":1}',
      timeoutMs: 5_000,
    });
    expect(posted).toMatchObject({ status: "up", detail: "" });
    const head = await check({ url, method: "HEAD", timeoutMs: 5_000 });
    expect(head).toMatchObject({ status: "up", httpStatus: 200 });

    expect(seen.map((s) => [s.method, s.body])).toEqual([["POST", '{"ping":1}'], ["HEAD", ""]]);
    expect(seen[0]?.headers).toMatchObject({ "content-type": "application/json", "x-probe": "yes", "content-length": "10" });
    // No keep-alive: the client says so, and each check had its own connection.
    for (const s of seen) expect(s.headers.connection).toBe("close");
    expect(seen[0]?.remotePort).not.toBe(seen[1]?.remotePort);
    expect(seen[0]?.headers["user-agent"]).toContain("service-monitor");
  });

  it("resolves host names through the injected resolver, and reports its failure", async () => {
    const port = await httpServer((req, res) => res.end(req.headers.host));
    const { asked, resolve } = stubResolver({ "gone.test": { ok: false, code: "ENOTFOUND", detail: "unknown host gone.test" } });
    const check = createHttpProbe({ resolve });
    // "service.test" exists only in the stub: UP proves the socket used its answer.
    const up = await check({ url: `http://service.test:${port}/`, bodyKeyword: `service.test:${port}`, timeoutMs: 5_000 });
    expect(up).toMatchObject({ status: "up", httpStatus: 200 });
    const down = await check({ url: `http://gone.test:${port}/`, timeoutMs: 5_000 });
    expect(down).toMatchObject({ status: "down", detail: "unknown host gone.test", httpStatus: undefined });
    expect(asked).toEqual(["service.test", "gone.test"]);
  });

  it("checks an IPv6 literal URL on ::1 (skipped where the machine has no IPv6 loopback)", async (ctx) => {
    const server = createHttpServer(withBody(ok));
    const listening = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen(0, "::1", () => resolve(true));
    });
    if (!listening) ctx.skip();
    servers.push(server);
    const { asked, resolve } = stubResolver();
    const port = (server.address() as AddressInfo).port;
    const result = await createHttpProbe({ resolve })({ url: `http://[::1]:${port}/`, timeoutMs: 5_000 });
    expect(result).toMatchObject({ status: "up", httpStatus: 200 });
    expect(asked).toEqual(["::1"]);
  });

  it("reports an invalid header as a value, not an exception", async () => {
    const port = await httpServer(ok);
    const result = await probe()({ url: `http://127.0.0.1:${port}/`, headers: { "bad header": "x" }, timeoutMs: 5_000 });
    expect(result.status).toBe("down");
    expect(result.detail).toMatch(/^cannot send the request: /);
  });
});

describe("failures", () => {
  it("says connection refused when nothing listens", async () => {
    const server = createTcpServer();
    const port = await listen(server);
    await new Promise<void>((r) => server.close(() => r()));
    servers.splice(servers.indexOf(server), 1);
    const result = await probe()({ url: `http://127.0.0.1:${port}/`, timeoutMs: 5_000 });
    expect(result).toMatchObject({ status: "down", detail: "connection refused", httpStatus: undefined });
    expectPhasesConsistent(result);
  });

  it("says the connection closed when the server hangs up without answering", async () => {
    const port = await httpServer((req) => req.socket.destroy());
    const result = await probe()({ url: `http://127.0.0.1:${port}/`, timeoutMs: 5_000 });
    expect(result).toMatchObject({ status: "down", detail: "connection closed before the response" });
  });

  it("times out while waiting for the response, with the bound and the phase", async () => {
    const port = await httpServer(() => undefined); // never answers
    const result = await probe()({ url: `http://127.0.0.1:${port}/`, timeoutMs: 300 });
    expect(result).toMatchObject({ status: "down", detail: "timed out after 300 ms while waiting for the response" });
    expectPhasesConsistent(result);
  });

  it("times out while reading a body that never ends, keeping the status", async () => {
    const port = await httpServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("partial");
    });
    const result = await probe()({ url: `http://127.0.0.1:${port}/`, bodyKeyword: "done", timeoutMs: 300 });
    expect(result).toMatchObject({ status: "down", detail: "timed out after 300 ms while reading the body", httpStatus: 200 });
  });

  it("times out while resolving when the resolver does not answer", async () => {
    const check = createHttpProbe({ resolve: () => new Promise<ResolveResult>(() => undefined) });
    const result = await check({ url: "http://never.test/", timeoutMs: 200 });
    expect(result).toMatchObject({ status: "down", detail: "timed out after 200 ms while resolving the host name" });
  });

  it("times out during the TLS handshake against a server that says nothing", async () => {
    const port = await listen(createTcpServer(() => undefined));
    const result = await probe()({ url: `https://127.0.0.1:${port}/`, timeoutMs: 300 });
    expect(result).toMatchObject({ status: "down", detail: "timed out after 300 ms during the TLS handshake" });
  });

  it("words request errors a loopback test cannot easily provoke", () => {
    const error = (code: string, message: string, reason?: string) => Object.assign(new Error(message), { code, reason });
    expect(describeHttpError(error("HPE_INVALID_CONSTANT", "Parse Error: Expected HTTP/", "Expected HTTP/"), "waiting")).toBe(
      "invalid HTTP response (Expected HTTP/)",
    );
    expect(describeHttpError(error("ECONNRESET", "aborted"), "reading")).toBe("connection closed while reading the body");
    expect(describeHttpError(error("ERR_SSL_WRONG_VERSION_NUMBER", "error:0A00010B:SSL routines::wrong version number", "wrong version number"), "tls")).toBe(
      "TLS: wrong version number",
    );
    expect(describeHttpError(error("EHOSTUNREACH", "connect EHOSTUNREACH"), "connecting")).toBe("host unreachable");
    expect(describeHttpError(error("ETIMEDOUT", "connect ETIMEDOUT"), "connecting")).toBe("connection timed out while connecting");
  });
});

describe("body", () => {
  it("reads at most 64 KiB: a marker inside the bound is found, one just past it is not", async () => {
    const marker = "MARK";
    const bound = 64 * 1024; // the figure, written out so a change to the constant fails here
    expect(MAX_BODY_BYTES).toBe(bound);
    const port = await httpServer((req, res) => {
      const at = req.url === "/inside" ? bound - marker.length : bound;
      res.end(`${"x".repeat(at)}${marker}${"y".repeat(100_000)}`);
    });
    const check = probe();
    const inside = await check({ url: `http://127.0.0.1:${port}/inside`, bodyKeyword: marker, timeoutMs: 5_000 });
    expect(inside).toMatchObject({ status: "up" });
    const past = await check({ url: `http://127.0.0.1:${port}/past`, bodyKeyword: marker, timeoutMs: 5_000 });
    expect(past).toMatchObject({ status: "down", detail: 'body does not contain "MARK"', httpStatus: 200 });
  });

  it("stops reading an endless body at the bound instead of waiting for its end", async () => {
    const port = await httpServer((_req, res) => {
      res.writeHead(200);
      const chunk = "z".repeat(16 * 1024);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once("drain", pump);
      };
      pump();
    });
    const result = await probe()({ url: `http://127.0.0.1:${port}/`, bodyRegex: "^z+$", timeoutMs: 10_000 });
    expect(result).toMatchObject({ status: "up", detail: "" });
  });

  it("matches a regex, reporting numbered and named captures", async () => {
    const port = await httpServer((_req, res) => res.end('{"status":"ok","version":"2.7.1","queue":12}'));
    const result = await probe()({
      url: `http://127.0.0.1:${port}/`,
      bodyRegex: '"version":"(?P<version>[^"]+)","queue":(\\d+)',
      timeoutMs: 5_000,
    });
    expect(result).toMatchObject({ status: "up", captures: { groups: ["2.7.1", "12"], named: { version: "2.7.1" } } });
  });

  it("fails a regex that does not match, and an inverted one that does", async () => {
    const port = await httpServer((_req, res) => res.end("status: degraded"));
    const check = probe();
    const url = `http://127.0.0.1:${port}/`;
    expect(await check({ url, bodyRegex: "ok", timeoutMs: 5_000 })).toMatchObject({ status: "down", detail: "body does not match /ok/" });
    expect(await check({ url, bodyRegex: "degraded", invertBodyMatch: true, timeoutMs: 5_000 })).toMatchObject({
      status: "down",
      detail: "body matches /degraded/",
    });
    expect(await check({ url, bodyKeyword: "error", invertBodyMatch: true, timeoutMs: 5_000 })).toMatchObject({ status: "up" });
  });

  it("cannot be stalled by a pathological regex on the server's body", async () => {
    const port = await httpServer((_req, res) => res.end("aaaaaaaaaaaaaaaaaaaaaaaaaaaa!"));
    const result = await probe()({ url: `http://127.0.0.1:${port}/`, bodyRegex: "(a+)+$", timeoutMs: 5_000 });
    expect(result).toMatchObject({ status: "down", detail: "body does not match /(a+)+$/" });
  });

  it("reports a regex that does not compile as the check's detail", async () => {
    const port = await httpServer(ok);
    const result = await probe()({ url: `http://127.0.0.1:${port}/`, bodyRegex: "(ok", timeoutMs: 5_000 });
    expect(result.status).toBe("down");
    expect(result.detail).toMatch(/^body check cannot run: .*missing closing \)/);
  });
});

describe("redirects", () => {
  /** /hop/N redirects to /hop/N-1 with `status`; /hop/0 answers "arrived <method> <body>". */
  async function chain(status = 302): Promise<number> {
    return httpServer((req, res, body) => {
      const n = Number(req.url?.split("/")[2] ?? "0");
      if (n > 0) {
        res.writeHead(status, { location: `/hop/${n - 1}` });
        res.end();
      } else res.end(`arrived ${req.method} ${body.toString()}`);
    });
  }

  it("follows up to 10 by default, and fails past that", async () => {
    const port = await chain();
    const check = probe();
    expect(await check({ url: `http://127.0.0.1:${port}/hop/10`, bodyKeyword: "arrived", timeoutMs: 5_000 })).toMatchObject({
      status: "up",
      httpStatus: 200,
    });
    expect(await check({ url: `http://127.0.0.1:${port}/hop/11`, timeoutMs: 5_000 })).toMatchObject({
      status: "down",
      detail: "too many redirects (10)",
      httpStatus: 302,
    });
    expect(await check({ url: `http://127.0.0.1:${port}/hop/3`, maxRedirects: 2, timeoutMs: 5_000 })).toMatchObject({
      status: "down",
      detail: "too many redirects (2)",
    });
  });

  it("with 0 does not follow: the redirect itself is judged", async () => {
    const port = await chain();
    const check = probe();
    const url = `http://127.0.0.1:${port}/hop/1`;
    expect(await check({ url, maxRedirects: 0, timeoutMs: 5_000 })).toMatchObject({ status: "up", httpStatus: 302 });
    expect(await check({ url, maxRedirects: 0, acceptedStatuses: [{ min: 200, max: 299 }], timeoutMs: 5_000 })).toMatchObject({
      status: "down",
      detail: "status 302 not in 200–299",
    });
  });

  it("turns POST into GET on 303, keeps it with its body on 307", async () => {
    const see = await chain(303);
    const temporary = await chain(307);
    const check = probe();
    const post = { method: "POST", body: Buffer.from("payload"), timeoutMs: 5_000 } as const;
    expect(await check({ ...post, url: `http://127.0.0.1:${see}/hop/1`, bodyKeyword: "arrived GET ", invertBodyMatch: false })).toMatchObject({
      status: "up",
    });
    expect(await check({ ...post, url: `http://127.0.0.1:${temporary}/hop/1`, bodyKeyword: "arrived POST payload" })).toMatchObject({
      status: "up",
    });
  });

  it("does not carry credentials to another origin", async () => {
    const target = await httpServer((req, res) => res.end(`auth=${req.headers.authorization ?? "none"} x=${req.headers["x-keep"] ?? "none"}`));
    const origin = await httpServer((_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${target}/` });
      res.end();
    });
    const result = await probe()({
      url: `http://127.0.0.1:${origin}/`,
      headers: { Authorization: "Bearer secret", "X-Keep": "1" },
      bodyKeyword: "auth=none x=1",
      timeoutMs: 5_000,
    });
    expect(result).toMatchObject({ status: "up", detail: "" });
  });
});

describe("TLS", () => {
  const expiryOf = (name: string): number => Date.parse(new X509Certificate(pem(name)).validTo);

  it("is UP with a trusted certificate, reporting its expiry and a TLS phase", async () => {
    const port = await httpsServer("good", ok);
    const result = await probe({ ca: CA })({ url: `https://localhost:${port}/`, bodyKeyword: "ok", timeoutMs: 5_000 });
    expect(result).toMatchObject({ status: "up", detail: "", httpStatus: 200, tlsExpiresAt: expiryOf("good.crt") });
    expectPhasesConsistent(result);
    // Present: a real connect, handshake and response each take some time (not a threshold).
    expect(result.phases.connectMs).toBeGreaterThan(0);
    expect(result.phases.tlsMs).toBeGreaterThan(0);
    expect(result.phases.firstByteMs).toBeGreaterThan(0);
  });

  it("verifies by default: a self-signed certificate is DOWN with the reason", async () => {
    const port = await httpsServer("self-signed", ok);
    const result = await probe()({ url: `https://localhost:${port}/`, timeoutMs: 5_000 });
    expect(result).toMatchObject({ status: "down", detail: "TLS: self-signed certificate", httpStatus: undefined });
    expect(result.tlsExpiresAt).toBe(expiryOf("self-signed.crt"));
  });

  it("with verification skipped, a self-signed certificate is UP with its expiry", async () => {
    const port = await httpsServer("self-signed", ok);
    const result = await probe()({ url: `https://127.0.0.1:${port}/`, skipTlsVerify: true, timeoutMs: 5_000 });
    expect(result).toMatchObject({ status: "up", httpStatus: 200, tlsExpiresAt: expiryOf("self-signed.crt") });
  });

  it("says the certificate has expired, and when; skipping verification accepts it", async () => {
    const port = await httpsServer("expired", ok);
    const check = probe({ ca: CA });
    const url = `https://localhost:${port}/`;
    const expired = Date.parse("2020-01-02T00:00:00Z");
    expect(await check({ url, timeoutMs: 5_000 })).toMatchObject({
      status: "down",
      detail: "TLS: certificate has expired",
      tlsExpiresAt: expired,
    });
    expect(await check({ url, skipTlsVerify: true, timeoutMs: 5_000 })).toMatchObject({ status: "up", tlsExpiresAt: expired });
  });

  it("names a certificate that is not for the host", async () => {
    const port = await httpsServer("good", ok);
    // The stub resolves other.test to 127.0.0.1; the certificate names localhost only.
    const result = await probe({ ca: CA })({ url: `https://other.test:${port}/`, timeoutMs: 5_000 });
    expect(result.status).toBe("down");
    expect(result.detail).toMatch(/^TLS: .*other\.test/);
  });
});
