import { createServer } from "node:net";
import type { Server } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createListener } from "../../simulator/create-listener.js";
import type { SimListener } from "../../simulator/create-listener.js";
import { probe } from "./connect-probe.js";

const opened: SimListener[] = [];
const blockers: Server[] = [];

/** Tracks listeners so a failing test still releases its ports. */
function track(listener: SimListener): SimListener {
  opened.push(listener);
  return listener;
}

function occupy(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((s) => s.destroy());
    blockers.push(server);
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port }, () => resolve(server));
  });
}

const release = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

afterEach(async () => {
  await Promise.all(opened.splice(0).map((l) => l.close()));
  await Promise.all(blockers.splice(0).map((s) => (s.listening ? release(s) : Promise.resolve())));
});

describe("createListener", () => {
  it("accepts when up, refuses when down, and comes back on the same port", async () => {
    let now = 1_000;
    const listener = track(createListener({ name: "db", clock: () => now }));
    expect(listener.port()).toBeUndefined();
    expect(listener.state()).toBe("down");

    const port = await listener.up();
    expect(port).toBeGreaterThan(0);
    expect(listener.port()).toBe(port);
    expect(listener.state()).toBe("up");
    expect(await probe("127.0.0.1", port)).toBe("connected");
    await vi.waitFor(() => expect(listener.connectionCount()).toBe(1));
    expect(listener.connections()).toEqual([1_000]);

    await listener.down();
    expect(listener.state()).toBe("down");
    expect(await probe("127.0.0.1", port)).toBe("ECONNREFUSED");
    expect(listener.connectionCount()).toBe(1);

    now = 2_000;
    expect(await listener.up()).toBe(port);
    expect(await probe("127.0.0.1", port)).toBe("connected");
    await vi.waitFor(() => expect(listener.connections()).toEqual([1_000, 2_000]));
  });

  it("shrugs off probes that reset the connection", async () => {
    const listener = track(createListener());
    const port = await listener.up();
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => probe("127.0.0.1", port, true)));
    expect(results).toEqual(Array(5).fill("connected"));
    await vi.waitFor(() => expect(listener.connectionCount()).toBe(5));
    expect(await probe("127.0.0.1", port)).toBe("connected");
  });

  it("slices, resets and reports connections", async () => {
    let now = 0;
    const listener = track(createListener({ clock: () => now }));
    const seen: number[] = [];
    const unsubscribe = listener.onConnection((atMs) => seen.push(atMs));
    const port = await listener.up();
    for (const at of [100, 200, 300]) {
      now = at;
      await probe("127.0.0.1", port);
      await vi.waitFor(() => expect(listener.connections()).toContain(at));
    }
    expect(listener.connectionsBetween(100, 300)).toEqual([100, 200]);
    expect(seen).toEqual([100, 200, 300]);
    unsubscribe();
    listener.resetConnections();
    expect(listener.connectionCount()).toBe(0);
    now = 400;
    await probe("127.0.0.1", port);
    await vi.waitFor(() => expect(listener.connections()).toEqual([400]));
    expect(seen).toEqual([100, 200, 300]);
  });

  it("listens on ::1 too", async () => {
    const listener = track(createListener({ host: "::1" }));
    const port = await listener.up();
    expect(await probe("::1", port)).toBe("connected");
  });

  it("retries a taken port, then gives up with a clear error", async () => {
    const listener = track(createListener({ name: "db", bindRetry: { attempts: 3, delayMs: 10 } }));
    const port = await listener.up();
    await listener.down();
    await occupy(port);
    await expect(listener.up()).rejects.toThrow(
      `listener "db" on 127.0.0.1:${port}: port still in use after 3 attempts over 20ms`,
    );
    expect(listener.state()).toBe("down");
  });

  it("binds once the taken port frees up during the retries", async () => {
    const listener = track(createListener({ bindRetry: { attempts: 50, delayMs: 10 } }));
    const port = await listener.up();
    await listener.down();
    const blocker = await occupy(port);
    setTimeout(() => void release(blocker), 50);
    expect(await listener.up()).toBe(port);
    expect(await probe("127.0.0.1", port)).toBe("connected");
  });

  it("applies operations in call order", async () => {
    const listener = track(createListener());
    const [port] = await Promise.all([listener.up(), listener.down(), listener.up(), listener.down()]);
    expect(listener.state()).toBe("down");
    expect(await probe("127.0.0.1", port)).toBe("ECONNREFUSED");
  });

  it("cannot come back after close", async () => {
    const listener = createListener({ name: "db" });
    const port = await listener.up();
    await listener.close();
    await listener.close();
    expect(await probe("127.0.0.1", port)).toBe("ECONNREFUSED");
    await expect(listener.up()).rejects.toThrow(`listener "db" on 127.0.0.1:${port} is closed`);
  });

  it("refuses anything but loopback, and bad ports", () => {
    expect(() => createListener({ host: "0.0.0.0" })).toThrow(
      'simulator listeners bind to loopback only: expected "127.0.0.1" or "::1", got "0.0.0.0"',
    );
    expect(() => createListener({ host: "localhost" })).toThrow("loopback only");
    expect(() => createListener({ port: 65536 })).toThrow("port must be an integer from 0 to 65535, got 65536");
  });
});
