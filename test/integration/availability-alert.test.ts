import { durationFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { createListener } from "../../simulator/index.js";
import { describeRaw, watchRawGrpcJs, type RawWatchEvent } from "../support/raw-grpc-js-watch.js";
import { forEachBackend, startMonitorOn } from "../support/store-backends.js";
import { sleep, waitUntil } from "../support/wait-until.js";

/**
 * Issue 11's availability alert, end to end: a subscription with a rule of
 * 10 s (the shortest window) and 0.8, a Watch stream over grpc-js, and a
 * simulated TCP service that goes down for about 5 s and comes back. The
 * caller hears DOWN, AvailabilityAlert, UP, AvailabilityRecovered — each
 * once, in that order, with consecutive sequences — and after a graceful
 * restart on the same store, resuming from the last sequence brings nothing
 * again, not even once the restarted server has a full window of its own;
 * resuming from before the alert replays the same three events, unchanged.
 * Which events arrive is asserted, not when.
 */

const WINDOW_MS = 10_000;
const THRESHOLD = 0.8;
const DOWN_FOR_MS = 5000;

const isKind = (kind: string) => (e: RawWatchEvent) => e.kind === kind;
const statusChange = (status: "UP" | "DOWN") => (e: RawWatchEvent) => e.kind === "status_change" && e.body["status"] === `SERVICE_STATUS_${status}`;

describe.concurrent("availability alerts end to end", () => forEachBackend((backend) => {
  it("announces DOWN, AvailabilityAlert, UP, AvailabilityRecovered once each in order, and none again after a restart", { timeout: 120_000 }, async ({ onTestFinished }) => {
    const store = await backend.freshStore(onTestFinished);
    const listener = createListener({ name: "svc" });
    const port = await listener.up();
    onTestFinished(() => listener.close());
    const first = await startMonitorOn(store);
    onTestFinished(async () => void (await first.close()));

    const serviceId = await first.registerService(port, 1000);
    await first.registerCaller("ops");
    const watch = watchRawGrpcJs(first.grpcJs, "ops");
    onTestFinished(() => watch.cancel());
    await watch.waitFor(isKind("snapshot"), 5000, "the snapshot");
    await first.management.subscribe({
      callerId: "ops",
      serviceId,
      pollingInterval: durationFromMs(1000),
      gracePeriod: durationFromMs(0),
      availabilityAlertRule: { window: durationFromMs(WINDOW_MS), threshold: THRESHOLD },
    });
    const { subscriptions } = await first.management.listSubscriptions({ callerId: "ops" });
    expect(subscriptions[0]?.availabilityAlertRule).toMatchObject({ threshold: THRESHOLD });
    const firstUp = await watch.waitFor(statusChange("UP"), 10_000, "the first UP");

    // No alert before the window is covered: wait for a full window of checks, all up, first.
    const upSinceMs = Date.now();
    await waitUntil(async () => {
      const state = (await first.management.getService({ serviceId })).service?.state;
      return state?.lastCheckTime !== undefined && timestampMs(state.lastCheckTime) > upSinceMs + WINDOW_MS + 1000;
    }, 30_000, "a window of up checks");
    expect(watch.events.filter((e) => e.sequence > 0).map(describeRaw)).toEqual([describeRaw(firstUp)]);

    await listener.down();
    const down = await watch.waitFor(statusChange("DOWN"), 10_000, "DOWN");
    const alert = await watch.waitFor(isKind("availability_alert"), 15_000, "the availability alert");
    // Keep it down for about 5 s in all, then bring it back.
    await sleep(Math.max(0, DOWN_FOR_MS - (Date.now() - timestampMsOfEvent(down))));
    await listener.up();
    const up = await watch.waitFor((e) => statusChange("UP")(e) && e.sequence > down.sequence, 10_000, "UP again");
    const recovered = await watch.waitFor(isKind("availability_recovered"), 30_000, "availability recovered");

    expect(alert.body).toMatchObject({ service_id: serviceId, host: "127.0.0.1", port, threshold: THRESHOLD, window: { seconds: "10", nanos: 0 } });
    expect(Number(alert.body["availability"])).toBeLessThan(THRESHOLD);
    expect(recovered.body).toMatchObject({ service_id: serviceId, threshold: THRESHOLD, window: { seconds: "10", nanos: 0 } });
    expect(Number(recovered.body["availability"])).toBeGreaterThanOrEqual(THRESHOLD);
    // A moment more, so a duplicate would have arrived; then each event once, in order, consecutive.
    await sleep(2000);
    const heard = watch.events.filter((e) => e.sequence > 0);
    expect(heard.map((e) => e.kind)).toEqual(["status_change", "status_change", "availability_alert", "status_change", "availability_recovered"]);
    expect(heard.map(describeRaw)).toEqual([firstUp, down, alert, up, recovered].map(describeRaw));
    expect(heard.map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5].map((n) => firstUp.sequence + n - 1));

    // Graceful restart on the same store (SIGTERM), then resume after the last event.
    watch.cancel();
    expect(await first.close("SIGTERM")).toBe(0);
    const second = await startMonitorOn(store);
    onTestFinished(async () => void (await second.close()));
    const restartedAtMs = Date.now();
    const resumed = watchRawGrpcJs(second.grpcJs, "ops", recovered.sequence);
    onTestFinished(() => resumed.cancel());
    // Past a whole window of the restarted server's own checks: an alert state it had forgotten would show by now.
    await waitUntil(async () => {
      const state = (await second.management.getService({ serviceId })).service?.state;
      return state?.lastCheckTime !== undefined && timestampMs(state.lastCheckTime) > restartedAtMs + WINDOW_MS + 1000;
    }, 30_000, "a window of checks after the restart");
    expect(resumed.ended()).toBeUndefined();
    expect(resumed.events.map(describeRaw)).toEqual([]);

    // Resuming from before the alert replays the stored events as they were heard.
    const replay = watchRawGrpcJs(second.grpcJs, "ops", down.sequence);
    onTestFinished(() => replay.cancel());
    await replay.waitFor((e) => e.sequence === recovered.sequence, 5000, "the replayed recovery");
    expect(replay.events.map(describeRaw)).toEqual([alert, up, recovered].map(describeRaw));
    expect(replay.events.map((e) => e.body)).toEqual([alert, up, recovered].map((e) => e.body));
    // A fresh snapshot says the subscription is not alerting.
    const fresh = watchRawGrpcJs(second.grpcJs, "ops");
    onTestFinished(() => fresh.cancel());
    const snapshot = await fresh.waitFor(isKind("snapshot"), 5000, "a fresh snapshot");
    expect(snapshot.sequence).toBe(recovered.sequence);
    expect(snapshot.body["subscriptions"]).toMatchObject([{ service_id: serviceId, status: "SERVICE_STATUS_UP", availability_alert: false }]);
  });
}));

/** A status change's since_time in epoch ms (grpc-js). */
function timestampMsOfEvent(e: RawWatchEvent): number {
  const since = e.body["since_time"] as { seconds: string; nanos: number };
  return Number(since.seconds) * 1000 + since.nanos / 1e6;
}
