import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMonitorClient, type MonitorClient } from "@service-monitor/sdk";
import { spawnServer, type SpawnedServer } from "../support/spawn-server.js";
import { makeTestCertificates, writePemFiles, type TestCertificates } from "../support/test-certificates.js";
import { waitUntil } from "../support/wait-until.js";

/**
 * Certificate rotation on a real server: files replaced the way renewal
 * tools do it (write beside, `mv` over), and SIGHUP. New connections get the
 * new certificate, an open Watch stream goes on over its old connection, and
 * a broken replacement leaves the old certificate in place.
 */

let dir: string;
let certs: TestCertificates;
let files: { cert: string; key: string };
let server: SpawnedServer;
let monitor: MonitorClient;
const events: string[] = [];

/** The CN and serial of the certificate a new TLS connection is shown. */
function servedCertificate(): Promise<{ cn: string; serial: string }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port: server.port, ca: certs.ca, servername: "localhost", ALPNProtocols: ["h2"] }, () => {
      const peer = socket.getPeerCertificate();
      socket.destroy();
      resolve({ cn: String(peer.subject.CN), serial: peer.serialNumber });
    });
    socket.on("error", reject);
  });
}

/** Replaces `path` as `mv` does: a new file (new inode) renamed over the old name. */
async function replace(path: string, contents: string): Promise<void> {
  const staged = `${path}.new`;
  await writeFile(staged, contents, { mode: 0o600 });
  await rename(staged, path);
}

async function installCertificate(commonName: string, validForMs = 365 * 24 * 3600_000): Promise<void> {
  const issued = await certs.issueServer({ commonName, notAfter: new Date(Date.now() + validForMs) });
  // Key first, then the certificate, as fast as a renewal tool: the reload
  // waits for the burst to settle.
  await replace(files.key, issued.key);
  await replace(files.cert, issued.cert);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "monitor-tls-reload-"));
  certs = await makeTestCertificates();
  files = await writePemFiles(dir, { cert: certs.serverCert, key: certs.serverKey });
  server = await spawnServer({ args: ["--tls-cert", files.cert, "--tls-key", files.key] });
  monitor = createMonitorClient({ baseUrl: server.baseUrl, tls: { ca: certs.ca } });
  await monitor.management.registerCaller({ callerId: "rotation-watcher" });
  // A watch opened before any rotation, read for the whole file.
  void (async () => {
    for await (const response of monitor.watch("rotation-watcher", { backoff: { initialMs: 100, maxMs: 100 } })) {
      events.push(response.event.case ?? "none");
    }
  })().catch((error: unknown) => events.push(`ended: ${String(error)}`));
  await waitUntil(() => events.includes("snapshot"), 10_000, "the watch's snapshot");
});

afterAll(async () => {
  monitor?.close();
  await server?.stop();
  if (server !== undefined) await rm(server.dataDir, { recursive: true, force: true });
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** The open Watch still delivers: a pause of a service the caller follows reaches it. */
let nextPort = 9;
async function watchStillDelivers(): Promise<void> {
  // A new service each time (one per address); never checked within the test (hourly).
  const { service } = await monitor.management.registerService({ host: "127.0.0.1", port: nextPort++, checkInterval: durationFromMs(3_600_000) });
  const serviceId = service!.id;
  await monitor.management.subscribe({ callerId: "rotation-watcher", serviceId, pollingInterval: durationFromMs(3_600_000), gracePeriod: durationFromMs(0) });
  const before = events.filter((e) => e === "servicePaused").length;
  await monitor.management.pauseService({ serviceId });
  await waitUntil(() => events.filter((e) => e === "servicePaused").length > before, 10_000, "servicePaused on the old watch");
  // One stream all along: no reconnect, no second snapshot.
  expect(events.filter((e) => e === "snapshot")).toEqual(["snapshot"]);
  expect(events.filter((e) => e.startsWith("ended"))).toEqual([]);
}

describe("TLS certificate reload", () => {
  it("serves a replaced (mv) certificate to new connections; the open watch keeps going; a soon expiry is warned of", async () => {
    expect((await servedCertificate()).cn).toBe("monitor.test");
    await installCertificate("rotated-by-mv.test", 5 * 24 * 3600_000);
    await waitUntil(async () => (await servedCertificate()).cn === "rotated-by-mv.test", 30_000, "the new certificate");
    expect(server.output()).toMatch(/TLS reloaded \(files changed\): certificate CN=rotated-by-mv\.test/);
    expect(server.output()).toMatch(/TLS certificate CN=rotated-by-mv\.test expires in [45] day\(s\)/);
    // A new client's connection (ALPN h2 and TLS 1.2+ kept across the new context) serves calls.
    const fresh = createMonitorClient({ baseUrl: server.baseUrl, tls: { ca: certs.ca } });
    try {
      expect((await fresh.management.listCallers({})).callers.map((c) => c.id)).toEqual(["rotation-watcher"]);
    } finally {
      fresh.close();
    }
    await watchStillDelivers();
  });

  it("re-reads the files on SIGHUP", async () => {
    const before = await servedCertificate();
    await installCertificate("rotated-by-sighup.test");
    server.process.kill("SIGHUP");
    await waitUntil(() => /TLS reloaded \(SIGHUP\): certificate CN=rotated-by-sighup\.test/.test(server.output()), 30_000, "the SIGHUP reload");
    const after = await servedCertificate();
    expect(after.cn).toBe("rotated-by-sighup.test");
    expect(after.serial).not.toBe(before.serial);
    expect(server.process.exitCode).toBeNull();
    await watchStillDelivers();
  });

  it("keeps the old certificate when the replacement is broken, and logs which file and why (never the key)", async () => {
    const before = await servedCertificate();
    const other = await certs.issueServer({ commonName: "mismatched.test" });
    // A certificate whose key is not the one on disk, then garbage: both kept out.
    await replace(files.cert, other.cert);
    await waitUntil(() => server.output().includes(`TLS reload (files changed) failed: ${files.key}: the key does not match the certificate`), 30_000, "the mismatch error");
    await replace(files.cert, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
    await waitUntil(() => server.output().includes(`TLS reload (files changed) failed: ${files.cert}: not a PEM certificate`), 30_000, "the garbage error");
    server.process.kill("SIGHUP");
    await waitUntil(() => server.output().includes(`TLS reload (SIGHUP) failed: ${files.cert}`), 30_000, "the SIGHUP error");
    expect(await servedCertificate()).toEqual(before);
    expect(server.output()).not.toContain("PRIVATE KEY");
    expect(server.output()).toContain("still serving the previous certificate");
    await watchStillDelivers();
  });
});
