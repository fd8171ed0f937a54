import { X509Certificate } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createHttpsListener } from "../../simulator/create-https-listener.js";
import type { SimHttpsListener } from "../../simulator/create-https-listener.js";
import { requestOnce } from "./http-request.js";

const DAY_MS = 86_400_000;
const opened: SimHttpsListener[] = [];

/** Tracks listeners so a failing test still releases its ports. */
function track(listener: SimHttpsListener): SimHttpsListener {
  opened.push(listener);
  return listener;
}

/** The listener's own certificate, which a verifying client is told to trust. */
function trusted(listener: SimHttpsListener): string {
  const certificate = listener.certificate();
  if (certificate === undefined) throw new Error("no certificate: up() first");
  return certificate.cert;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((l) => l.close()));
});

describe("createHttpsListener", () => {
  it("serves over TLS to a client that trusts its certificate, and switches 200 → 503", async () => {
    const listener = track(createHttpsListener({ name: "site" }));
    expect(listener.certificate()).toBeUndefined();
    const port = await listener.up();
    expect(listener.url("/health")).toBe(`https://127.0.0.1:${port}/health`);
    const ca = trusted(listener);

    expect(await requestOnce(listener.url("/health"), { ca })).toMatchObject({ kind: "response", status: 200, body: "ok" });
    listener.respond({ status: 503, body: "down for maintenance" });
    expect(await requestOnce(listener.url("/health"), { ca })).toMatchObject({ status: 503, body: "down for maintenance" });
    expect(listener.requests().map((r) => r.path)).toEqual(["/health", "/health"]);
  });

  it("names localhost, 127.0.0.1 and ::1, so each verifies by name", async () => {
    const v4 = track(createHttpsListener());
    const v6 = track(createHttpsListener({ host: "::1" }));
    const [port4, port6] = [await v4.up(), await v6.up()];
    expect(await requestOnce(`https://localhost:${port4}/`, { ca: trusted(v4) })).toMatchObject({ status: 200 });
    expect(await requestOnce(`https://[::1]:${port6}/`, { ca: trusted(v6) })).toMatchObject({ status: 200 });
    const names = new X509Certificate(trusted(v4)).subjectAltName;
    expect(names).toBe("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1");
  });

  it("is rejected as self-signed by a verifying client that does not trust it, and served with verification off", async () => {
    const listener = track(createHttpsListener());
    await listener.up();
    expect(await requestOnce(listener.url())).toEqual({ kind: "error", code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
    expect(await requestOnce(listener.url(), { rejectUnauthorized: false })).toMatchObject({ status: 200, body: "ok" });
  });

  it("an expired certificate is reported as expired by a verifying client; the handshake counts as a check", async () => {
    const listener = track(createHttpsListener({ certificateExpiresInMs: -DAY_MS }));
    await listener.up();
    const certificate = listener.certificate();
    expect(certificate !== undefined && certificate.notAfterMs < Date.now()).toBe(true);

    expect(await requestOnce(listener.url(), { ca: trusted(listener) })).toEqual({ kind: "error", code: "CERT_HAS_EXPIRED" });
    await vi.waitFor(() => expect(listener.connectionCount()).toBe(1));
    expect(listener.requestCount()).toBe(0);
    // With verification off the same service answers.
    expect(await requestOnce(listener.url(), { rejectUnauthorized: false })).toMatchObject({ status: 200 });
  });

  it("expires when told, by its clock", async () => {
    const now = Date.UTC(2030, 0, 1);
    const listener = track(createHttpsListener({ clock: () => now, certificateExpiresInMs: 10 * DAY_MS }));
    await listener.up();
    const certificate = listener.certificate();
    expect(certificate?.notAfterMs).toBe(now + 10 * DAY_MS);
    expect(certificate !== undefined && certificate.notBeforeMs < now).toBe(true);
    expect(new X509Certificate(trusted(listener)).validTo).toBe("Jan 11 00:00:00 2030 GMT");
  });

  it("serves a renewed certificate to the next connection without a re-bind", async () => {
    const listener = track(createHttpsListener({ certificateExpiresInMs: -DAY_MS }));
    const port = await listener.up();
    expect(await requestOnce(listener.url(), { ca: trusted(listener) })).toEqual({ kind: "error", code: "CERT_HAS_EXPIRED" });

    const renewed = await listener.renewCertificate(10 * DAY_MS);
    expect(listener.certificate()).toBe(renewed);
    expect(listener.port()).toBe(port);
    expect(await requestOnce(listener.url(), { ca: renewed.cert })).toMatchObject({ status: 200 });
  });

  it("keeps its certificate across down and up", async () => {
    const listener = track(createHttpsListener());
    const port = await listener.up();
    const certificate = listener.certificate();
    await listener.down();
    expect(await requestOnce(listener.url(), { rejectUnauthorized: false })).toEqual({ kind: "error", code: "ECONNREFUSED" });
    expect(await listener.up()).toBe(port);
    expect(listener.certificate()).toBe(certificate);
    expect(await requestOnce(listener.url(), { ca: trusted(listener) })).toMatchObject({ status: 200 });
  });
});
