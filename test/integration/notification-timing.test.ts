import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { afterEach, describe, expect, it } from "vitest";
import type { SimListener } from "../../simulator/index.js";
import { createReservedPortListener } from "../support/reserved-port-listener.js";
import { ServiceStatus } from "../../sdk/gen/monitor/v1/resources_pb.js";
import { startLiveMonitor, type LiveMonitor } from "../support/live-monitor.js";
import { recordConnectWatch, recordGrpcJsWatch, type RecordedEvent } from "../support/watch-recorder.js";
import { sleep, waitUntil } from "../support/wait-until.js";

/**
 * docs/architecture.md's checking and notification rules, end to end: the real server
 * process, real TCP listeners from the simulator, and watch streams through
 * grpc-js and Connect. Timing bounds are deliberately loose (this machine is
 * shared and noisy); they separate "about a second" from "ten seconds", they
 * do not measure — the benchmarks do that.
 */

let monitor: LiveMonitor | undefined;
const listeners: SimListener[] = [];
afterEach(async () => {
  await monitor?.close();
  monitor = undefined;
  await Promise.all(listeners.splice(0).map((l) => l.close()));
});

async function setUp() {
  monitor = await startLiveMonitor();
  const { listener, port } = await createReservedPortListener();
  listeners.push(listener);
  return { m: monitor, listener, port };
}

const isSnapshot = (e: RecordedEvent) => e.kind === "snapshot";
const isChange = (status: string) => (e: RecordedEvent) => e.kind === "status_change" && e.status === status;

async function serviceStatus(m: LiveMonitor, serviceId: string) {
  const { service } = await m.management.getService({ serviceId });
  return service!.state!;
}

describe("checking", () => {
  it("checks a service about once a second however many of 50 callers subscribe at 1 s, never closer than 1 s", async () => {
    const { m, listener, port } = await setUp();
    const serviceId = await m.registerService(port);
    const callers = Array.from({ length: 50 }, (_, i) => `caller-${i}`);
    for (const caller of callers) await m.registerCaller(caller);
    // One stream of each client kind: every caller hears UP once, not once per subscriber.
    const viaGrpcJs = recordGrpcJsWatch(m.grpcJs, "caller-0");
    const viaConnect = recordConnectWatch(m.watch, "caller-49");
    await viaGrpcJs.waitFor(isSnapshot, 5000, "the snapshot via grpc-js");
    await viaConnect.waitFor(isSnapshot, 5000, "the snapshot via Connect");
    for (const caller of callers) await m.subscribe(caller, serviceId, 1000, 0);
    await viaGrpcJs.waitFor(isChange("UP"), 10_000, "UP via grpc-js");
    await viaConnect.waitFor(isChange("UP"), 10_000, "UP via Connect");

    await sleep(1500); // let the effective interval (1 s, from the subscriptions) take over
    listener.resetConnections();
    const windowMs = 8000;
    await sleep(windowMs);
    const seen = listener.connections();
    const gaps = seen.slice(1).map((t, i) => t - seen[i]!);

    // One check per second, not 50: 8 s gives about 8 checks.
    expect(seen.length).toBeGreaterThanOrEqual(5);
    expect(seen.length).toBeLessThanOrEqual(10);
    // Never closer than 1 s. The listener timestamps its accepts on its own
    // event loop, so allow it a little jitter of its own.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(900);

    const state = await serviceStatus(m, serviceId);
    expect(Number(state.effectiveInterval!.seconds)).toBe(1);
    expect(viaGrpcJs.changes().map((e) => e.status)).toEqual(["UP"]);
    expect(viaConnect.changes().map((e) => e.status)).toEqual(["UP"]);
    viaGrpcJs.cancel();
    viaConnect.cancel();
  });
});

