import { createServer, type Server } from "node:net";
import type { ClientHttp2Session } from "node:http2";
import { afterEach, describe, expect, it } from "vitest";
import { createGrpcJsClients, status, type GrpcError, type GrpcJsClients } from "../support/grpc-js-client.js";
import { MiB, readProcessStats, type ProcessStats } from "../support/process-stats.js";
import { openRawSession, openRawWatch, type RawWatch } from "../support/raw-watch.js";
import { spawnServer, type SpawnedServer } from "../support/spawn-server.js";
import { waitUntil } from "../support/wait-until.js";

/**
 * Issue 8, "one client can take the server down": each attack on loopback
 * against the real server process, which must go on answering, and give back
 * its memory and file descriptors once the attacker leaves. The margins are
 * generous (shared, noisy machines); nothing here measures time.
 */

const RESOURCE_EXHAUSTED = 8;
const NGHTTP2_ENHANCE_YOUR_CALM = 11;

let server: SpawnedServer | undefined;
let client: GrpcJsClients | undefined;
const sessions: ClientHttp2Session[] = [];
let listener: Server | undefined;
afterEach(async () => {
  for (const session of sessions.splice(0)) session.destroy();
  client?.close();
  client = undefined;
  listener?.close();
  listener = undefined;
  await server?.stop("SIGKILL");
  server = undefined;
});

async function start(args: string[] = []) {
  server = await spawnServer({ args });
  client = createGrpcJsClients(server.port);
  return { server, client };
}

async function session(port: number, initialWindowSize?: number): Promise<ClientHttp2Session> {
  const s = await openRawSession(port, initialWindowSize);
  sessions.push(s);
  return s;
}

const stats = (): ProcessStats => readProcessStats(server!.process.pid!);

/** A loopback listener, so services are UP and a Subscribe announces at once. */
async function upListener(): Promise<number> {
  listener = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => listener!.listen(0, "127.0.0.1", resolve));
  return (listener.address() as { port: number }).port;
}

async function failure(call: Promise<unknown>): Promise<GrpcError> {
  const error = (await call.then(() => undefined, (e: unknown) => e)) as GrpcError | undefined;
  expect(error, "the call should have failed").toBeDefined();
  return error!;
}

