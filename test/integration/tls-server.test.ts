import { mkdtemp, rm } from "node:fs/promises";
import http2 from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import net from "node:net";
import tls from "node:tls";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMonitorClient, type MonitorClient } from "@service-monitor/sdk";
import { createBufCurl, type BufCurl } from "../support/buf-curl.js";
import { createGrpcJsClients, type GrpcError } from "../support/grpc-js-client.js";
import { spawnServer, type SpawnedServer } from "../support/spawn-server.js";
import { makeTestCertificates, writePemFiles, type TestCertificates } from "../support/test-certificates.js";

/**
 * The real server with --tls-cert/--tls-key (and --tls-client-ca), spoken to
 * by three independent clients (the SDK, grpc-js, buf curl) trusting the test
 * CA, and by clients that must be refused without hurting the server.
 */

let dir: string;
let certs: TestCertificates;
let files: { cert: string; key: string; ca: string; otherCa: string; otherKey: string };
let server: SpawnedServer;
let buf: BufCurl;
const clients: MonitorClient[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "monitor-tls-"));
  certs = await makeTestCertificates();
  const other = await certs.issueServer({ commonName: "another.test" });
  files = await writePemFiles(dir, { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca, otherCa: certs.otherCa, otherKey: other.key });
  [server, buf] = await Promise.all([spawnServer({ args: ["--tls-cert", files.cert, "--tls-key", files.key] }), createBufCurl()]);
});

