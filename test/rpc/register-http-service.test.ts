import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { type Duration, timestampMs } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RegisterServiceRequestSchema } from "../../sdk/gen/monitor/v1/management_service_pb.js";
import { type HttpProbe, HttpProbeSchema, ServiceStatus } from "../../sdk/gen/monitor/v1/resources_pb.js";
import { createInMemoryMonitor, type InMemoryMonitor } from "../support/in-memory-monitor.js";
import { refusalOf } from "../support/refusal.js";

/** RegisterService / GetService with `http`: defaults filled in, every rule of issue 10 item 9 over the transport. */

let m: InMemoryMonitor;
beforeEach(async () => {
  m = await createInMemoryMonitor();
});
afterEach(async () => {
  await m.close();
});

type HttpInit = MessageInitShape<typeof RegisterServiceRequestSchema>;
function http(value: MessageInitShape<typeof HttpProbeSchema>, extra: HttpInit = {}): HttpInit {
  const probe = create(HttpProbeSchema, value);
  if (probe.url === "" && !("url" in value)) probe.url = "http://127.0.0.1:8080/health";
  return { ...extra, probe: { case: "http", value: probe } };
}


describe("RegisterService with http", () => {
  it("stores and answers the probe fully defaulted; host and port are the URL's", async () => {
    const { service } = await m.management.registerService(http({ url: "https://Web.Example/health#x" }, { displayName: "web" }));
    expect(service).toMatchObject({ host: "web.example", port: 443, displayName: "web", paused: false });
    expect(service!.probe.case).toBe("http");
    const probe = service!.probe.value as HttpProbe;
    expect(probe).toMatchObject({
      url: "https://web.example/health",
      method: "GET",
      headers: {},
      body: new Uint8Array(),
      bodyRegex: "",
      bodyKeyword: "",
      invertBodyMatch: false,
      maxRedirects: 10,
      skipTlsVerify: false,
    });
    expect(probe.acceptedStatuses.map(({ min, max }) => [min, max])).toEqual([[200, 399]]);
    expect(m.registry.getService(service!.id)).toMatchObject({
      host: "web.example",
      port: 443,
      probe: { kind: "http", url: "https://web.example/health", method: "GET", maxRedirects: 10 },
    });
    const { service: got } = await m.management.getService({ serviceId: service!.id });
    expect(got!.probe).toEqual(service!.probe);
  });

  it("keeps every setting given (method in any case, stored upper case)", async () => {
    const { service } = await m.management.registerService(
      http({
        url: "http://[::1]:9000/hook",
        method: "post",
        headers: { "X-Token": "secret" },
        body: new TextEncoder().encode("{}"),
        acceptedStatuses: [{ min: 200, max: 204 }, { min: 418, max: 0 }],
        bodyRegex: "(?P<state>ok|degraded)",
        invertBodyMatch: true,
        maxRedirects: 0,
        skipTlsVerify: true,
      }),
    );
    expect(service).toMatchObject({ host: "::1", port: 9000 });
    const probe = service!.probe.value as HttpProbe;
    expect(probe).toMatchObject({
      method: "POST",
      headers: { "X-Token": "secret" },
      body: new TextEncoder().encode("{}"),
      bodyRegex: "(?P<state>ok|degraded)",
      invertBodyMatch: true,
      maxRedirects: 0,
      skipTlsVerify: true,
    });
    expect(probe.acceptedStatuses.map(({ min, max }) => [min, max])).toEqual([
      [200, 204],
      [418, 418],
    ]);
  });

  it("refuses the same method and URL twice (ALREADY_EXISTS); another method, or TCP on the same port, is another target", async () => {
    const { service } = await m.management.registerService(http({ url: "http://127.0.0.1:8080/health" }));
    const again = await refusalOf(m.management.registerService(http({ url: "HTTP://127.0.0.1:8080/health", method: "get" })));
    expect(again.code).toBe(Code.AlreadyExists);
    expect(again.rawMessage).toBe(`service http://127.0.0.1:8080/health is already registered as "${service!.id}"`);
    await m.management.registerService(http({ url: "http://127.0.0.1:8080/health", method: "HEAD" }));
    await m.management.registerService({ host: "127.0.0.1", port: 8080 });
    expect(m.registry.listServices()).toHaveLength(3);
  });

  it("shows the last check's HTTP details in ServiceState", async () => {
    const { service } = await m.management.registerService(http({ bodyRegex: "(a)(b)?(?P<n>c)" }));
    m.answers.set(8080, {
      status: "down",
      latencyMs: 12.5,
      detail: "status 503 not in 200–399",
      http: {
        statusCode: 503,
        phases: { dnsMs: 0, connectMs: 1.25, tlsMs: 2, firstByteMs: 3.5, totalMs: 12.5 },
        tlsExpiresAt: Date.parse("2027-01-01T00:00:00Z"),
        captures: ["a", null, "c"],
        namedCaptures: { n: "c" },
      },
    });
    await m.time.advance(0);
    const state = (await m.management.getService({ serviceId: service!.id })).service!.state!;
    expect(state.status).toBe(ServiceStatus.DOWN);
    expect(state.detail).toBe("status 503 not in 200–399");
    const h = state.http!;
    expect(h.statusCode).toBe(503);
    // durationMs rounds to whole ms; the nanos keep the fraction.
    const ms = (d: Duration | undefined) => Number(d!.seconds) * 1000 + d!.nanos / 1e6;
    expect([h.dns, h.connect, h.tls, h.firstByte, h.total].map(ms)).toEqual([0, 1.25, 2, 3.5, 12.5]);
    expect(timestampMs(h.tlsExpireTime!)).toBe(Date.parse("2027-01-01T00:00:00Z"));
    expect(h.captures).toEqual(["a", "", "c"]);
    expect(h.namedCaptures).toEqual({ n: "c" });
  });

  it("leaves ServiceState.http unset for a TCP service and before the first check", async () => {
    const { service: web } = await m.management.registerService(http({}));
    expect(web!.state!.http).toBeUndefined();
    m.answers.set(5432, "up");
    const { service: db } = await m.management.registerService({ host: "127.0.0.1", port: 5432 });
    await m.time.advance(0);
    expect((await m.management.getService({ serviceId: db!.id })).service!.state!.http).toBeUndefined();
  });

  // One case per rule of issue 10 item 9 (test/unit/http-probe-rules.test.ts has the edges).
  it.each<[string, HttpInit, string]>([
    ["not http(s)", http({ url: "ftp://127.0.0.1/" }), "http.url: must be an absolute http:// or https:// URL"],
    ["relative URL", http({ url: "/health" }), "http.url: must be an absolute"],
    ["user:password", http({ url: "http://u:p@127.0.0.1/" }), "http.url: must not contain user:password"],
    ["URL too long", http({ url: `http://a.test/${"x".repeat(2040)}` }), "http.url: must be at most 2048 characters"],
    ["invalid host", http({ url: "http://bad_host.test/" }), 'http.url: "bad_host.test" is neither a valid hostname nor an IP address'],
    ["method", http({ method: "DELETE" }), 'http.method: must be GET, HEAD or POST, got "DELETE"'],
    ["header name", http({ headers: { "bad name": "x" } }), 'http.headers: "bad name" is not a valid header name'],
    ["header value", http({ headers: { "X-A": "a\r\nb" } }), 'http.headers["X-A"]: must be visible ASCII'],
    ["too many headers", http({ headers: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`x-${i}`, ""])) }), "http.headers: at most 32 headers, got 33"],
    ["headers over 8 KiB", http({ headers: { "x-a": "v".repeat(8190) } }), "http.headers: must be at most 8192 bytes"],
    ["Host header", http({ headers: { Host: "x" } }), 'http.headers: "Host" is set by the check itself'],
    ["body over 16 KiB", http({ method: "POST", body: new Uint8Array(16385) }), "http.body: must be at most 16384 bytes, got 16385"],
    ["body on GET", http({ body: new Uint8Array([1]) }), "http.body: may only be sent with POST, method is GET"],
    ["status out of 100–599", http({ acceptedStatuses: [{ min: 99, max: 0 }] }), "http.accepted_statuses[0].min: must be between 100 and 599, got 99"],
    ["status reversed", http({ acceptedStatuses: [{ min: 299, max: 200 }] }), "http.accepted_statuses[0].max: must be 0 (min alone) or between min (299) and 599, got 200"],
    ["17 status ranges", http({ acceptedStatuses: Array.from({ length: 17 }, () => ({ min: 200, max: 0 })) }), "http.accepted_statuses: at most 16 ranges, got 17"],
    ["regex does not compile", http({ bodyRegex: "(unclosed" }), 'http.body_regex: does not compile (RE2 syntax): "missing closing ): `(unclosed`"'],
    ["regex too long", http({ bodyRegex: "a".repeat(1025) }), "http.body_regex: must be at most 1024 characters, got 1025"],
    ["regex and keyword", http({ bodyRegex: "ok", bodyKeyword: "ok" }), "http.body_keyword: must be empty when http.body_regex is set"],
    ["max_redirects over 20", http({ maxRedirects: 21 }), "http.max_redirects: must be between 0 and 20, got 21"],
    ["host beside http", http({}, { host: "127.0.0.1" }), "host: must be empty with http; the URL names the host"],
    ["port beside http", http({}, { port: 8080 }), "port: must be 0 with http; the URL names the port"],
  ])("refuses %s with INVALID_ARGUMENT naming the field", async (_rule, req, message) => {
    const error = await refusalOf(m.management.registerService(req));
    expect(Code[error.code]).toBe(Code[Code.InvalidArgument]);
    expect(error.rawMessage.startsWith(message), error.rawMessage).toBe(true);
    expect(m.registry.listServices()).toHaveLength(0);
  });
});