/** Waits until the server's RSS and FDs are back within the margins of `baseline`. */
async function expectBackNearBaseline(baseline: ProcessStats, rssMarginMiB: number, fdMargin = 8): Promise<void> {
  let last = stats();
  await waitUntil(
    () => {
      last = stats();
      return last.fds <= baseline.fds + fdMargin && last.rssBytes <= baseline.rssBytes + rssMarginMiB * MiB;
    },
    // Generous: freed memory goes back to the OS only at V8's next major GC, which
    // an idle server runs late when the machine is busy (676 MiB still held after
    // 20 s once, in a CI run sharing two cores with a soak).
    60_000,
    `RSS and FDs near the baseline (${Math.round(baseline.rssBytes / MiB)} MiB, ${baseline.fds} fds)`,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}; last: ${Math.round(last.rssBytes / MiB)} MiB, ${last.fds} fds`);
  });
}

describe("input echo and length limits", { timeout: 120_000 }, () => {
  it("refuses 20 concurrent GetService calls with a 10 MB id with a short INVALID_ARGUMENT, in bounded memory", async () => {
    // Above the default 1 MiB request limit, so the id reaches the handler: this is its check, not the size limit.
    const { client: c } = await start(["--max-request-bytes", String(16 * MiB)]);
    const baseline = stats();
    const id = "x".repeat(10 * 1024 * 1024);
    const errors = await Promise.all(Array.from({ length: 20 }, () => failure(c.unary("management", "GetService", { service_id: id }))));
    for (const error of errors) {
      expect(status[error.code]).toBe("INVALID_ARGUMENT");
      expect(error.details).toBe(`service_id: must be at most 128 characters, got ${id.length}`);
    }
    // 20 × 10 MB of requests must not cost more than their bytes a few times over (it was 4.57 GB).
    expect(stats().rssBytes - baseline.rssBytes).toBeLessThan(1024 * MiB);
    // Still answering.
    await c.unary("management", "ListServices", {});
    await expectBackNearBaseline(baseline, 400);
  });

  it("repeats at most a short, escaped prefix of an unknown id", async () => {
    const { client: c } = await start();
    const id = `svc_${"\u001b[31m".repeat(20)}`;
    const error = await failure(c.unary("management", "GetService", { service_id: id }));
    expect(status[error.code]).toBe("NOT_FOUND");
    expect(error.details).toBe(`service "svc_${"\\u001b[31m".repeat(12)}…" (104 characters) not found`);
    expect(error.details.length).toBeLessThan(300);
  });
});

describe("Watch stream limits", { timeout: 120_000 }, () => {
  it("admits 16 of 5,000 streams of one caller over 5 connections; the rest get RESOURCE_EXHAUSTED, the 16 stay live", async () => {
    const { server: s, client: c } = await start();
    await c.unary("management", "RegisterCaller", { caller_id: "flood" });
    const { service } = await c.unary<{ service: { id: string } }>("management", "RegisterService", { host: "127.0.0.1", port: 9 });
    const baseline = stats();

    const connections = await Promise.all(Array.from({ length: 5 }, () => session(s.port)));
    const watches: RawWatch[] = [];
    // ListServices answers while the streams arrive and are refused.
    let listing = true;
    let listed = 0;
    const lister = (async () => {
      while (listing) {
        await c.unary("management", "ListServices", {});
        listed++;
      }
    })();
    for (let i = 0; i < 5000; i++) watches.push(openRawWatch(connections[i % 5]!, "flood", { read: true }));
    await waitUntil(() => watches.filter((w) => w.isEnded()).length >= 5000 - 16, 60_000, "4,984 refusals");
    listing = false;
    await lister;
    expect(listed).toBeGreaterThan(0);

    const refused = watches.filter((w) => w.isEnded());
    const open = watches.filter((w) => !w.isEnded());
    expect(open).toHaveLength(16);
    const ends = await Promise.all(refused.map((w) => w.ended));
    // Refused by the caller's limit, or (the tail of each connection's burst) by the connection's.
    const byLimit = { caller: 0, connection: 0 };
    for (const end of ends) {
      expect(end.grpcStatus).toBe(RESOURCE_EXHAUSTED);
      if (end.grpcMessage.startsWith('caller "flood" already has 16 open Watch streams, the most allowed per caller')) byLimit.caller++;
      else if (end.grpcMessage.startsWith("this connection already has 100 open Watch streams")) byLimit.connection++;
      else expect.fail(`unexpected message ${end.grpcMessage}`);
    }
    expect(byLimit.caller).toBeGreaterThan(0);

    // The admitted streams still hear a live event.
    await waitUntil(() => open.every((w) => w.messages.length >= 1), 20_000, "16 snapshots");
    await c.unary("management", "Subscribe", { caller_id: "flood", service_id: service.id });
    await c.unary("management", "Unsubscribe", { caller_id: "flood", service_id: service.id });
    await waitUntil(
      () => open.every((w) => w.messages.some((m) => m.event.case === "subscriptionEnded")),
      20_000,
      "the live event on all 16 streams",
    );

    for (const w of open) w.close();
    for (const connection of sessions.splice(0)) connection.destroy();
    // Every slot is free again: a new stream of the caller is admitted.
    const again = openRawWatch(await session(s.port), "flood", { read: true });
    await waitUntil(() => again.messages.length >= 1, 20_000, "a snapshot on a new stream");
    again.close();
    await c.unary("management", "ListServices", {});
    await expectBackNearBaseline(baseline, 150);
  });

  it("refuses streams beyond the per-connection limit, naming it, while another connection is admitted", async () => {
    const { server: s, client: c } = await start(["--max-watch-streams-per-connection", "3", "--max-watch-streams-per-caller", "100"]);
    await c.unary("management", "RegisterCaller", { caller_id: "a" });
    const one = await session(s.port);
    const first = Array.from({ length: 3 }, () => openRawWatch(one, "a", { read: true }));
    await waitUntil(() => first.every((w) => w.messages.length >= 1), 20_000, "3 snapshots");
    const fourth = openRawWatch(one, "a", { read: true });
    expect(await fourth.ended).toMatchObject({
      grpcStatus: RESOURCE_EXHAUSTED,
      grpcMessage: expect.stringMatching(/^this connection already has 3 open Watch streams, the most allowed per connection/),
    });
    const other = openRawWatch(await session(s.port), "a", { read: true });
    await waitUntil(() => other.messages.length >= 1, 20_000, "a snapshot on another connection");
    // A slot freed on the first connection is usable again.
    first[0]!.close();
    await first[0]!.ended;
    const fifth = openRawWatch(one, "a", { read: true });
    await waitUntil(() => fifth.messages.length >= 1 || fifth.isEnded(), 20_000, "the fifth stream to answer");
    expect(fifth.isEnded()).toBe(false);
  });
});

describe("health Watch streams", { timeout: 60_000 }, () => {
  it("count against the per-connection limit too, so they are no unbounded way to hold streams", async () => {
    const { client: c } = await start(["--max-watch-streams-per-connection", "3"]);
    const opened = Array.from({ length: 3 }, () => c.healthWatch({ service: "" }));
    const firsts = opened.map((stream) => new Promise((resolve) => stream.once("data", resolve)));
    await Promise.all(firsts);
    const fourth = c.healthWatch({ service: "" });
    const error = await new Promise<GrpcError>((resolve) => fourth.once("error", resolve));
    expect({ code: error.code, details: error.details }).toEqual({
      code: RESOURCE_EXHAUSTED,
      details: "this connection already has 3 open Watch streams, the most allowed per connection; open another connection",
    });
    for (const stream of opened) {
      stream.on("error", () => {}); // CANCELLED, as asked
      stream.cancel();
    }
  });
});

describe("Watch backpressure", { timeout: 120_000 }, () => {
  it("cuts 1,000 streams that stopped reading with RESOURCE_EXHAUSTED; a reading watcher and unary RPCs carry on", async () => {
    const callers = ["slow-0", "slow-1", "slow-2", "slow-3", "slow-4"];
    // 201 per caller: its 200 slow streams, and the reader (of slow-0).
    const { server: s, client: c } = await start(["--watch-buffer-events", "16", "--max-watch-streams-per-caller", "201", "--max-watch-streams-per-connection", "250"]);
    const port = await upListener();
    const { service } = await c.unary<{ service: { id: string } }>("management", "RegisterService", {
      host: "127.0.0.1",
      port,
      check_interval: { seconds: 1 },
    });
    for (const caller of callers) await c.unary("management", "RegisterCaller", { caller_id: caller });
    await waitUntil(
      async () => (await c.unary<{ service: { state?: { status: string } } }>("management", "GetService", { service_id: service.id })).service.state?.status === "SERVICE_STATUS_UP",
      20_000,
      "the service UP",
    );
    const baseline = stats();

    // 200 streams per caller that never read a byte, on sessions with a small window: 1,000 in all.
    const slow: RawWatch[] = [];
    for (const caller of callers) {
      const connection = await session(s.port, 1024);
      for (let i = 0; i < 200; i++) slow.push(openRawWatch(connection, caller, { read: false }));
    }
    await Promise.all(slow.map((w) => w.headers));
    // A watcher of the same caller that reads everything.
    const reader = openRawWatch(await session(s.port), "slow-0", { read: true });
    await waitUntil(() => reader.messages.length >= 1, 20_000, "the reader's snapshot");

    // Events for every caller, two per round (UP on Subscribe, then subscription_ended), until every slow stream is cut.
    let rounds = 0;
    let unaryCalls = 0;
    while (slow.some((w) => !w.isEnded())) {
      expect(rounds, "rounds of events before every slow stream was cut").toBeLessThan(2000);
      await Promise.all(
        callers.map(async (caller) => {
          await c.unary("management", "Subscribe", { caller_id: caller, service_id: service.id });
          await c.unary("management", "Unsubscribe", { caller_id: caller, service_id: service.id });
        }),
      );
      unaryCalls += 2 * callers.length;
      await c.unary("management", "ListServices", {});
      rounds++;
    }
    const ends = await Promise.all(slow.map((w) => w.ended));
    for (const end of ends) {
      // A reset with ENHANCE_YOUR_CALM is RESOURCE_EXHAUSTED to gRPC clients; trailers would carry it as grpc-status.
      expect(end.rstCode === NGHTTP2_ENHANCE_YOUR_CALM || end.grpcStatus === RESOURCE_EXHAUSTED, JSON.stringify(end)).toBe(true);
    }
    expect(unaryCalls).toBeGreaterThan(0);

    // The reading watcher heard every event of its caller, in order, and is still open.
    expect(reader.isEnded()).toBe(false);
    const sequences = reader.messages.map((m) => Number(m.sequence));
    const expectedLast = sequences[0]! + 2 * rounds;
    await waitUntil(() => Number(reader.messages.at(-1)!.sequence) >= expectedLast, 20_000, "the reader to catch up");
    const all = reader.messages.map((m) => Number(m.sequence));
    expect(all.slice(1)).toEqual(Array.from({ length: 2 * rounds }, (_, i) => all[0]! + i + 1));

    // The cut streams gave back every slot: each caller can open 200 streams again.
    reader.close();
    for (const connection of sessions.splice(0)) connection.destroy();
    const again: RawWatch[] = [];
    for (const caller of callers) {
      const fresh = await session(s.port);
      for (let i = 0; i < 200; i++) again.push(openRawWatch(fresh, caller, { read: true }));
    }
    await waitUntil(() => again.every((w) => w.messages.length >= 1 || w.isEnded()), 30_000, "an answer on every new stream");
    expect(again.filter((w) => w.isEnded())).toEqual([]);
    for (const connection of sessions.splice(0)) connection.destroy();
    await c.unary("management", "ListServices", {});
    // After 2,000 streams (1,000 cut, 1,000 reopened) the allocator keeps
    // some of what it grew by, more so on a loaded machine (+162 MiB seen in a
    // full parallel run): the margin only rules out holding the streams'
    // queues, which took +450 MiB before writes were paced.
    await expectBackNearBaseline(baseline, 256);
  });
});
