import { rm } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { createMonitorClient, ServiceStatus, type MonitorClient, type ReconnectInfo, type WatchResponse } from "../../sdk/index.js";
import { createReservedPortListener } from "../support/reserved-port-listener.js";
import { spawnServer, type SpawnedServer } from "../support/spawn-server.js";
import { restartServer } from "./restart-server.js";
import { waitUntil } from "../support/wait-until.js";

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs a watch in the background, keeping everything it yields and how it ended. */
function record(client: MonitorClient, callerId: string) {
  const abort = new AbortController();
  const events: WatchResponse[] = [];
  const reconnects: ReconnectInfo[] = [];
  const done = (async () => {
    const watch = client.watch(callerId, {
      signal: abort.signal,
      backoff: { initialMs: 50, maxMs: 500 },
      onReconnect: (info) => reconnects.push(info),
    });
    for await (const event of watch) events.push(event);
  })();
  const statuses = () => events.flatMap((e) => (e.event.case === "statusChange" ? [e.event.value.status] : []));
  return {
    events,
    reconnects,
    statuses,
    /** Waits until the consumer has seen `count` status changes. */
    heard: (count: number, what: string) => waitUntil(() => statuses().length >= count, 20_000, what),
    async stop() {
      abort.abort();
      await done;
    },
  };
}

describe.each(["grpc", "connect"] as const)("the SDK over %s against the real server", (protocol) => {
  it("sees every event exactly once, in order, across a SIGKILL and restart of the server", { timeout: 60_000 }, async () => {
    const { listener, port } = await createReservedPortListener();
    cleanups.push(() => listener.close());
    let server: SpawnedServer = await spawnServer();
    const dataDir = server.dataDir;
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    cleanups.push(() => server.stop("SIGKILL"));
    const client = createMonitorClient({ baseUrl: server.baseUrl, protocol });
    cleanups.push(() => client.close());

    await client.management.registerCaller({ callerId: "bot" });
    const watch = record(client, "bot");
    cleanups.push(() => watch.stop());
    await waitUntil(() => watch.events.length === 1, 20_000, "the snapshot");
    const { service } = await client.management.registerService({ host: "127.0.0.1", port, checkInterval: 1000 });
    await client.management.subscribe({ callerId: "bot", serviceId: service!.id, pollingInterval: 1000, gracePeriod: 0 });
    await watch.heard(1, "UP");
    await listener.down();
    await watch.heard(2, "DOWN");
    await listener.up();
    await watch.heard(3, "UP again");

    await server.stop("SIGKILL");
    // Down while the server is dead: heard once it is back (live or replayed, whichever comes first).
    await listener.down();
    server = await restartServer(server);
    await watch.heard(4, "DOWN after the restart");
    await listener.up();
    await watch.heard(5, "UP after the restart");
    await watch.stop();

    expect(watch.events[0]!.event.case).toBe("snapshot");
    expect(watch.events.map((e) => Number(e.sequence))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(watch.statuses()).toEqual([ServiceStatus.UP, ServiceStatus.DOWN, ServiceStatus.UP, ServiceStatus.DOWN, ServiceStatus.UP]);
    const previous = watch.events.flatMap((e) => (e.event.case === "statusChange" ? [e.event.value.previousStatus] : []));
    expect(previous).toEqual([ServiceStatus.UNSPECIFIED, ServiceStatus.UP, ServiceStatus.DOWN, ServiceStatus.UP, ServiceStatus.DOWN]);
    // The kill was noticed and retried, resuming after the last event heard (3).
    expect(watch.reconnects.length).toBeGreaterThanOrEqual(1);
    expect(watch.reconnects.every((r) => r.afterSequence === 3n)).toBe(true);
  });
});
