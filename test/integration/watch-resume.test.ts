import { describe, expect, it } from "vitest";
import { createReservedPortListener } from "../support/reserved-port-listener.js";
import { ServiceStatus } from "../../sdk/gen/monitor/v1/resources_pb.js";
import type { LiveMonitor } from "../support/live-monitor.js";
import { forEachBackend, startMonitorOn, type OnTestFinished, type TestStore } from "../support/store-backends.js";
import { recordConnectWatch, recordGrpcJsWatch, type RecordedEvent, type WatchRecorder } from "../support/watch-recorder.js";
import { sleep, waitUntil } from "../support/wait-until.js";

/**
 * Watch stream rules 1-4 end to end: a caller that disconnects, or whose
 * server is killed, resumes with after_sequence and gets exactly what it
 * missed — no gap, no duplicate — and sequences keep growing. On both
 * stores: the log, the sequences and the announced state live in SQLite or
 * PostgreSQL.
 */

/** What one test opens (its servers, its listener), closed when it finishes: the tests run concurrently. */
function harness(onTestFinished: OnTestFinished) {
  return {
    async start(store: TestStore): Promise<LiveMonitor> {
      const m = await startMonitorOn(store);
      onTestFinished(async () => void (await m.close()));
      return m;
    },
    /** A service checked every second with grace 0, a caller subscribed, and a watch that has heard UP (sequence 1). */
    async subscribedCaller(m: LiveMonitor, callerId: string) {
      const { listener, port } = await createReservedPortListener();
      onTestFinished(() => listener.close());
      const serviceId = await m.registerService(port);
      await m.registerCaller(callerId);
      const watch = recordGrpcJsWatch(m.grpcJs, callerId);
      await watch.waitFor(isSnapshot, 5000, "the snapshot");
      await m.subscribe(callerId, serviceId, 1000, 0);
      await watch.waitFor(isChangeTo("UP"), 10_000, "UP");
      return { serviceId, watch, listener };
    },
  };
}

const isSnapshot = (e: RecordedEvent) => e.kind === "snapshot";
const isChangeTo = (status: string) => (e: RecordedEvent) => e.kind === "status_change" && e.status === status;
const summary = (events: readonly RecordedEvent[]) => events.map((e) => `${e.sequence}:${e.kind === "status_change" ? e.status : e.kind}`);

async function waitForServiceStatus(m: LiveMonitor, serviceId: string, status: ServiceStatus) {
  await waitUntil(async () => (await m.management.getService({ serviceId })).service?.state?.status === status, 10_000, `service ${ServiceStatus[status]}`);
}

/** Stays a while to show nothing else arrives (no duplicate, no extra event). */
async function expectQuiet(watch: WatchRecorder, ms: number) {
  const before = watch.events.length;
  await sleep(ms);
  expect(summary(watch.events.slice(before))).toEqual([]);
}

// Concurrent, both stores at once: the tests spend most of their time waiting for checks and quiet periods.
describe.concurrent("resuming a watch", () => forEachBackend((backend) => {
  it("replays exactly the events missed while disconnected, in order, then goes live", async ({ onTestFinished }) => {
    const { start, subscribedCaller } = harness(onTestFinished);
    const m = await start(await backend.freshStore(onTestFinished));
    const { serviceId, watch, listener } = await subscribedCaller(m, "roamer");
    expect(summary(watch.events)).toEqual(["0:snapshot", "1:UP"]);
    watch.cancel();
    expect((await watch.ended).code).toBe("CANCELLED");

    // Two transitions while nobody listens: they wait in the log.
    await listener.down();
    await waitForServiceStatus(m, serviceId, ServiceStatus.DOWN);
    await sleep(500);
    await listener.up();
    await waitForServiceStatus(m, serviceId, ServiceStatus.UP);
    await sleep(500);

    // Resume over the other client implementation: no snapshot, just the two, in order.
    const resumed = recordConnectWatch(m.watch, "roamer", 1);
    await resumed.waitFor((e) => e.sequence === 3, 5000, "the second missed event");
    await expectQuiet(resumed, 1500);
    expect(summary(resumed.events)).toEqual(["2:DOWN", "3:UP"]);

    // And then live.
    await listener.down();
    await resumed.waitFor((e) => e.sequence === 4, 10_000, "a live DOWN");
    expect(summary(resumed.events)).toEqual(["2:DOWN", "3:UP", "4:DOWN"]);

    // A fresh watch from 0 gets a snapshot reflecting all four.
    const fresh = recordGrpcJsWatch(m.grpcJs, "roamer");
    const snapshot = await fresh.waitFor(isSnapshot, 5000, "the snapshot");
    expect(snapshot.sequence).toBe(4);
    resumed.cancel();
    fresh.cancel();
  });

  it("loses and repeats nothing across SIGKILL and restart, and sequences keep growing", async ({ onTestFinished }) => {
    const { start, subscribedCaller } = harness(onTestFinished);
    const store = await backend.freshStore(onTestFinished);
    const first = await start(store);
    const { serviceId, watch, listener } = await subscribedCaller(first, "survivor");
    await listener.down();
    await watch.waitFor(isChangeTo("DOWN"), 10_000, "DOWN");
    expect(summary(watch.events)).toEqual(["0:snapshot", "1:UP", "2:DOWN"]);

    // Killed outright: nothing flushed on the way out.
    expect(await first.close("SIGKILL")).toBe("SIGKILL");
    expect((await watch.ended).code).toBe("UNAVAILABLE");
    // The service recovers while the monitor is dead.
    await listener.up();

    const second = await start(store);
    const afterFirstRestart = recordGrpcJsWatch(second.grpcJs, "survivor", 2);
    // UP is announced by the restarted server (sequence 3, not a reused 1 or 2) ...
    await afterFirstRestart.waitFor(isChangeTo("UP"), 10_000, "UP after the restart");
    // ... and the recovered DOWN is not announced again.
    await expectQuiet(afterFirstRestart, 2500);
    expect(summary(afterFirstRestart.events)).toEqual(["3:UP"]);

    // Killed again with nothing pending: the restart must not repeat UP.
    await second.close("SIGKILL");
    const third = await start(store);
    const afterSecondRestart = recordConnectWatch(third.watch, "survivor", 3);
    await waitForServiceStatus(third, serviceId, ServiceStatus.UP);
    await expectQuiet(afterSecondRestart, 2500);
    await listener.down();
    await afterSecondRestart.waitFor(isChangeTo("DOWN"), 10_000, "DOWN after the second restart");
    expect(summary(afterSecondRestart.events)).toEqual(["4:DOWN"]);

    // Across three server lives the caller heard 1, 2, 3, 4: nothing missing, nothing doubled.
    const heard = [...watch.events, ...afterFirstRestart.events, ...afterSecondRestart.events].filter((e) => e.kind === "status_change");
    expect(heard.map((e) => e.sequence)).toEqual([1, 2, 3, 4]);
    afterSecondRestart.cancel();
  });

  it("ends open watch streams with UNAVAILABLE on SIGTERM and exits 0", async ({ onTestFinished }) => {
    const { start, subscribedCaller } = harness(onTestFinished);
    const m = await start(await backend.freshStore(onTestFinished));
    const { watch } = await subscribedCaller(m, "listener");
    const other = recordConnectWatch(m.watch, "listener");
    await other.waitFor(isSnapshot, 5000, "the second stream's snapshot");
    expect(await m.close("SIGTERM")).toBe(0);
    expect((await watch.ended).code).toBe("UNAVAILABLE");
    expect((await other.ended).code).toBe("UNAVAILABLE");
  });
}));
