import { durationMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ServiceStatus } from "../../sdk/gen/monitor/v1/resources_pb.js";
import type { HistoryRecord, Stored } from "../../server/domain/history-types.js";
import { createInMemoryMonitor, type InMemoryMonitor } from "../support/in-memory-monitor.js";

/** Exact (protobuf-es's durationMs rounds to whole ms). */
const ms = (d: { seconds: bigint; nanos: number } | undefined) => (d === undefined ? undefined : Number(d.seconds) * 1000 + d.nanos / 1e6);
const at = (t: { seconds: bigint; nanos: number }) => ms(t)!;

let m: InMemoryMonitor;
let serviceId: string;
beforeEach(async () => {
  m = await createInMemoryMonitor();
  const { service } = await m.management.registerService({ host: "db.internal", port: 5432 });
  serviceId = service!.id;
});
afterEach(() => m.close());

describe("ListCheckResults: mapping", () => {
  it("a TCP check, an HTTP check with every detail, a check in an outage, a pause marker", async () => {
    const base = { serviceId, latencyMs: 0, detail: "", inOutage: false, maxSpanMs: 60_000 };
    const rows: Stored<HistoryRecord>[] = [
      { ...base, id: 1, kind: "check", at: 1_000, status: "up", latencyMs: 1.234567 },
      {
        ...base,
        id: 2,
        kind: "check",
        at: 2_000,
        status: "down",
        latencyMs: 250.5,
        detail: "status 503 not in 200-399",
        http: {
          statusCode: 503,
          phases: { dnsMs: 0.5, connectMs: 1, tlsMs: 2.25, firstByteMs: 200, totalMs: 250.5 },
          tlsExpiresAt: Date.parse("2027-01-01T00:00:00Z"),
          captures: ["v1", null],
          namedCaptures: { version: "v1", build: null },
        },
      },
      { ...base, id: 3, kind: "check", at: 3_000, status: "down", detail: "connection refused", inOutage: true },
      { id: 4, kind: "pause", serviceId, at: 4_000.5 },
    ];
    m.fakeHistory.checkResults.push(...rows);
    const { results } = await m.management.listCheckResults({ serviceId });
    const [paused, outage, http, tcp] = results;

    expect(timestampMs(tcp!.checkTime!)).toBe(1_000);
    expect(tcp!.status).toBe(ServiceStatus.UP);
    expect(ms(tcp!.latency)).toBeCloseTo(1.234567, 6);
    expect([tcp!.detail, tcp!.inPlannedOutage, tcp!.paused, tcp!.http]).toEqual(["", false, false, undefined]);

    expect(http!.status).toBe(ServiceStatus.DOWN);
    expect(http!.detail).toBe("status 503 not in 200-399");
    const h = http!.http!;
    expect(h.statusCode).toBe(503);
    expect([h.dns, h.connect, h.tls, h.firstByte, h.total].map(ms)).toEqual([0.5, 1, 2.25, 200, 250.5]);
    expect(timestampMs(h.tlsExpireTime!)).toBe(Date.parse("2027-01-01T00:00:00Z"));
    expect(h.captures).toEqual(["v1", ""]);
    expect(h.namedCaptures).toEqual({ version: "v1", build: "" });

    expect(outage!.inPlannedOutage).toBe(true);
    expect(outage!.detail).toBe("connection refused");

    expect(at(paused!.checkTime!)).toBe(4_000.5);
    expect(paused!.status).toBe(ServiceStatus.UNSPECIFIED);
    expect(paused!.paused).toBe(true);
    expect(paused!.detail).toBe("paused");
    expect([paused!.latency, paused!.http, paused!.inPlannedOutage]).toEqual([undefined, undefined, false]);
  });
});

describe("ListStatusChanges: mapping", () => {
  it("maps time, both statuses, detail, how long it lasted and whether it goes on", async () => {
    m.fakeHistory.statusChanges.push(
      { change: { id: 1, serviceId, at: 1_000, previous: "unknown", status: "up", detail: "" }, durationMs: 9_000, ongoing: false },
      { change: { id: 5, serviceId, at: 10_000, previous: "up", status: "down", detail: "connection refused" }, durationMs: 1_500.25, ongoing: true },
    );
    const { changes, nextPageToken } = await m.management.listStatusChanges({ serviceId });
    expect(nextPageToken).toBe("");
    expect(
      changes.map((c) => ({
        at: timestampMs(c.changeTime!),
        previous: ServiceStatus[c.previousStatus],
        status: ServiceStatus[c.status],
        detail: c.detail,
        durationMs: ms(c.duration),
        ongoing: c.ongoing,
      })),
    ).toEqual([
      { at: 10_000, previous: "UP", status: "DOWN", detail: "connection refused", durationMs: 1_500.25, ongoing: true },
      { at: 1_000, previous: "UNSPECIFIED", status: "UP", detail: "", durationMs: 9_000, ongoing: false },
    ]);
    expect(durationMs(changes[1]!.duration!)).toBe(9_000);
  });
});
