import { afterEach, describe, expect, it, vi } from "vitest";
import { createHttpListener } from "../../simulator/create-http-listener.js";
import type { SimHttpListener } from "../../simulator/create-web-listener.js";
import { requestOnce } from "./http-request.js";

const opened: SimHttpListener[] = [];

/** Tracks listeners so a failing test still releases its ports. */
function track(listener: SimHttpListener): SimHttpListener {
  opened.push(listener);
  return listener;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((l) => l.close()));
});

describe("createHttpListener", () => {
  it("answers 200 ok by default and stamps every request and connection", async () => {
    let now = 1_000;
    const listener = track(createHttpListener({ name: "web", clock: () => now }));
    expect(listener.state()).toBe("down");
    expect(() => listener.url()).toThrow('http listener "web" on 127.0.0.1:0 has no port yet');
    const port = await listener.up();
    expect(listener.url("/health")).toBe(`http://127.0.0.1:${port}/health`);

    const first = await requestOnce(listener.url("/health?x=1"));
    expect(first).toMatchObject({ kind: "response", status: 200, body: "ok" });
    now = 2_000;
    expect(await requestOnce(listener.url(), { method: "HEAD" })).toMatchObject({ status: 200, body: "" });
    expect(listener.requests()).toEqual([
      { atMs: 1_000, method: "GET", path: "/health?x=1" },
      { atMs: 2_000, method: "HEAD", path: "/" },
    ]);
    expect(listener.requestsBetween(1_500, 3_000)).toEqual([{ atMs: 2_000, method: "HEAD", path: "/" }]);
    // No keep-alive: one connection per request.
    expect(listener.connections()).toEqual([1_000, 2_000]);
    listener.resetConnections();
    expect([listener.connectionCount(), listener.requestCount()]).toEqual([0, 0]);
  });

  it("switches 200 → 503 → 200 and changes body and headers between requests", async () => {
    const listener = track(createHttpListener({ response: { body: "status: ok" } }));
    await listener.up();
    expect(await requestOnce(listener.url())).toMatchObject({ status: 200, body: "status: ok" });

    listener.respond({ status: 503, body: "maintenance", headers: { "retry-after": "30", "x-sim": "yes" } });
    const unavailable = await requestOnce(listener.url());
    expect(unavailable).toMatchObject({ kind: "response", status: 503, body: "maintenance" });
    expect(unavailable.kind === "response" && unavailable.headers).toMatchObject({ "retry-after": "30", "x-sim": "yes" });

    listener.respond({ status: 200 });
    expect(await requestOnce(listener.url())).toMatchObject({ status: 200, body: "maintenance" });
    listener.respond({ body: "status: degraded" });
    expect(await requestOnce(listener.url())).toMatchObject({ status: 200, body: "status: degraded" });
    expect(listener.requestCount()).toBe(4);
  });

  it("delays its answer: a client with a shorter timeout gives up, a patient one gets it", async () => {
    const listener = track(createHttpListener({ response: { delayMs: 60_000 } }));
    await listener.up();
    expect(await requestOnce(listener.url(), { timeoutMs: 100 })).toEqual({ kind: "error", code: "TIMEOUT" });
    // The request did arrive: a timed-out check is still a check.
    await vi.waitFor(() => expect(listener.requestCount()).toBe(1));

    // No elapsed-time assertion (shared machines): that the delayed answer still comes is the point.
    listener.respond({ delayMs: 200 });
    expect(await requestOnce(listener.url())).toMatchObject({ status: 200, body: "ok" });
  });

  it("an answer keeps the response it arrived to, even if changed during its delay", async () => {
    const listener = track(createHttpListener({ response: { delayMs: 300, status: 503 } }));
    await listener.up();
    const pending = requestOnce(listener.url());
    await vi.waitFor(() => expect(listener.requestCount()).toBe(1));
    listener.respond({ status: 200, delayMs: 0 });
    expect(await pending).toMatchObject({ status: 503 });
  });

  it("down refuses connections and drops a request waiting on its delay; up comes back on the same port", async () => {
    const listener = track(createHttpListener({ response: { delayMs: 60_000 } }));
    const port = await listener.up();
    const pending = requestOnce(listener.url());
    await vi.waitFor(() => expect(listener.requestCount()).toBe(1));
    await listener.down();
    expect(await pending).toEqual({ kind: "error", code: "ECONNRESET" });
    expect(await requestOnce(listener.url())).toEqual({ kind: "error", code: "ECONNREFUSED" });

    listener.respond({ delayMs: 0 });
    expect(await listener.up()).toBe(port);
    expect(await requestOnce(listener.url())).toMatchObject({ status: 200 });
  });

  it("listens on ::1 too", async () => {
    const listener = track(createHttpListener({ host: "::1" }));
    const port = await listener.up();
    expect(listener.url()).toBe(`http://[::1]:${port}/`);
    expect(await requestOnce(listener.url())).toMatchObject({ status: 200 });
  });

  it("rejects a bad response and keeps the old one", () => {
    const listener = createHttpListener();
    expect(() => listener.respond({ status: 99 })).toThrow("status must be an integer from 200 to 599, got 99");
    expect(() => listener.respond({ status: 600 })).toThrow("got 600");
    expect(() => listener.respond({ headers: { "bad name": "x" } })).toThrow('headers: "bad name" is not a valid header name');
    expect(() => listener.respond({ headers: { "x-a": "one\r\nx-b: two" } })).toThrow('headers: "x-a": not a valid header value');
    expect(() => listener.respond({ delayMs: -1 })).toThrow("delayMs must be a finite number >= 0, got -1");
    expect(listener.response()).toMatchObject({ status: 200, body: "ok", delayMs: 0 });
    expect(() => createHttpListener({ response: { status: 1000 } })).toThrow("got 1000");
  });

  it("refuses anything but loopback", () => {
    expect(() => createHttpListener({ host: "0.0.0.0" })).toThrow("loopback only");
    expect(() => createHttpListener({ host: "localhost" })).toThrow("loopback only");
  });
});
