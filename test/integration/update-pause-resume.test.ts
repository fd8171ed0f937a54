import { timestampMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { ServiceStatusFilter } from "../../sdk/gen/monitor/v1/management_service_pb.js";
import { ServiceStatus } from "../../sdk/gen/monitor/v1/resources_pb.js";
import type { SimHttpListener } from "../../simulator/index.js";
import { changeTo, recordConnectEvents, recordGrpcJsEvents, summarize, type HeardEvent } from "../support/event-recorder.js";
import { registerHttpService, startHttpListener, startTestMonitor, stateOf } from "../support/http-test-monitor.js";
import type { LiveMonitor } from "../support/live-monitor.js";
import { forEachBackend, startMonitorOn, type OnTestFinished, type TestStore } from "../support/store-backends.js";
import { sleep, waitUntil } from "../support/wait-until.js";

/**
 * UpdateService, PauseService and ResumeService end to end (issue 10): the
 * compiled server, HTTP listeners from the simulator counting every request
 * they get, and a caller's numbered event stream. What is asserted is which
 * events arrive and how many requests reach a listener (zero while paused,
 * at least one after resume), never how long anything took.
 */

const isSnapshot = (e: HeardEvent) => e.kind === "snapshot";
const requestsTo = (web: SimHttpListener, path: string, fromMs = 0) =>
  web.requestsBetween(fromMs, Number.POSITIVE_INFINITY).filter((r) => r.path === path).length;

async function listIds(m: LiveMonitor, request: { filter?: string; statusFilter?: ServiceStatusFilter }): Promise<string[]> {
  const { services, nextPageToken } = await m.management.listServices({ pageSize: 100, ...request });
  expect(nextPageToken).toBe("");
  return services.map((s) => s.id).sort();
}

/** The compiled server on `store`, killed when the test ends (the store removes itself). */
async function startOn(store: TestStore, onFinished: OnTestFinished): Promise<LiveMonitor> {
  const m = await startMonitorOn(store);
  onFinished(async () => void (await m.close()));
  return m;
}

describe.concurrent("UpdateService end to end", () => {
  it("moves an HTTP check to another URL keeping the subscription (the next notification says so), then changes only accepted_statuses keeping the observation", async ({ onTestFinished }) => {
    const m = await startTestMonitor(onTestFinished);
    const first = await startHttpListener(onTestFinished);
    const second = await startHttpListener(onTestFinished);
    second.respond({ status: 503 });
    const firstUrl = first.url("/a");
    const secondUrl = second.url("/b");
    const serviceId = await registerHttpService(m, { url: firstUrl });
    await m.registerCaller("ops");
    const watch = recordGrpcJsEvents(m.grpcJs, "ops");
    onTestFinished(() => watch.cancel());
    await watch.waitFor(isSnapshot, 5000, "the snapshot");
    await m.subscribe("ops", serviceId, 1000, 0);
    await watch.waitFor(changeTo(serviceId, "UP"), 10_000, "UP on the first URL");

    // Over the wire with grpc-js: a partial Service and a FieldMask naming the one field.
    const updated = await m.grpcJs.unary<{ service: { http: { url: string }; check_interval: { seconds: string } } }>(
      "management",
      "UpdateService",
      { service: { id: serviceId, http: { url: secondUrl } }, update_mask: { paths: ["http.url"] } },
    );
    expect(updated.service.http.url).toBe(secondUrl);
    expect(updated.service.check_interval.seconds).toBe("1");

    const down = await watch.waitFor(changeTo(serviceId, "DOWN"), 10_000, "DOWN from the second URL");
    expect(down).toMatchObject({
      previousStatus: "UP",
      url: secondUrl,
      httpStatusCode: 503,
      detail: `status 503 not in 200–399; check target changed from ${firstUrl} to ${secondUrl}`,
    });
    // From its first request on, the second listener is the only one checked.
    await waitUntil(() => requestsTo(second, "/b") >= 2, 10_000, "two checks of the second URL");
    expect(requestsTo(first, "/a", second.requests()[0]!.atMs)).toBe(0);
    const { subscriptions } = await m.management.listSubscriptions({ callerId: "ops" });
    expect(subscriptions.map((s) => [s.serviceId, Number(s.pollingInterval?.seconds), Number(s.gracePeriod?.seconds)])).toEqual([[serviceId, 1, 0]]);

    // Only the accepted statuses, over Connect: same target, so the DOWN period goes on (same since)
    // and the next checks judge 503 by the new ranges.
    const narrowed = await m.management.updateService({
      service: { id: serviceId, probe: { case: "http", value: { acceptedStatuses: [{ min: 200, max: 299 }] } } },
      updateMask: { paths: ["http.accepted_statuses"] },
    });
    expect(narrowed.service?.probe).toMatchObject({ case: "http", value: { url: secondUrl, acceptedStatuses: [{ min: 200, max: 299 }] } });
    await waitUntil(async () => (await stateOf(m, serviceId)).detail === "status 503 not in 200–299", 10_000, "a check judged by 200–299");
    const kept = await stateOf(m, serviceId);
    expect(kept.status).toBe(ServiceStatus.DOWN);
    expect(timestampMs(kept.sinceTime!)).toBe(down.sinceMs);
    expect(summarize(watch.changes())).toEqual(["1:UP", "2:DOWN"]);

    // Accepting 503 makes the same answer UP; the target-change note belonged to the DOWN period only.
    await m.management.updateService({
      service: { id: serviceId, probe: { case: "http", value: { acceptedStatuses: [{ min: 200, max: 299 }, { min: 503 }] } } },
      updateMask: { paths: ["http.accepted_statuses"] },
    });
    const up = await watch.waitFor((e) => changeTo(serviceId, "UP")(e) && e.sequence > down.sequence, 10_000, "UP once 503 is accepted");
    expect(up).toMatchObject({ previousStatus: "DOWN", url: secondUrl, httpStatusCode: 503, detail: "" });
    expect(summarize(watch.events)).toEqual(["0:snapshot", "1:UP", "2:DOWN", "3:UP"]);
  });
});

// Both stores: the pause is state the store must keep (services.paused_at on SQLite and PostgreSQL).
describe.concurrent("pause and resume end to end, across a restart", () => forEachBackend((backend) => {
  it("pauses (no requests, one ServicePaused), stays paused across a restart (same pause_time, still no requests, ListServices PAUSED), and resumes (ServiceResumed, checked at once, DOWN per the rules)", async ({ onTestFinished }) => {
    const store = await backend.freshStore(onTestFinished);
    const web = await startHttpListener(onTestFinished);
    const first = await startOn(store, onTestFinished);
    const pausedId = await registerHttpService(first, { url: web.url("/paused-one") });
    const runningId = await registerHttpService(first, { url: web.url("/running-one") });
    await first.registerCaller("ops");
    const watch = recordConnectEvents(first.watch, "ops");
    await watch.waitFor(isSnapshot, 5000, "the snapshot");
    await first.subscribe("ops", pausedId, 1000, 0);
    await watch.waitFor(changeTo(pausedId, "UP"), 10_000, "UP");

    const { service: paused } = await first.management.pauseService({ serviceId: pausedId });
    expect(paused?.paused).toBe(true);
    const pauseTimeMs = timestampMs(paused!.pauseTime!);
    const pausedEvent = await watch.waitFor((e) => e.kind === "service_paused", 5000, "ServicePaused");
    expect(pausedEvent).toMatchObject({ sequence: 2, serviceId: pausedId });
    // Pausing again changes nothing: same pause_time, no second event (checked below).
    const { service: again } = await first.management.pauseService({ serviceId: pausedId });
    expect(timestampMs(again!.pauseTime!)).toBe(pauseTimeMs);
    expect((await stateOf(first, pausedId)).nextCheckTime).toBeUndefined();

    // While paused the service fails (every path now answers 503): not checked, so nothing is announced.
    web.respond({ status: 503 });
    // A check already under way when the pause landed may still arrive; count from a moment later.
    await sleep(1000);
    const quietFrom = Date.now();
    await waitUntil(() => requestsTo(web, "/running-one", quietFrom) >= 3, 15_000, "three checks of the other service");
    expect(requestsTo(web, "/paused-one", quietFrom)).toBe(0);
    expect(summarize(watch.events)).toEqual(["0:snapshot", "1:UP", "2:service_paused"]);

    // Killed outright: the pause was acknowledged, so it is on disk.
    await first.close("SIGKILL");
    await watch.ended; // however the client words a connection that vanished
    const second = await startOn(store, onTestFinished);
    const restartedAt = Date.now();
    const { service: reloaded } = await second.management.getService({ serviceId: pausedId });
    expect(reloaded?.paused).toBe(true);
    expect(timestampMs(reloaded!.pauseTime!)).toBe(pauseTimeMs);
    const fresh = recordConnectEvents(second.watch, "ops");
    onTestFinished(() => fresh.cancel());
    const snapshot = await fresh.waitFor(isSnapshot, 5000, "a fresh snapshot");
    expect(snapshot.subscriptions).toEqual([{ serviceId: pausedId, status: "UP", url: web.url("/paused-one"), paused: true }]);

    // The restarted server checks the other service, not the paused one.
    await waitUntil(async () => (await stateOf(second, runningId)).status === ServiceStatus.DOWN, 10_000, "the other service DOWN");
    await waitUntil(() => requestsTo(web, "/running-one", restartedAt) >= 3, 15_000, "three checks of the other service after the restart");
    expect(requestsTo(web, "/paused-one", restartedAt)).toBe(0);

    // ListServices: filter by URL text and by state, with pagination over the filtered list.
    expect(await listIds(second, { statusFilter: ServiceStatusFilter.PAUSED })).toEqual([pausedId]);
    expect(await listIds(second, { filter: "PAUSED-one", statusFilter: ServiceStatusFilter.PAUSED })).toEqual([pausedId]);
    expect(await listIds(second, { filter: "running-one", statusFilter: ServiceStatusFilter.PAUSED })).toEqual([]);
    expect(await listIds(second, { statusFilter: ServiceStatusFilter.DOWN })).toEqual([runningId]);
    expect(await listIds(second, { statusFilter: ServiceStatusFilter.UP })).toEqual([]);
    const page1 = await second.management.listServices({ pageSize: 1, filter: `127.0.0.1:${web.port()}/` });
    expect(page1.services).toHaveLength(1);
    expect(page1.nextPageToken).not.toBe("");
    const page2 = await second.management.listServices({ pageSize: 1, filter: `127.0.0.1:${web.port()}/`, pageToken: page1.nextPageToken });
    expect(page2.nextPageToken).toBe("");
    expect([...page1.services, ...page2.services].map((s) => s.id).sort()).toEqual([pausedId, runningId].sort());

    // Resume on the restarted server: the caller hears ServiceResumed, then DOWN from the first check (grace 0).
    const resumedWatch = recordConnectEvents(second.watch, "ops", pausedEvent.sequence);
    onTestFinished(() => resumedWatch.cancel());
    const resumeFrom = Date.now();
    const { service: resumed } = await second.management.resumeService({ serviceId: pausedId });
    expect(resumed?.paused).toBe(false);
    expect(resumed?.pauseTime).toBeUndefined();
    const down = await resumedWatch.waitFor(changeTo(pausedId, "DOWN"), 10_000, "DOWN after resume");
    expect(down).toMatchObject({ previousStatus: "UP", detail: "status 503 not in 200–399", httpStatusCode: 503 });
    expect(requestsTo(web, "/paused-one", resumeFrom)).toBeGreaterThanOrEqual(1);
    expect(summarize(resumedWatch.events)).toEqual(["3:service_resumed", "4:DOWN"]);
    expect(await listIds(second, { statusFilter: ServiceStatusFilter.PAUSED })).toEqual([]);
    expect((await second.management.getService({ serviceId: pausedId })).service?.paused).toBe(false);
  });
}));
