import { afterEach, describe, expect, it } from "vitest";
// The package root, as a user imports it (package.json "exports").
import {
  Code,
  ConnectError,
  createMonitorClient,
  ServiceStatus,
  toDate,
  toMillis,
  type MonitorClient,
  type ReconnectInfo,
  type WatchResponse,
} from "@service-monitor/sdk";
import type { CallerStreamOptions } from "../../server/engine/caller-stream.js";
import { createInMemoryMonitor, type InMemoryMonitor } from "../support/in-memory-monitor.js";
import { label } from "./watch-responses.js";
import { waitUntil } from "../support/wait-until.js";

const opened: Array<{ m: InMemoryMonitor; client: MonitorClient }> = [];
afterEach(() => {
  for (const { m, client } of opened.splice(0)) {
    client.close();
    m.close();
  }
});

async function start(streamOptions?: CallerStreamOptions) {
  const m = await createInMemoryMonitor(streamOptions === undefined ? {} : { streamOptions });
  const client = createMonitorClient({ transport: m.transport });
  opened.push({ m, client });
  return { m, client };
}

/** A service on port 5000 checked every second, and caller "bot" subscribed with no grace: each flip is one event. */
async function subscribeBot(client: MonitorClient) {
  const { service } = await client.management.registerService({ host: "127.0.0.1", port: 5000, checkInterval: 30_000 });
  await client.management.registerCaller({ callerId: "bot" });
  await client.management.subscribe({ callerId: "bot", serviceId: service!.id, pollingInterval: 1000, gracePeriod: 0 });
  return service!.id;
}

/** Flips the service `count` times, one check a second, starting from `first`. */
async function flip(m: InMemoryMonitor, count: number, first: "up" | "down" = "up"): Promise<void> {
  const [even, odd] = first === "up" ? ["up", "connection refused"] : ["connection refused", "up"];
  for (let i = 0; i < count; i++) {
    m.answers.set(5000, i % 2 === 0 ? even! : odd!);
    await m.time.advance(1000);
  }
}

describe("createMonitorClient over the server's routes: management", () => {
  it("takes milliseconds and Dates, and answers with messages toMillis/toDate read back", async () => {
    const { m, client } = await start();
    const serviceId = await subscribeBot(client);
    const [subscription] = (await client.management.listSubscriptions({ callerId: "bot" })).subscriptions;
    expect(toMillis(subscription!.pollingInterval)).toBe(1000);
    expect(toMillis(subscription!.gracePeriod)).toBe(0);
    expect(toMillis((await client.management.getService({ serviceId })).service!.checkInterval)).toBe(30_000);

    const startTime = new Date(m.clock.now() + 60_000);
    const { outage } = await client.management.schedulePlannedOutage({ serviceId, startTime, endTime: startTime.getTime() + 1_800_000, reason: "upgrade" });
    expect(toDate(outage!.startTime)).toEqual(startTime);
    expect(toMillis(outage!.endTime)).toBe(startTime.getTime() + 1_800_000);
  });

  it("refuses a bad duration before sending anything, and passes the server's errors on", async () => {
    const { m, client } = await start();
    await expect(client.management.registerService({ host: "127.0.0.1", port: 5000, checkInterval: Number.NaN })).rejects.toMatchObject({
      code: Code.InvalidArgument,
      rawMessage: "check_interval: expected milliseconds from 0 to 315576000000000, got NaN",
    });
    expect(m.registry.listServices()).toEqual([]);
    await expect(client.management.registerService({ host: "127.0.0.1", port: 5000, checkInterval: 500 })).rejects.toMatchObject({
      code: Code.InvalidArgument,
      rawMessage: "check_interval: must be between 1s and 24h, got 500ms",
    });
    // @ts-expect-error a Duration is milliseconds or a Duration message, not a string
    await expect(client.management.subscribe({ callerId: "bot", pollingInterval: "5s" })).rejects.toBeInstanceOf(ConnectError);
  });
});

describe("createMonitorClient over the server's routes: watch", () => {
  it("ends with the server's NOT_FOUND for an unknown caller, without retrying", async () => {
    const { client } = await start();
    const reconnects: ReconnectInfo[] = [];
    const error = await (async () => {
      for await (const _ of client.watch("ghost", { onReconnect: (info) => reconnects.push(info) })) throw new Error("no event expected");
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect(error).toMatchObject({ code: Code.NotFound, rawMessage: 'caller "ghost" not found' });
    expect(reconnects).toEqual([]);
  });

  it("a consumer too slow for the server's buffer still sees every event once, in order, even from a snapshot at #0", async () => {
    const { m, client } = await start({ bufferLimit: 3, pageSize: 2 });
    const serviceId = await subscribeBot(client);
    const reconnects: ReconnectInfo[] = [];
    const watch = client.watch("bot", { backoff: { initialMs: 1, maxMs: 20 }, onReconnect: (info) => reconnects.push(info) });
    // The log is empty: the snapshot stands at #0, so the resume must ask for replay_from_start
    // (a plain after_sequence 0 would bring a new snapshot, not the events).
    expect(label((await watch.next()).value!)).toBe("#0 snapshot");
    // The consumer pauses while 25 events are raised: the server's stream overflows and ends.
    await flip(m, 25);
    expect(m.hub.streamCount("bot")).toBe(0);
    const seen: WatchResponse[] = [];
    for await (const response of watch) {
      seen.push(response);
      if (seen.length === 25) break;
    }
    expect(seen.map((r) => Number(r.sequence))).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(seen.map((r) => (r.event.case === "statusChange" ? r.event.value.status : undefined))).toEqual(
      Array.from({ length: 25 }, (_, i) => (i % 2 === 0 ? ServiceStatus.UP : ServiceStatus.DOWN)),
    );
    expect(seen.every((r) => r.event.case === "statusChange" && r.event.value.serviceId === serviceId)).toBe(true);
    expect(reconnects[0]).toMatchObject({ error: { code: Code.ResourceExhausted }, afterSequence: 0n, replayFromStart: true });
    // Replaying the log in pages of 2 to a reader that takes them one by one needs no further reconnect.
    expect(reconnects).toHaveLength(1);
    await waitUntil(() => m.hub.streamCount() === 0, 20_000, "the stream to detach after break");
  });

  it("break, the signal and close() each detach the server's stream", async () => {
    const { m, client } = await start();
    await subscribeBot(client);

    for await (const response of client.watch("bot")) {
      expect(label(response)).toBe("#0 snapshot");
      expect(m.hub.streamCount("bot")).toBe(1);
      break;
    }
    await waitUntil(() => m.hub.streamCount() === 0, 20_000, "break to detach");

    const abort = new AbortController();
    const bySignal = client.watch("bot", { signal: abort.signal });
    await bySignal.next();
    const pending = bySignal.next();
    expect(m.hub.streamCount("bot")).toBe(1);
    abort.abort();
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
    await waitUntil(() => m.hub.streamCount() === 0, 20_000, "abort to detach");

    const watches = [client.watch("bot"), client.watch("bot"), client.watch("bot")];
    await Promise.all(watches.map((w) => w.next()));
    expect(m.hub.streamCount("bot")).toBe(3);
    const waiting = watches.map((w) => w.next());
    client.close();
    await expect(Promise.all(waiting)).resolves.toEqual(watches.map(() => ({ done: true, value: undefined })));
    await waitUntil(() => m.hub.streamCount() === 0, 20_000, "close() to detach");
    // The client still works after close(): a new watch opens a new stream.
    expect(label((await client.watch("bot").next()).value!)).toBe("#0 snapshot");
  });
});