afterAll(async () => {
  for (const client of clients) client.close();
  await server?.stop();
  await buf?.dispose();
  if (server !== undefined) await rm(server.dataDir, { recursive: true, force: true });
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

function sdk(baseUrl: string, options: { ca?: string; cert?: string; key?: string } = {}): MonitorClient {
  const client = createMonitorClient({ baseUrl, tls: { ca: options.ca ?? certs.ca, ...(options.cert === undefined ? {} : { cert: options.cert, key: options.key }) } });
  clients.push(client);
  return client;
}

/** The server answers a unary call over TLS (it survived whatever came before). */
async function stillServing(baseUrl = server.baseUrl): Promise<void> {
  const { callers } = await sdk(baseUrl).management.listCallers({});
  expect(Array.isArray(callers)).toBe(true);
}

describe("a server with --tls-cert/--tls-key", () => {
  it("says https in its listening line and logs the certificate's subject, SANs and end", () => {
    expect(server.baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(server.output()).toMatch(/"msg":"listening on 127\.0\.0\.1:\d+ \(TLS, https\)"/);
    expect(server.output()).toMatch(/TLS: certificate CN=monitor\.test \(IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1, DNS:localhost, DNS:monitor\.test\), valid until 20\d\d-/);
    // Valid for a year: no expiry warning.
    expect(server.output()).not.toMatch(/expires in|expired at/);
  });

  it("serves the SDK trusting the CA: unary calls and a Watch", async () => {
    const monitor = sdk(server.baseUrl);
    await monitor.management.registerCaller({ callerId: "tls-watcher" });
    const watch = monitor.watch("tls-watcher");
    const first = await watch.next();
    await watch.return();
    expect(first.done).toBe(false);
    expect(first.value?.event.case).toBe("snapshot");
  });

  it("serves grpc-js with credentials.createSsl(ca)", async () => {
    const grpcJs = createGrpcJsClients(server.port, { tls: { ca: certs.ca } });
    try {
      const response = await grpcJs.unary<{ status: string }>("health", "Check", { service: "" });
      expect(response.status).toBe("SERVING");
    } finally {
      grpcJs.close();
    }
  });

  it("serves buf curl --cacert (schema from reflection, over TLS)", async () => {
    const { stdout } = await buf.call("--cacert", files.ca, "-d", "{}", `${server.baseUrl}/grpc.health.v1.Health/Check`);
    expect(JSON.parse(stdout)).toEqual({ status: "SERVING" });
  });

  it("is refused, with the verification error, by clients trusting another CA; buf curl too", async () => {
    const error = await sdk(server.baseUrl, { ca: certs.otherCa }).management.listCallers({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).rawMessage).toMatch(/self[- ]signed|unable to (get|verify)|certificate/i);
    const grpcJs = createGrpcJsClients(server.port, { tls: { ca: certs.otherCa } });
    try {
      const grpcError = (await grpcJs.unary("health", "Check", { service: "" }).catch((e: unknown) => e)) as GrpcError;
      expect(grpcError.code).toBe(Code.Unavailable);
      expect(grpcError.details).toMatch(/certificate/i);
    } finally {
      grpcJs.close();
    }
    const refused = await buf.run("--cacert", files.otherCa, "-d", "{}", `${server.baseUrl}/grpc.health.v1.Health/Check`);
    // buf reports the failure of its first call (reflection), not the TLS cause.
    expect(refused.exitCode).not.toBe(0);
    await stillServing();
  });

  it("drops cleartext h2c and HTTP/1.1-over-TLS clients cleanly and keeps serving", async () => {
    const h2c = await new Promise<string>((resolve) => {
      const session = http2.connect(`http://127.0.0.1:${server.port}`);
      session.on("error", (error) => resolve(`error: ${error.message}`));
      session.on("close", () => resolve("closed"));
      const stream = session.request({ ":path": "/grpc.health.v1.Health/Check", ":method": "POST", "content-type": "application/grpc" });
      stream.on("error", () => undefined);
      stream.end();
    });
    expect(h2c).toMatch(/error|closed/);
    // ALPN offers http/1.1 only: the server has nothing to agree on and ends the handshake.
    const http1 = await new Promise<string>((resolve) => {
      const socket = tls.connect({ host: "127.0.0.1", port: server.port, ca: certs.ca, servername: "localhost", ALPNProtocols: ["http/1.1"] });
      socket.on("secureConnect", () => {
        resolve(`connected with ALPN ${String(socket.alpnProtocol)}`);
        socket.destroy();
      });
      socket.on("error", (error) => resolve(`error: ${error.message}`));
    });
    expect(http1).toMatch(/^error: .*(no application protocol|ALPN)/i);
    await stillServing();
    expect(server.process.exitCode).toBeNull();
  });
});

describe("a TLS server and clients that never finish the handshake", () => {
  let limited: SpawnedServer;
  beforeAll(async () => {
    limited = await spawnServer({ args: ["--tls-cert", files.cert, "--tls-key", files.key, "--max-connections", "2"] });
  });
  afterAll(async () => {
    await limited?.stop();
    if (limited !== undefined) await rm(limited.dataDir, { recursive: true, force: true });
  });

  it("drops a socket that connects and says nothing (the handshake timeout), and its slot is free again", async () => {
    // Two silent sockets fill --max-connections 2; the server must drop them
    // itself (10 s handshake timeout), after which a real client gets in.
    const silent = [0, 1].map(
      () =>
        new Promise<string>((resolve) => {
          const socket = net.connect(limited.port, "127.0.0.1");
          socket.on("error", () => undefined);
          socket.on("close", () => resolve("closed by the server"));
        }),
    );
    expect(await Promise.all(silent)).toEqual(["closed by the server", "closed by the server"]);
    await stillServing(limited.baseUrl);
    expect(limited.process.exitCode).toBeNull();
  }, 40_000);
});

describe("a server with --tls-client-ca (mTLS)", () => {
  let mtls: SpawnedServer;
  beforeAll(async () => {
    const clientCa = (await writePemFiles(dir, { clientCa: certs.ca })).clientCa;
    mtls = await spawnServer({ args: ["--tls-cert", files.cert, "--tls-key", files.key, "--tls-client-ca", clientCa] });
  });
  afterAll(async () => {
    await mtls?.stop();
    if (mtls !== undefined) await rm(mtls.dataDir, { recursive: true, force: true });
  });

  it("refuses a client without a certificate and accepts one the client CA signed", async () => {
    const refused = await sdk(mtls.baseUrl).management.listCallers({}).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConnectError);
    expect((refused as ConnectError).rawMessage).toMatch(/certificate required|handshake failure|socket hang up|ECONNRESET/i);
    const { callers } = await sdk(mtls.baseUrl, { cert: certs.clientCert, key: certs.clientKey }).management.listCallers({});
    expect(callers).toEqual([]);
    const grpcJs = createGrpcJsClients(mtls.port, { tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey } });
    try {
      expect(await grpcJs.unary<{ status: string }>("health", "Check", { service: "" })).toEqual({ status: "SERVING" });
    } finally {
      grpcJs.close();
    }
  });
});

describe("start-up with TLS files that cannot be served", () => {
  it.each([
    ["a key that is not the certificate's", () => ["--tls-cert", files.cert, "--tls-key", files.otherKey], /TLS: .*otherKey\.pem: the key does not match the certificate in .*cert\.pem/],
    ["a certificate as the key", () => ["--tls-cert", files.cert, "--tls-key", files.otherCa], /TLS: .*otherCa\.pem: not a PEM private key/],
    ["a missing certificate file", () => ["--tls-cert", join(dir, "nope.pem"), "--tls-key", files.key], /TLS: .*nope\.pem: cannot read it: no such file/],
    ["garbage as the certificate", () => ["--tls-cert", files.key, "--tls-key", files.key], /TLS: .*key\.pem: not a PEM certificate/],
  ])("exits 2 naming the file: %s", async (_name, args, message) => {
    const failed = await spawnServer({ args: args() }).then(
      () => "started",
      (error: unknown) => String(error),
    );
    expect(failed).toMatch(/server exited with 2 before listening/);
    expect(failed).toMatch(message);
    expect(failed).not.toContain("PRIVATE KEY");
  });
});
