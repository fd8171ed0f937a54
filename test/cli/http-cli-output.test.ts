import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { formatServiceDetail } from "../../sdk/cli/format-service-detail.js";
import { createPaint } from "../../sdk/cli/format-values.js";
import { formatWatchEvent } from "../../sdk/cli/format-watch-event.js";
import { formatServiceList } from "../../sdk/cli/service-commands.js";
import { ServiceSchema, ServiceStatus, TcpCloseMode } from "../../sdk/gen/monitor/v1/resources_pb.js";
import { WatchResponseSchema } from "../../sdk/gen/monitor/v1/watch_service_pb.js";

/** What monitorctl prints for HTTP checks and paused services: ls, get, watch. */

const paint = createPaint(false);
const now = Date.parse("2026-11-23T12:00:00Z");
const at = (msAgo: number) => timestampFromMs(now - msAgo);

const web = create(ServiceSchema, {
  id: "svc_web",
  displayName: "web",
  host: "example.test",
  port: 443,
  checkInterval: durationFromMs(30_000),
  checkTimeout: durationFromMs(2_000),
  createTime: at(3_600_000),
  probe: {
    case: "http",
    value: {
      url: "https://example.test/health",
      method: "POST",
      headers: { Authorization: "Bearer x", "X-Probe": "1" },
      body: new TextEncoder().encode('{"ping":1}'),
      acceptedStatuses: [{ min: 200, max: 299 }, { min: 304, max: 304 }],
      bodyRegex: "status: (?P<state>\\w+) v(\\d+)",
      maxRedirects: 10,
    },
  },
  state: {
    status: ServiceStatus.DOWN,
    sinceTime: at(12_000),
    lastCheckTime: at(1_000),
    lastLatency: durationFromMs(41.5),
    detail: "status 503 not in 200–299, 304",
    effectiveInterval: durationFromMs(5_000),
    nextCheckTime: timestampFromMs(now + 4_000),
    http: {
      statusCode: 503,
      dns: durationFromMs(0.5),
      connect: durationFromMs(1.25),
      tls: durationFromMs(12),
      firstByte: durationFromMs(20),
      total: durationFromMs(41.5),
      tlsExpireTime: timestampFromMs(now + 90 * 86_400_000),
      captures: ["degraded", "2"],
      namedCaptures: { state: "degraded" },
    },
  },
});

const db = create(ServiceSchema, {
  id: "svc_db",
  host: "::1",
  port: 5432,
  checkInterval: durationFromMs(30_000),
  checkTimeout: durationFromMs(500),
  createTime: at(60_000),
  probe: { case: "tcp", value: { closeMode: TcpCloseMode.RESET } },
  paused: true,
  pauseTime: at(30_000),
  state: { status: ServiceStatus.UP, sinceTime: at(50_000), lastCheckTime: at(31_000), lastLatency: durationFromMs(0.25), effectiveInterval: durationFromMs(30_000) },
});

describe("services ls", () => {
  it("shows an HTTP check's URL and last status code, and PAUSED for a paused service", () => {
    expect(formatServiceList({ paint }, [web, db])).toBe(
      "ID       NAME  ADDRESS                      INTERVAL  TIMEOUT  CLOSE  STATUS\n" +
        "svc_web  web   https://example.test/health  30s       2s       -      DOWN (HTTP 503)\n" +
        "svc_db   -     [::1]:5432                   30s       500ms    reset  PAUSED\n",
    );
  });
});

