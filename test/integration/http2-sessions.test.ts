import { connect as http2Connect, createServer, type Http2Server } from "node:http2";
import { connect as netConnect, type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { trackSessions } from "../../server/http2-sessions.js";

/** Real HTTP/2 sessions on loopback: dead peers are dropped, live ones kept, shutdown closes all. */

let server: Http2Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function listen(options: { pingIntervalMs: number; pingTimeoutMs: number }) {
  server = createServer();
  server.on("stream", (stream) => {
    stream.respond({ ":status": 200 });
    // Leave the stream open, like a long-lived Watch.
  });
  const dead: number[] = [];
  const keeper = trackSessions(server, { ...options, onDeadPeer: () => dead.push(Date.now()) });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, keeper, dead };
}

const waitFor = async (predicate: () => boolean, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe("HTTP/2 session keeper", () => {
  it("destroys a session whose peer stops answering pings", async () => {
    const { port, keeper, dead } = await listen({ pingIntervalMs: 100, pingTimeoutMs: 100 });
    // A peer that speaks the HTTP/2 preface and a SETTINGS frame, then goes silent.
    const socket = netConnect(port, "127.0.0.1");
    socket.on("data", () => {});
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.write(Buffer.concat([Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]));
    await waitFor(() => keeper.size === 1, 2000);
    await closed;
    expect(dead).toHaveLength(1);
    expect(keeper.size).toBe(0);
  });

  it("keeps a live client through many ping rounds, then closes it with GOAWAY on shutdown", async () => {
    const { port, keeper, dead } = await listen({ pingIntervalMs: 50, pingTimeoutMs: 40 });
    const client = http2Connect(`http://127.0.0.1:${port}`);
    client.on("error", () => {});
    const request = client.request({ ":path": "/watch" });
    request.on("error", () => {});
    await new Promise((resolve) => request.on("response", resolve));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(dead).toEqual([]);
    expect(keeper.size).toBe(1);
    const goaway = new Promise<void>((resolve) => client.on("goaway", () => resolve()));
    await keeper.closeAll(500);
    await goaway;
    expect(keeper.size).toBe(0);
    client.destroy();
  });
});
