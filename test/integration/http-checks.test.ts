import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { ServiceStatus } from "../../sdk/gen/monitor/v1/resources_pb.js";
import { createBufCurl } from "../support/buf-curl.js";
import { changeTo, recordConnectEvents, recordGrpcJsEvents, summarize, type HeardEvent } from "../support/event-recorder.js";
import { registerHttpService, startHttpListener, startHttpsListener, startTestMonitor, stateOf } from "../support/http-test-monitor.js";
import type { LiveMonitor } from "../support/live-monitor.js";
import { waitUntil } from "../support/wait-until.js";

/**
 * Issue 10's "done when" for HTTP(S) checks, end to end: the compiled server,
 * real HTTP and HTTPS listeners from the simulator on 127.0.0.1, and callers
 * watching through grpc-js and Connect. An HTTP service is announced by the
 * same grace and outage rules as a TCP one; what differs is the detail
 * ("status 503 not in 200–399", "body does not match /…/", "TLS: …") and the
 * http part of each notification and of GetService. No timing is asserted:
 * only which events arrive, in what order, with what content.
 */

const isSnapshot = (e: HeardEvent) => e.kind === "snapshot";

async function subscribe(m: LiveMonitor, callerId: string, serviceId: string, graceMs: number) {
  await m.subscribe(callerId, serviceId, 1000, graceMs);
}

/** Waits until GetService shows `status` (and whatever else `also` asks of the state). */
async function waitForState(
  m: LiveMonitor,
  serviceId: string,
  status: ServiceStatus,
  what: string,
  also: (state: Awaited<ReturnType<typeof stateOf>>) => boolean = () => true,
) {
  await waitUntil(async () => {
    const state = await stateOf(m, serviceId);
    return state.status === status && also(state);
  }, 15_000, what);
}