describe("services get", () => {
  it("an HTTP check: the request, what counts as up, and the last response's code, phases, TLS expiry and captures", () => {
    expect(formatServiceDetail(web, paint, now)).toBe(
      [
        "ID:              svc_web",
        "Name:            web",
        "Check:           HTTP POST https://example.test/health",
        "Expect:          200-299,304",
        "Body check:      up if the body matches /status: (?P<state>\\w+) v(\\d+)/",
        "Headers:         Authorization: Bearer x",
        "                 X-Probe: 1",
        'Request body:    10 bytes: "{\\"ping\\":1}"',
        "Redirects:       followed, at most 10",
        "TLS verify:      on",
        "Interval:        30s",
        "Timeout:         2s",
        "Created:         2026-11-23T11:00:00.000Z (1h ago)",
        "Paused:          no",
        "Status:          DOWN (HTTP 503) since 2026-11-23T11:59:48.000Z (12s ago)",
        "Last check:      2026-11-23T11:59:59.000Z (1s ago), took 42ms",
        "Detail:          status 503 not in 200–299, 304",
        "Checked every:   5s",
        "Next check:      in 4s",
        "HTTP status:     503",
        "Phases:          dns 0.50ms  connect 1.25ms  tls 12ms  first byte 20ms  total 42ms",
        "TLS expires:     2027-02-21T12:00:00.000Z (in 90d 0h)",
        'Captures:        1: "degraded"  2: "2"',
        'Named captures:  state: "degraded"',
        "",
      ].join("\n"),
    );
  });

  it("a paused TCP check, and the body check's inverted and keyword forms", () => {
    const text = formatServiceDetail(db, paint, now);
    expect(text).toContain("Check:          TCP connect to [::1]:5432, closed with reset\n");
    expect(text).toContain("Paused:         since 2026-11-23T11:59:30.000Z (30s ago)\n");
    expect(text).toContain("Status:         PAUSED since 2026-11-23T11:59:10.000Z (50s ago)\n");
    expect(text).not.toContain("HTTP");
    const keyword = create(ServiceSchema, {
      id: "svc_kw",
      probe: { case: "http", value: { url: "http://x.test/", bodyKeyword: "ok", invertBodyMatch: true, maxRedirects: 0, skipTlsVerify: true } },
    });
    const lines = formatServiceDetail(keyword, paint, now);
    expect(lines).toMatch(/^Body check: +up if the body does not contain "ok"$/m);
    expect(lines).toMatch(/^Redirects: +not followed$/m);
    expect(lines).toMatch(/^TLS verify: +off \(any certificate is accepted\)$/m);
    expect(lines).toMatch(/^Expect: +200-399$/m);
    expect(lines).toMatch(/^Check: +HTTP GET http:\/\/x\.test\/$/m);
    expect(lines).toMatch(/^Status: +UNKNOWN$/m);
  });
});

describe("watch", () => {
  const event = (sequence: number, e: Parameters<typeof create<typeof WatchResponseSchema>>[1] extends infer I ? I : never) =>
    create(WatchResponseSchema, { sequence: BigInt(sequence), eventTime: timestampFromMs(now), ...(e as object) });

  it("prints ServicePaused and ServiceResumed, and an HTTP change's URL and status code", () => {
    expect(formatWatchEvent(event(8, { event: { case: "servicePaused", value: { serviceId: "svc_web" } } }), paint)).toBe(
      "2026-11-23T12:00:00.000Z  #8  PAUSED  svc_web  not checked until resumed\n",
    );
    expect(formatWatchEvent(event(9, { event: { case: "serviceResumed", value: { serviceId: "svc_web" } } }), paint)).toBe(
      "2026-11-23T12:00:00.000Z  #9  RESUMED  svc_web  checked again from a fresh start\n",
    );
    const down = event(10, {
      event: {
        case: "statusChange",
        value: {
          serviceId: "svc_web",
          host: "example.test",
          port: 443,
          url: "https://example.test/health",
          previousStatus: ServiceStatus.UP,
          status: ServiceStatus.DOWN,
          sinceTime: at(3_000),
          detail: "status 503 not in 200–399",
          http: { statusCode: 503 },
        },
      },
    });
    expect(formatWatchEvent(down, paint)).toBe(
      "2026-11-23T12:00:00.000Z  #10  DOWN  svc_web https://example.test/health  HTTP 503  was UP, since 2026-11-23T11:59:57.000Z  status 503 not in 200–399\n",
    );
    const timeout = event(11, {
      event: { case: "statusChange", value: { serviceId: "svc_web", url: "https://example.test/", status: ServiceStatus.DOWN, http: { statusCode: 0 }, detail: "timeout" } },
    });
    expect(formatWatchEvent(timeout, paint)).toContain("svc_web https://example.test/  no HTTP response  was UNKNOWN");
  });

  it("a snapshot names HTTP checks by URL and marks paused ones", () => {
    const snapshot = event(3, {
      event: {
        case: "snapshot",
        value: {
          subscriptions: [
            { serviceId: "svc_web", url: "https://example.test/health", host: "example.test", port: 443, status: ServiceStatus.UP, sinceTime: at(5_000), paused: true },
            { serviceId: "svc_new", url: "http://new.test/", status: ServiceStatus.UNSPECIFIED, paused: true },
          ],
        },
      },
    });
    expect(formatWatchEvent(snapshot, paint)).toBe(
      "2026-11-23T12:00:00.000Z  #3  snapshot: 2 subscriptions\n" +
        "    UP  svc_web https://example.test/health  since 2026-11-23T11:59:55.000Z  (paused)\n" +
        "    PENDING  svc_new http://new.test/  paused\n",
    );
  });
});