describe("notifications", () => {
  it("announces DOWN about `grace` after the first failed check when grace (3 s) is shorter than polling (10 s)", async () => {
    const { m, listener, port } = await setUp();
    const serviceId = await m.registerService(port);
    await m.registerCaller("pager");
    const watch = recordGrpcJsWatch(m.grpcJs, "pager");
    await watch.waitFor(isSnapshot, 5000, "the snapshot");
    await m.subscribe("pager", serviceId, 10_000, 3000);
    await watch.waitFor(isChange("UP"), 10_000, "UP");

    const down = Date.now();
    await listener.down();
    const announced = await watch.waitFor(isChange("DOWN"), 20_000, "DOWN");
    // since_time is the first failed check; it comes at the next 10 s tick.
    expect(announced.sinceMs).toBeGreaterThanOrEqual(down - 100);
    expect(announced.sinceMs).toBeLessThanOrEqual(down + 10_500);
    // DOWN follows 3 s after it (an extra check at the grace deadline), not
    // at the next 10 s tick.
    const afterFirstFailure = announced.receivedAt - announced.sinceMs;
    expect(afterFirstFailure).toBeGreaterThanOrEqual(2900);
    expect(afterFirstFailure).toBeLessThan(7000);
    watch.cancel();
  });

  it("announces nothing when the service recovers inside the grace period, though it was checked down", async () => {
    const { m, listener, port } = await setUp();
    const serviceId = await m.registerService(port);
    await m.registerCaller("patient");
    const watch = recordConnectWatch(m.watch, "patient");
    await watch.waitFor(isSnapshot, 5000, "the snapshot");
    await m.subscribe("patient", serviceId, 1000, 6000);
    await watch.waitFor(isChange("UP"), 10_000, "UP");

    await listener.down();
    await waitUntil(async () => (await serviceStatus(m, serviceId)).status === ServiceStatus.DOWN, 5000, "a failed check");
    await sleep(1000);
    await listener.up();
    await waitUntil(async () => (await serviceStatus(m, serviceId)).status === ServiceStatus.UP, 5000, "a successful check");
    await sleep(6000); // past where the grace deadline would have been

    expect(watch.changes().map((e) => e.status)).toEqual(["UP"]);
    watch.cancel();
  });

  it("hides a down-and-up inside a planned outage, while checks go on", async () => {
    const { m, listener, port } = await setUp();
    const serviceId = await m.registerService(port);
    await m.registerCaller("quiet");
    const watch = recordGrpcJsWatch(m.grpcJs, "quiet");
    await watch.waitFor(isSnapshot, 5000, "the snapshot");
    await m.subscribe("quiet", serviceId, 1000, 0);
    await watch.waitFor(isChange("UP"), 10_000, "UP");

    const start = Date.now();
    await m.management.schedulePlannedOutage({
      serviceId,
      startTime: timestampFromMs(start),
      endTime: timestampFromMs(start + 6000),
      reason: "deploy",
    });
    await listener.down();
    await waitUntil(async () => (await serviceStatus(m, serviceId)).status === ServiceStatus.DOWN, 5000, "a failed check in the outage");
    expect((await serviceStatus(m, serviceId)).inPlannedOutage).toBe(true);
    await sleep(1500);
    await listener.up();
    await waitUntil(async () => (await serviceStatus(m, serviceId)).status === ServiceStatus.UP, 5000, "a successful check in the outage");
    await waitUntil(() => Date.now() > start + 8000, 10_000, "the window's end and a second more");

    expect(watch.changes().map((e) => e.status)).toEqual(["UP"]);
    watch.cancel();
  });

  it("announces DOWN within about a second of the end of an outage during which the service went down", async () => {
    const { m, listener, port } = await setUp();
    const serviceId = await m.registerService(port);
    await m.registerCaller("after-hours");
    const watch = recordConnectWatch(m.watch, "after-hours");
    await watch.waitFor(isSnapshot, 5000, "the snapshot");
    await m.subscribe("after-hours", serviceId, 1000, 0);
    await watch.waitFor(isChange("UP"), 10_000, "UP");

    const start = Date.now();
    const end = start + 4000;
    await m.management.schedulePlannedOutage({ serviceId, startTime: timestampFromMs(start), endTime: timestampFromMs(end) });
    await listener.down();
    await waitUntil(async () => (await serviceStatus(m, serviceId)).status === ServiceStatus.DOWN, 5000, "a failed check in the outage");

    const announced = await watch.waitFor(isChange("DOWN"), 15_000, "DOWN after the outage");
    expect(announced.receivedAt).toBeGreaterThanOrEqual(end);
    expect(announced.receivedAt - end).toBeLessThan(2500);
    expect(watch.changes().map((e) => e.status)).toEqual(["UP", "DOWN"]);
    watch.cancel();
  });
});