describe.concurrent("HTTP checks, end to end", () => {
  it("announces 200 → 503 → 200 to a grace-0 caller, and nothing of a 503 blip shorter than a caller's grace (grpc-js)", async ({ onTestFinished }) => {
    const m = await startTestMonitor(onTestFinished);
    const web = await startHttpListener(onTestFinished);
    const url = web.url("/health");
    // Registered and watched through grpc-js: the .proto files, not our generated code.
    const registered = await m.grpcJs.unary<{ service: { id: string; http: { url: string; accepted_statuses: unknown[] } } }>(
      "management",
      "RegisterService",
      { http: { url }, check_interval: { seconds: 1 } },
    );
    const serviceId = registered.service.id;
    expect(registered.service.http.url).toBe(url);
    for (const caller of ["pager", "patient"]) await m.registerCaller(caller);
    const pager = recordGrpcJsEvents(m.grpcJs, "pager");
    const patient = recordGrpcJsEvents(m.grpcJs, "patient");
    onTestFinished(() => (pager.cancel(), patient.cancel()));
    await pager.waitFor(isSnapshot, 5000, "pager's snapshot");
    await patient.waitFor(isSnapshot, 5000, "patient's snapshot");
    const patientGraceMs = 5000;
    await subscribe(m, "pager", serviceId, 0);
    await subscribe(m, "patient", serviceId, patientGraceMs);
    const firstUp = await pager.waitFor(changeTo(serviceId, "UP"), 10_000, "pager's UP");
    await patient.waitFor(changeTo(serviceId, "UP"), 10_000, "patient's UP");
    expect(firstUp).toMatchObject({ url, httpStatusCode: 200, detail: "" });

    // A blip: 503 until the grace-0 caller has heard it, then 200 again.
    web.respond({ status: 503 });
    const down = await pager.waitFor(changeTo(serviceId, "DOWN"), 10_000, "pager's DOWN");
    web.respond({ status: 200 });
    expect(down).toMatchObject({ previousStatus: "UP", detail: "status 503 not in 200–399", url, httpStatusCode: 503 });
    await pager.waitFor((e) => changeTo(serviceId, "UP")(e) && e.sequence > down.sequence, 10_000, "pager's UP after the blip");
    // Past where the patient caller's grace would have run out, had the blip lasted.
    await waitForState(m, serviceId, ServiceStatus.UP, "a check after the blip's grace deadline", (s) =>
      timestampMs(s.lastCheckTime!) > down.sinceMs + patientGraceMs + 1000,
    );
    expect(summarize(patient.changes())).toEqual(["1:UP"]);

    // A 503 that outlasts the grace: now the patient caller hears it too.
    web.respond({ status: 503 });
    const patientDown = await patient.waitFor(changeTo(serviceId, "DOWN"), 20_000, "patient's DOWN after its grace");
    expect(patientDown).toMatchObject({ previousStatus: "UP", detail: "status 503 not in 200–399", url, httpStatusCode: 503 });
    expect(summarize(patient.changes())).toEqual(["1:UP", "2:DOWN"]);
    expect(summarize(pager.changes())).toEqual(["1:UP", "2:DOWN", "3:UP", "4:DOWN"]);
  });

  it("silences a 503 period inside a planned outage, and announces the next one outside it", async ({ onTestFinished }) => {
    const m = await startTestMonitor(onTestFinished);
    const web = await startHttpListener(onTestFinished);
    const serviceId = await registerHttpService(m, { url: web.url("/status") });
    await m.registerCaller("quiet");
    const quiet = recordConnectEvents(m.watch, "quiet");
    onTestFinished(() => quiet.cancel());
    await quiet.waitFor(isSnapshot, 5000, "the snapshot");
    await subscribe(m, "quiet", serviceId, 0);
    await quiet.waitFor(changeTo(serviceId, "UP"), 10_000, "UP");

    const start = Date.now();
    const end = start + 6000;
    await m.management.schedulePlannedOutage({ serviceId, startTime: timestampFromMs(start), endTime: timestampFromMs(end), reason: "deploy" });
    web.respond({ status: 503 });
    await waitForState(m, serviceId, ServiceStatus.DOWN, "a 503 check inside the outage", (s) => s.inPlannedOutage && s.detail === "status 503 not in 200–399");
    web.respond({ status: 200 });
    await waitForState(m, serviceId, ServiceStatus.UP, "a 200 check inside the outage", (s) => s.inPlannedOutage);
    await waitForState(m, serviceId, ServiceStatus.UP, "a check after the outage ended", (s) => !s.inPlannedOutage && timestampMs(s.lastCheckTime!) > end);
    expect(summarize(quiet.changes())).toEqual(["1:UP"]);

    // The same 503 outside any outage is heard: the silence was the outage's.
    web.respond({ status: 503 });
    const down = await quiet.waitFor(changeTo(serviceId, "DOWN"), 10_000, "DOWN after the outage");
    expect(down).toMatchObject({ detail: "status 503 not in 200–399", httpStatusCode: 503 });
    expect(summarize(quiet.changes())).toEqual(["1:UP", "2:DOWN"]);
  });

  it("reports a body regex's captures while it matches, and DOWN naming the pattern once the body stops matching", async ({ onTestFinished }) => {
    const m = await startTestMonitor(onTestFinished);
    const web = await startHttpListener(onTestFinished);
    web.respond({ body: "status=green build=42\n" });
    const pattern = String.raw`status=(green|amber) build=(?P<build>\d+)`;
    const serviceId = await registerHttpService(m, { url: web.url("/version"), bodyRegex: pattern });
    await m.registerCaller("release-bot");
    const watch = recordConnectEvents(m.watch, "release-bot");
    onTestFinished(() => watch.cancel());
    await watch.waitFor(isSnapshot, 5000, "the snapshot");
    await subscribe(m, "release-bot", serviceId, 0);

    const up = await watch.waitFor(changeTo(serviceId, "UP"), 10_000, "UP");
    expect(up).toMatchObject({ httpStatusCode: 200, captures: ["green", "42"] });
    const matching = await stateOf(m, serviceId);
    expect(matching.http?.captures).toEqual(["green", "42"]);
    expect(matching.http?.namedCaptures).toEqual({ build: "42" });

    web.respond({ body: "status=red (maintenance)\n" });
    const down = await watch.waitFor(changeTo(serviceId, "DOWN"), 10_000, "DOWN");
    expect(down).toMatchObject({ previousStatus: "UP", detail: `body does not match /${pattern}/`, httpStatusCode: 200, captures: [] });
    const failing = await stateOf(m, serviceId);
    expect(failing).toMatchObject({ status: ServiceStatus.DOWN, detail: `body does not match /${pattern}/` });
    expect(failing.http?.statusCode).toBe(200);
    expect(summarize(watch.changes())).toEqual(["1:UP", "2:DOWN"]);
  });

  it("over HTTPS with a self-signed certificate: UP with skip_tls_verify (registered by buf curl), DOWN 'TLS: …' with verification on", async ({ onTestFinished }) => {
    const m = await startTestMonitor(onTestFinished);
    const web = await startHttpsListener(onTestFinished);
    const buf = await createBufCurl();
    onTestFinished(() => buf.dispose());
    const lenientUrl = web.url("/lenient");
    const { stdout } = await buf.call(
      "-d",
      JSON.stringify({ http: { url: lenientUrl, skipTlsVerify: true }, checkInterval: "1s", displayName: "lenient" }),
      `${m.server.baseUrl}/monitor.v1.ManagementService/RegisterService`,
    );
    const lenient = (JSON.parse(stdout) as { service: { id: string; http: { url: string; skipTlsVerify?: boolean } } }).service;
    expect(lenient.http).toMatchObject({ url: lenientUrl, skipTlsVerify: true });
    const strictId = await registerHttpService(m, { url: web.url("/strict") });

    await m.registerCaller("tls-watcher");
    const watch = recordConnectEvents(m.watch, "tls-watcher");
    onTestFinished(() => watch.cancel());
    await watch.waitFor(isSnapshot, 5000, "the snapshot");
    await subscribe(m, "tls-watcher", lenient.id, 0);
    await subscribe(m, "tls-watcher", strictId, 0);

    const up = await watch.waitFor(changeTo(lenient.id, "UP"), 10_000, "UP of the check that skips verification");
    expect(up).toMatchObject({ url: lenientUrl, httpStatusCode: 200 });
    const down = await watch.waitFor(changeTo(strictId, "DOWN"), 10_000, "DOWN of the check that verifies");
    expect(down.detail).toMatch(/^TLS: .*self[- ]signed/i);
    expect(down.httpStatusCode).toBe(0);

    // The certificate's expiry is reported either way; X.509 keeps whole seconds.
    const expiresMs = Math.floor(web.certificate()!.notAfterMs / 1000) * 1000;
    const lenientState = await stateOf(m, lenient.id);
    expect(lenientState.http?.tlsExpireTime && timestampMs(lenientState.http.tlsExpireTime)).toBe(expiresMs);
    const strictState = await stateOf(m, strictId);
    expect(strictState.status).toBe(ServiceStatus.DOWN);
    expect(strictState.http?.tlsExpireTime && timestampMs(strictState.http.tlsExpireTime)).toBe(expiresMs);
    // Both checks really reached the listener: the strict one stopped at the handshake, before any request.
    expect(web.requests().some((r) => r.path === "/lenient")).toBe(true);
    expect(web.requests().some((r) => r.path === "/strict")).toBe(false);
  });
});