describe("Watch with an HTTP service", () => {
  it("a status change carries the URL and what the deciding check saw; a snapshot, the URL", async () => {
    const { service } = await m.management.registerService(http({ url: "https://web.example:8443/health" }));
    await m.management.registerCaller({ callerId: "bot" });
    await m.management.subscribe({ callerId: "bot", serviceId: service!.id });
    m.answers.set(8443, {
      status: "down",
      latencyMs: 4,
      detail: "body does not match /ok/",
      http: {
        statusCode: 200,
        phases: { dnsMs: 0.5, connectMs: 1, tlsMs: 1.5, firstByteMs: 0.5, totalMs: 4 },
        tlsExpiresAt: undefined,
        captures: [],
        namedCaptures: {},
      },
    });
    await m.time.advance(0);
    const seen = [];
    for await (const res of m.watch.watch({ callerId: "bot", replayFromStart: true })) {
      seen.push(res);
      break;
    }
    const change = seen[0]!.event;
    expect(change.case).toBe("statusChange");
    if (change.case !== "statusChange") return;
    expect(change.value).toMatchObject({
      serviceId: service!.id,
      host: "web.example",
      port: 8443,
      url: "https://web.example:8443/health",
      status: ServiceStatus.DOWN,
      detail: "body does not match /ok/",
    });
    expect(change.value.http).toMatchObject({ statusCode: 200, captures: [] });
    expect(change.value.http!.tlsExpireTime).toBeUndefined();
    expect(change.value.http!.total!.nanos).toBe(4_000_000);

    for await (const res of m.watch.watch({ callerId: "bot" })) {
      expect(res.event.case === "snapshot" && res.event.value.subscriptions[0]).toMatchObject({
        url: "https://web.example:8443/health",
        paused: false,
        status: ServiceStatus.DOWN,
      });
      break;
    }
  });
});
