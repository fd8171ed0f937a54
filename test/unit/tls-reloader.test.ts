import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CertificateSummary } from "../../server/tls/certificate-summary.js";
import type { TlsFiles, TlsLoad, TlsMaterial } from "../../server/tls/load-tls-material.js";
import { loadTlsMaterial } from "../../server/tls/load-tls-material.js";
import { startTlsReloader } from "../../server/tls/tls-reloader.js";
import { capturedLogger } from "../support/captured-logger.js";
import { makeTestCertificates, writePemFiles } from "../support/test-certificates.js";

const NOW = Date.parse("2026-06-01T00:00:00Z");
const DAY = 86_400_000;

function summary(subject: string, notAfterMs: number): CertificateSummary {
  return { subject, subjectAltNames: ["DNS:localhost"], serialNumber: "01", notAfter: new Date(notAfterMs).toISOString(), notAfterMs };
}
const material = (subject: string, notAfterMs = NOW + 90 * DAY): TlsMaterial => ({ cert: Buffer.from(subject), key: Buffer.from("k"), clientCa: undefined, certificate: summary(subject, notAfterMs) });

let dir: string;
let files: TlsFiles;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tls-reloader-"));
  files = { certFile: join(dir, "cert.pem"), keyFile: join(dir, "key.pem") };
  await writeFile(files.certFile, "");
  await writeFile(files.keyFile, "");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("startTlsReloader", () => {
  it("applies what loads and logs it; keeps the old material on a failed load and logs the file and why", async () => {
    const { logger, lines } = capturedLogger();
    const loads: TlsLoad[] = [
      { ok: true, material: material("CN=second") },
      { ok: false, file: files.keyFile, reason: "the key does not match the certificate" },
    ];
    const applied: string[] = [];
    const reloader = startTlsReloader({ files, initial: summary("CN=first", NOW + 90 * DAY), logger, now: () => NOW, apply: (m) => applied.push(m.certificate.subject), load: async () => loads.shift()! });
    try {
      expect(await reloader.reload("SIGHUP")).toMatchObject({ kind: "reloaded", certificate: { subject: "CN=second" } });
      expect(await reloader.reload("SIGHUP")).toEqual({ kind: "kept", file: files.keyFile, reason: "the key does not match the certificate" });
    } finally {
      reloader.close();
    }
    expect(applied).toEqual(["CN=second"]);
    expect(lines.map((line) => [line["level"], line["msg"]])).toEqual([
      [30, "TLS reloaded (SIGHUP): certificate CN=second (DNS:localhost), valid until 2026-08-30T00:00:00.000Z"],
      [50, `TLS reload (SIGHUP) failed: ${files.keyFile}: the key does not match the certificate; still serving the previous certificate`],
    ]);
  });

  it("warns of a certificate that expires within 14 days or has expired", async () => {
    const { logger, lines } = capturedLogger();
    const loads = [material("CN=soon", NOW + 3 * DAY + 1000), material("CN=gone", NOW - DAY)];
    const reloader = startTlsReloader({ files, initial: summary("CN=first", NOW + 90 * DAY), logger, now: () => NOW, apply: () => undefined, load: async () => ({ ok: true, material: loads.shift()! }) });
    try {
      await reloader.reload("SIGHUP");
      await reloader.reload("SIGHUP");
    } finally {
      reloader.close();
    }
    const warnings = lines.filter((line) => line["level"] === 40).map((line) => line["msg"]);
    expect(warnings).toEqual([
      "TLS certificate CN=soon expires in 3 day(s), at 2026-06-04T00:00:01.000Z: renew it",
      "TLS certificate CN=gone expired at 2026-05-31T00:00:00.000Z: clients will refuse it",
    ]);
  });

  it("runs one load at a time; triggers during a load make one more load after it, not one each", async () => {
    const { logger } = capturedLogger();
    let release: () => void = () => undefined;
    let loadsStarted = 0;
    const reloader = startTlsReloader({
      files,
      initial: summary("CN=first", NOW + 90 * DAY),
      logger,
      now: () => NOW,
      apply: () => undefined,
      load: () => {
        loadsStarted++;
        return new Promise((resolve) => (release = () => resolve({ ok: true, material: material(`CN=${loadsStarted}`) })));
      },
    });
    try {
      const first = reloader.reload("a");
      const second = reloader.reload("b");
      const third = reloader.reload("c");
      expect(loadsStarted).toBe(1);
      release();
      await first;
      await new Promise((resolve) => setImmediate(resolve));
      expect(loadsStarted).toBe(2);
      release();
      expect(await second).toMatchObject({ certificate: { subject: "CN=2" } });
      expect(await third).toMatchObject({ certificate: { subject: "CN=2" } });
    } finally {
      reloader.close();
    }
  });

  it("repeats the expiry warning for the certificate served now, at each tick of its check", async () => {
    const { logger, lines } = capturedLogger();
    let now = NOW;
    let tick: () => void = () => undefined;
    let stopped = false;
    const reloader = startTlsReloader({
      files,
      initial: summary("CN=first", NOW + 20 * DAY),
      logger,
      now: () => now,
      apply: () => undefined,
      load: async () => ({ ok: true, material: material("CN=renewed", NOW + 90 * DAY) }),
      every: (callback) => {
        tick = callback;
        return { stop: () => (stopped = true) };
      },
    });
    const warnings = () => lines.filter((line) => line["level"] === 40).map((line) => line["msg"]);
    tick();
    expect(warnings()).toEqual([]);
    now = NOW + 10 * DAY;
    tick();
    expect(warnings()).toEqual(["TLS certificate CN=first expires in 10 day(s), at 2026-06-21T00:00:00.000Z: renew it"]);
    await reloader.reload("SIGHUP");
    tick();
    expect(warnings()).toHaveLength(1);
    reloader.close();
    expect(stopped).toBe(true);
  });
});

describe("loadTlsMaterial", () => {
  it("reads a certificate, its key and a client CA; names the file at fault otherwise, never its contents", async () => {
    const certs = await makeTestCertificates();
    const other = await certs.issueServer({ commonName: "other.test" });
    const pem = await writePemFiles(dir, { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca, otherKey: other.key, garbage: "not a pem" });
    const good = await loadTlsMaterial({ certFile: pem.cert, keyFile: pem.key, clientCaFile: pem.ca });
    expect(good).toMatchObject({ ok: true, material: { certificate: { subject: "CN=monitor.test", subjectAltNames: expect.arrayContaining(["DNS:localhost", "IP Address:127.0.0.1"]) } } });
    expect(await loadTlsMaterial({ certFile: pem.cert, keyFile: pem.otherKey })).toEqual({ ok: false, file: pem.otherKey, reason: `the key does not match the certificate in ${pem.cert}` });
    expect(await loadTlsMaterial({ certFile: pem.cert, keyFile: join(dir, "missing.pem") })).toEqual({ ok: false, file: join(dir, "missing.pem"), reason: "cannot read it: no such file" });
    const garbageCa = await loadTlsMaterial({ certFile: pem.cert, keyFile: pem.key, clientCaFile: pem.garbage });
    expect(garbageCa).toMatchObject({ ok: false, file: pem.garbage, reason: expect.stringMatching(/^not a PEM certificate/) });
    const garbageKey = await loadTlsMaterial({ certFile: pem.cert, keyFile: pem.garbage });
    expect(garbageKey).toMatchObject({ ok: false, file: pem.garbage, reason: expect.stringMatching(/^not a PEM private key/) });
    expect(JSON.stringify([garbageCa, garbageKey])).not.toContain("not a pem");
  });
});
