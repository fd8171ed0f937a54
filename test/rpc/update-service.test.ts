import type { MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { UpdateServiceRequestSchema } from "../../sdk/gen/monitor/v1/management_service_pb.js";
import { type HttpProbe, ServiceStatus, TcpCloseMode } from "../../sdk/gen/monitor/v1/resources_pb.js";
import type { WatchResponse } from "../../sdk/gen/monitor/v1/watch_service_pb.js";
import { createInMemoryMonitor, type InMemoryMonitor } from "../support/in-memory-monitor.js";
import { refusalMessage } from "../support/refusal.js";

/** UpdateService over the in-memory transport: each kind of path, kind switches, refusals, subscriptions kept. */

let m: InMemoryMonitor;
beforeEach(async () => {
  m = await createInMemoryMonitor();
});
afterEach(async () => {
  await m.close();
});

const s = (seconds: number) => durationFromMs(seconds * 1000);
type UpdateInit = MessageInitShape<typeof UpdateServiceRequestSchema>;
const update = (serviceId: string, service: NonNullable<UpdateInit["service"]>, paths: string[] = []) =>
  m.management.updateService({ service: { ...service, id: serviceId }, updateMask: { paths } });


async function tcpService(port = 5000) {
  const { service } = await m.management.registerService({ host: "127.0.0.1", port, displayName: "db", checkInterval: s(30) });
  return service!;
}

async function httpService(url = "http://127.0.0.1:8080/health") {
  const { service } = await m.management.registerService({ displayName: "web", probe: { case: "http", value: { url, bodyKeyword: "ok" } } });
  return service!;
}

/** A caller "bot" subscribed to `serviceId`, watching; returns the events seen so far. */
async function watchAs(serviceId: string) {
  if (m.registry.getCaller("bot") === undefined) await m.management.registerCaller({ callerId: "bot" });
  await m.management.subscribe({ callerId: "bot", serviceId, pollingInterval: s(1) });
  const abort = new AbortController();
  const events: WatchResponse[] = [];
  const done = (async () => {
    try {
      for await (const res of m.watch.watch({ callerId: "bot", replayFromStart: true }, { signal: abort.signal })) events.push(res);
    } catch {
      // cancelled at the end of the test
    }
  })();
  return {
    events,
    changes: () => events.flatMap((e) => (e.event.case === "statusChange" ? [e.event.value] : [])),
    async stop() {
      abort.abort();
      await done;
    },
  };
}

describe("UpdateService", () => {
  it("changes the named fields only and keeps id, create time, subscriptions and what the caller was told", async () => {
    const service = await tcpService();
    m.answers.set(5000, "up");
    const stream = await watchAs(service.id);
    await m.time.advance(0);
    expect(stream.changes().map((c) => ServiceStatus[c.status])).toEqual(["UP"]);

    const { service: updated } = await update(service.id, { displayName: "main db", checkInterval: s(5) }, ["display_name"]);
    expect(updated).toMatchObject({ id: service.id, displayName: "main db", host: "127.0.0.1", port: 5000 });
    expect(Number(updated!.checkInterval!.seconds)).toBe(30); // not in the mask
    expect(timestampMs(updated!.createTime!)).toBe(timestampMs(service.createTime!));
    // Same target: the observed state stays.
    expect(updated!.state!.status).toBe(ServiceStatus.UP);
    expect((await m.management.listSubscriptions({ serviceId: service.id })).subscriptions).toHaveLength(1);
    await m.time.advance(5000);
    expect(stream.changes()).toHaveLength(1); // still UP: nothing new announced
    await stream.stop();
  });

  it("check_interval and check_timeout take effect (unset in a named field: the default)", async () => {
    const service = await tcpService();
    const { service: a } = await update(service.id, { checkInterval: s(5), checkTimeout: durationFromMs(500) }, ["check_interval", "check_timeout"]);
    expect(Number(a!.checkInterval!.seconds)).toBe(5);
    expect(a!.checkTimeout!.nanos).toBe(500_000_000);
    expect(Number(a!.state!.effectiveInterval!.seconds)).toBe(5);
    const { service: b } = await update(service.id, {}, ["check_timeout"]);
    expect(Number(b!.checkTimeout!.seconds)).toBe(2);
    expect(m.registry.getService(service.id)).toMatchObject({ checkIntervalMs: 5000, checkTimeoutMs: 2000 });
  });

  it("an empty mask changes the fields set in the request", async () => {
    const service = await tcpService();
    const { service: updated } = await update(service.id, { displayName: "renamed", probe: { case: "tcp", value: { closeMode: TcpCloseMode.RESET } } });
    expect(updated).toMatchObject({ displayName: "renamed", host: "127.0.0.1", port: 5000 });
    expect(updated!.probe).toMatchObject({ case: "tcp", value: { closeMode: TcpCloseMode.RESET } });
    expect(m.registry.getService(service.id)!.probe).toEqual({ kind: "tcp", closeMode: "reset" });
  });

  it("moving a TCP service starts its observation over, and the next notification says why", async () => {
    const service = await tcpService();
    m.answers.set(5000, "up");
    const stream = await watchAs(service.id);
    await m.time.advance(0);
    const { service: moved } = await update(service.id, { port: 5001 }, ["port"]);
    expect(moved!.port).toBe(5001);
    expect(moved!.state!.status).toBe(ServiceStatus.UNSPECIFIED);
    m.answers.set(5001, "connection refused");
    await m.time.advance(1000);
    const last = stream.changes().at(-1)!;
    expect(ServiceStatus[last.status]).toBe("DOWN");
    expect(last.port).toBe(5001);
    expect(last.detail).toBe("connection refused; check target changed from 127.0.0.1:5000 to 127.0.0.1:5001");
    await stream.stop();
  });

  it("http.<field> paths change one setting; http.url moves host and port", async () => {
    const service = await httpService();
    const { service: a } = await update(service.id, { probe: { case: "http", value: { acceptedStatuses: [{ min: 200, max: 0 }], maxRedirects: 0 } } }, [
      "http.accepted_statuses",
      "http.max_redirects",
    ]);
    const probe = a!.probe.value as HttpProbe;
    expect(probe).toMatchObject({ url: "http://127.0.0.1:8080/health", bodyKeyword: "ok", maxRedirects: 0 });
    expect(probe.acceptedStatuses.map(({ min, max }) => [min, max])).toEqual([[200, 200]]);
    const { service: b } = await update(service.id, { probe: { case: "http", value: { url: "https://web.test/v2" } } }, ["http.url"]);
    expect(b).toMatchObject({ host: "web.test", port: 443 });
    expect((b!.probe.value as HttpProbe).url).toBe("https://web.test/v2");
  });

  it("switches TCP → HTTP with `http` and back with `tcp` plus host and port", async () => {
    const service = await tcpService();
    m.answers.set(5000, "up");
    const stream = await watchAs(service.id);
    await m.time.advance(0);
    const { service: web } = await update(service.id, { probe: { case: "http", value: { url: "http://127.0.0.1:8080/" } } }, ["http"]);
    expect(web).toMatchObject({ host: "127.0.0.1", port: 8080, displayName: "db" });
    expect(web!.probe.case).toBe("http");
    expect(m.registry.getService(service.id)!.probe).toMatchObject({ kind: "http", url: "http://127.0.0.1:8080/", maxRedirects: 10 });

    m.answers.set(8080, "status 503 not in 200–399");
    await m.time.advance(1000);
    const down = stream.changes().at(-1)!;
    expect(down).toMatchObject({ status: ServiceStatus.DOWN, url: "http://127.0.0.1:8080/", port: 8080 });
    expect(down.detail).toBe("status 503 not in 200–399; check target changed from 127.0.0.1:5000 to http://127.0.0.1:8080/");

    expect(await refusalMessage(update(service.id, { probe: { case: "tcp", value: {} } }, ["tcp"]), Code.InvalidArgument)).toBe(
      "service.host: must not be empty",
    );
    const { service: back } = await update(service.id, { host: "127.0.0.1", port: 5000, probe: { case: "tcp", value: {} } }, ["tcp", "host", "port"]);
    expect(back).toMatchObject({ host: "127.0.0.1", port: 5000 });
    expect(back!.probe).toMatchObject({ case: "tcp", value: { closeMode: TcpCloseMode.UNSPECIFIED } });
    expect(m.registry.getService(service.id)!.probe).toBeUndefined();
    expect((await m.management.listSubscriptions({ serviceId: service.id })).subscriptions).toHaveLength(1);
    await stream.stop();
  });

  it("takes back a whole HTTP Service as GetService answers it, with an empty mask and with *", async () => {
    const web = await httpService();
    const { service: got } = await m.management.getService({ serviceId: web.id });
    // host and port are filled in from the URL: the URL's own are output, not a change.
    expect(got).toMatchObject({ host: "127.0.0.1", port: 8080 });
    const { service: renamed } = await m.management.updateService({ service: { ...got!, displayName: "renamed" }, updateMask: { paths: [] } });
    expect(renamed).toMatchObject({ displayName: "renamed", host: "127.0.0.1", port: 8080 });
    const { service: starred } = await m.management.updateService({ service: { ...got!, displayName: "starred" }, updateMask: { paths: ["*"] } });
    expect(starred).toMatchObject({ displayName: "starred", port: 8080 });
    expect((starred!.probe.value as HttpProbe).bodyKeyword).toBe("ok");
    // Another host or port than the URL's is still a change, and refused.
    expect(await refusalMessage(m.management.updateService({ service: { ...got!, port: 81 }, updateMask: { paths: ["*"] } }), Code.InvalidArgument)).toBe(
      "service.port: must be 0 with http; the URL names the port",
    );
  });

  it("refuses host or port on an HTTP service, and a field of the other kind", async () => {
    const web = await httpService();
    expect(await refusalMessage(update(web.id, { host: "127.0.0.1" }, ["host"]), Code.InvalidArgument)).toBe(
      "service.host: must be empty with http; the URL names the host",
    );
    expect(await refusalMessage(update(web.id, { port: 81 }), Code.InvalidArgument)).toBe("service.port: must be 0 with http; the URL names the port");
    expect(await refusalMessage(update(web.id, {}, ["tcp.close_mode"]), Code.InvalidArgument)).toMatch(
      /^update_mask\.paths\[0\]: "tcp\.close_mode" changes a TCP check, but the service is checked by HTTP/,
    );
    const db = await tcpService();
    expect(await refusalMessage(update(db.id, {}, ["http.url"]), Code.InvalidArgument)).toMatch(
      /^update_mask\.paths\[0\]: "http\.url" changes an HTTP check, but the service is checked by TCP/,
    );
  });

  it("checks the result exactly as RegisterService does, naming service.<field>", async () => {
    const web = await httpService();
    expect(await refusalMessage(update(web.id, { probe: { case: "http", value: { bodyRegex: "(" } } }, ["http.body_regex", "http.body_keyword"]), Code.InvalidArgument)).toMatch(
      /^service\.http\.body_regex: does not compile/,
    );
    expect(await refusalMessage(update(web.id, { checkInterval: durationFromMs(10) }), Code.InvalidArgument)).toBe(
      "service.check_interval: must be between 1s and 24h, got 10ms",
    );
    expect(await refusalMessage(update(web.id, { displayName: "x".repeat(257) }), Code.InvalidArgument)).toMatch(/^service\.display_name:/);
    expect(m.registry.getService(web.id)).toMatchObject({ displayName: "web", checkIntervalMs: 30_000 });
  });

  it("refuses unknown paths (before an unknown id), a missing service, an empty or unknown id", async () => {
    const service = await tcpService();
    expect(await refusalMessage(update(service.id, {}, ["display_name", "nope"]), Code.InvalidArgument)).toMatch(
      /^update_mask\.paths\[1\]: "nope" is not a field UpdateService can change/,
    );
    expect(await refusalMessage(update("svc_unknown", {}, ["nope"]), Code.InvalidArgument)).toMatch(/^update_mask\.paths\[0\]:/);
    expect(await refusalMessage(update("svc_unknown", {}, ["display_name"]), Code.NotFound)).toBe('service "svc_unknown" not found');
    expect(await refusalMessage(update("", {}, ["display_name"]), Code.InvalidArgument)).toBe("service.id: must not be empty");
    expect(await refusalMessage(m.management.updateService({ updateMask: { paths: ["display_name"] } }), Code.InvalidArgument)).toBe(
      "service: is required",
    );
  });

  it("refuses moving onto another service's target with ALREADY_EXISTS", async () => {
    const a = await tcpService(5000);
    const b = await tcpService(5001);
    expect(await refusalMessage(update(b.id, { port: 5000 }, ["port"]), Code.AlreadyExists)).toBe(
      `service 127.0.0.1:5000 is already registered as "${a.id}"`,
    );
    expect(m.registry.getService(b.id)!.port).toBe(5001);
  });

  it("concurrent updates of one service each apply to the result of the one before (none is lost)", async () => {
    const service = await tcpService();
    await Promise.all([
      update(service.id, { displayName: "renamed" }, ["display_name"]),
      update(service.id, { checkInterval: s(7) }, ["check_interval"]),
      update(service.id, { probe: { case: "tcp", value: { closeMode: TcpCloseMode.FIN } } }, ["tcp.close_mode"]),
    ]);
    expect(m.registry.getService(service.id)).toMatchObject({
      displayName: "renamed",
      checkIntervalMs: 7000,
      probe: { kind: "tcp", closeMode: "fin" },
    });
  });

  it("keeps a paused service paused (only ResumeService resumes)", async () => {
    const service = await tcpService();
    await m.management.pauseService({ serviceId: service.id });
    const { service: updated } = await update(service.id, { displayName: "still paused" }, ["display_name", "paused"]);
    expect(updated).toMatchObject({ displayName: "still paused", paused: true });
  });
});

describe("PauseService / ResumeService", () => {
  it("pauses and resumes, each once per subscriber on the Watch stream; repeating either changes nothing", async () => {
    const service = await tcpService();
    m.answers.set(5000, "up");
    const stream = await watchAs(service.id);
    await m.time.advance(0);
    const pausedAt = m.clock.now();
    const { service: paused } = await m.management.pauseService({ serviceId: service.id });
    expect(paused).toMatchObject({ paused: true });
    expect(timestampMs(paused!.pauseTime!)).toBe(pausedAt);
    expect(paused!.state!.nextCheckTime).toBeUndefined();
    await m.time.advance(1000);
    const { service: again } = await m.management.pauseService({ serviceId: service.id });
    expect(timestampMs(again!.pauseTime!)).toBe(pausedAt);
    const got = (await m.management.getService({ serviceId: service.id })).service!;
    expect(got.paused).toBe(true);

    // Nothing is checked or announced while paused.
    const probesBefore = m.probes.length;
    m.answers.set(5000, "connection refused");
    await m.time.advance(10_000);
    expect(m.probes.length).toBe(probesBefore);

    const { service: resumed } = await m.management.resumeService({ serviceId: service.id });
    expect(resumed).toMatchObject({ paused: false });
    expect(resumed!.pauseTime).toBeUndefined();
    await m.management.resumeService({ serviceId: service.id });
    await m.time.advance(1000);

    const kinds = stream.events.map((e) => e.event.case);
    expect(kinds).toEqual(["statusChange", "servicePaused", "serviceResumed", "statusChange"]);
    const [, p, r] = stream.events;
    expect(p!.event.case === "servicePaused" && p!.event.value.serviceId).toBe(service.id);
    expect(r!.event.case === "serviceResumed" && r!.event.value.serviceId).toBe(service.id);
    expect(stream.changes().at(-1)!.status).toBe(ServiceStatus.DOWN);
    expect(stream.events.map((e) => Number(e.sequence))).toEqual([1, 2, 3, 4]);
    await stream.stop();
  });

  it("shows paused in a Watch snapshot", async () => {
    const service = await tcpService();
    await m.management.registerCaller({ callerId: "bot" });
    await m.management.subscribe({ callerId: "bot", serviceId: service.id });
    await m.management.pauseService({ serviceId: service.id });
    for await (const res of m.watch.watch({ callerId: "bot" })) {
      expect(res.event.case).toBe("snapshot");
      const entry = res.event.case === "snapshot" ? res.event.value.subscriptions[0] : undefined;
      expect(entry).toMatchObject({ serviceId: service.id, paused: true, url: "" });
      break;
    }
  });

  it("NOT_FOUND for an unknown id, INVALID_ARGUMENT for an empty one", async () => {
    expect(await refusalMessage(m.management.pauseService({ serviceId: "svc_x" }), Code.NotFound)).toBe('service "svc_x" not found');
    expect(await refusalMessage(m.management.resumeService({ serviceId: "svc_x" }), Code.NotFound)).toBe('service "svc_x" not found');
    expect(await refusalMessage(m.management.pauseService({}), Code.InvalidArgument)).toBe("service_id: must not be empty");
  });
});
