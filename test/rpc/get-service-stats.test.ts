import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GetServiceStatsRequestSchema } from "../../sdk/gen/monitor/v1/management_service_pb.js";
import { ServiceStatus } from "../../sdk/gen/monitor/v1/resources_pb.js";
import type { ServiceStats } from "../../server/domain/history-types.js";
import { emptyStats } from "../support/fake-history-queries.js";
import { createInMemoryMonitor, type InMemoryMonitor } from "../support/in-memory-monitor.js";
import { refusalText } from "../support/refusal.js";


const MIN = 60_000;
const DAY = 86_400_000;
/** Exact (protobuf-es's durationMs rounds to whole ms). */
const ms = (d: { seconds: bigint; nanos: number } | undefined) => (d === undefined ? undefined : Number(d.seconds) * 1000 + d.nanos / 1e6);

let m: InMemoryMonitor;
let serviceId: string;
let now: number;
beforeEach(async () => {
  m = await createInMemoryMonitor();
  const { service } = await m.management.registerService({ host: "db.internal", port: 5432 });
  serviceId = service!.id;
  now = m.clock.now();
});
afterEach(() => m.close());

describe("GetServiceStats: the window", () => {
  const asked = () => m.fakeHistory.queries.map((q) => q.query);

  it("none given: the last 24 hours", async () => {
    await m.management.getServiceStats({ serviceId });
    expect(asked()).toEqual([{ serviceId, startMs: now - DAY, endMs: now }]);
  });

  it("window: ending now, from a minute to two years", async () => {
    for (const w of [MIN, 90 * MIN, 730 * DAY]) await m.management.getServiceStats({ serviceId, window: durationFromMs(w) });
    expect(asked()).toEqual([
      { serviceId, startMs: now - MIN, endMs: now },
      { serviceId, startMs: now - 90 * MIN, endMs: now },
      { serviceId, startMs: now - 730 * DAY, endMs: now },
    ]);
  });

  it("start_time with or without end_time; an end in the future is now; a start older than two years is fine", async () => {
    await m.management.getServiceStats({ serviceId, startTime: timestampFromMs(now - 3 * 365 * DAY) });
    await m.management.getServiceStats({ serviceId, startTime: timestampFromMs(now - 5000), endTime: timestampFromMs(now - 1000) });
    await m.management.getServiceStats({ serviceId, startTime: timestampFromMs(now - 5000), endTime: timestampFromMs(now + DAY) });
    expect(asked()).toEqual([
      { serviceId, startMs: now - 3 * 365 * DAY, endMs: now },
      { serviceId, startMs: now - 5000, endMs: now - 1000 },
      { serviceId, startMs: now - 5000, endMs: now },
    ]);
  });

  it.each([
    [{ serviceId: "" }, "InvalidArgument: service_id: must not be empty"],
    [{ window: durationFromMs(59_999) }, "InvalidArgument: window: must be between 1 minute and 2 years (730 days), got 59999ms"],
    [{ window: durationFromMs(0) }, "InvalidArgument: window: must be between 1 minute and 2 years (730 days), got 0ms"],
    [{ window: durationFromMs(730 * DAY + 1000) }, "InvalidArgument: window: must be between 1 minute and 2 years (730 days), got 63072001s"],
    [{ window: { seconds: 60n, nanos: 1_000_000_000 } }, "InvalidArgument: window: nanos must be within ±999,999,999"],
    [{ window: durationFromMs(MIN), startTime: timestampFromMs(1000) }, "InvalidArgument: window: give either window or start_time and end_time, not both"],
    [{ window: durationFromMs(MIN), endTime: timestampFromMs(1000) }, "InvalidArgument: window: give either window or start_time and end_time, not both"],
    [{ endTime: timestampFromMs(1000) }, "InvalidArgument: end_time: needs start_time (or give window instead)"],
    [{ startTime: timestampFromMs(5000), endTime: timestampFromMs(5000) }, "InvalidArgument: end_time: must be after start_time"],
    [{ startTime: { seconds: 5n, nanos: -3 } }, "InvalidArgument: start_time: nanos must be within 0..999,999,999"],
    [{ serviceId: "svc_gone" }, 'NotFound: service "svc_gone" not found'],
  ])("refuses %o", async (fields, message) => {
    const req = create(GetServiceStatsRequestSchema, { serviceId, ...fields });
    expect(await refusalText(m.management.getServiceStats(req))).toBe(message);
    expect(asked()).toEqual([]);
  });

  it("refuses a start_time that is not in the past", async () => {
    for (const startTime of [timestampFromMs(now), timestampFromMs(now + 1000)]) {
      expect(await refusalText(m.management.getServiceStats({ serviceId, startTime }))).toBe("InvalidArgument: start_time: must be in the past");
    }
  });
});

describe("GetServiceStats: mapping", () => {
  it("maps every field; durations of the streak are as of now", async () => {
    const stats: ServiceStats = {
      serviceId,
      startMs: now - 2 * 3_600_000,
      endMs: now,
      availability: 0.9875,
      upMs: 6_000_000.5,
      downMs: 90_000,
      excludedMs: 600_000,
      unknownMs: 509_999.5,
      checks: 240,
      upChecks: 237,
      downChecks: 3,
      outageChecks: 20,
      latency: { meanMs: 1.25, p50Ms: 1.0, p95Ms: 3.5, p99Ms: 8.125, minMs: 0.25, maxMs: 12 },
      statusCodes: [
        { code: 200, count: 230 },
        { code: 503, count: 3 },
      ],
      incidents: 2,
      currentStreak: { status: "up", sinceMs: now - 30_000, paused: false, lastFailure: { startMs: now - 120_000, endMs: now - 30_000 } },
      bucketWidthMs: 10 * MIN,
      buckets: [
        { startMs: now - 2 * 3_600_000, availability: 1, checks: 20, upChecks: 20, downChecks: 0, downMs: 0, latencyP95Ms: 2, latencyMeanMs: 1.5 },
        { startMs: now - 110 * MIN, availability: undefined, checks: 0, upChecks: 0, downChecks: 0, downMs: 0, latencyP95Ms: undefined, latencyMeanMs: undefined },
      ],
    };
    m.fakeHistory.setStats(() => stats);
    const res = (await m.management.getServiceStats({ serviceId, window: durationFromMs(2 * 3_600_000) })).stats!;
    expect(res.serviceId).toBe(serviceId);
    expect(timestampMs(res.startTime!)).toBe(stats.startMs);
    expect(timestampMs(res.endTime!)).toBe(now);
    expect(res.availability).toBe(0.9875);
    expect([res.upTime, res.downTime, res.excludedTime, res.unknownTime].map(ms)).toEqual([6_000_000.5, 90_000, 600_000, 509_999.5]);
    expect([res.checks, res.upChecks, res.downChecks, res.checksInPlannedOutage]).toEqual([240n, 237n, 3n, 20n]);
    const l = res.latency!;
    expect([l.mean, l.p50, l.p95, l.p99, l.min, l.max].map(ms)).toEqual([1.25, 1, 3.5, 8.125, 0.25, 12]);
    expect(res.statusCodes.map((c) => [c.statusCode, c.count])).toEqual([
      [200, 230n],
      [503, 3n],
    ]);
    expect(res.incidents).toBe(2);
    const streak = res.currentStreak!;
    expect(streak.status).toBe(ServiceStatus.UP);
    expect(timestampMs(streak.sinceTime!)).toBe(now - 30_000);
    expect(ms(streak.duration)).toBe(30_000);
    expect(timestampMs(streak.lastFailureTime!)).toBe(now - 120_000);
    expect(timestampMs(streak.lastFailureEndTime!)).toBe(now - 30_000);
    expect(ms(streak.timeSinceLastFailure)).toBe(30_000);
    expect(streak.paused).toBe(false);
    expect(ms(res.bucketWidth)).toBe(10 * MIN);
    const [full, empty] = res.buckets;
    expect(timestampMs(full!.startTime!)).toBe(now - 2 * 3_600_000);
    expect([full!.availability, full!.checks, full!.upChecks, full!.downChecks, ms(full!.downTime), ms(full!.latencyP95), ms(full!.latencyMean)]).toEqual([
      1, 20n, 20n, 0n, 0, 2, 1.5,
    ]);
    expect([empty!.availability, empty!.latencyP95, empty!.latencyMean]).toEqual([undefined, undefined, undefined]);
  });

  it("leaves availability, latency and the streak's times unset when the history has none; a failure going on has 0 since it", async () => {
    m.fakeHistory.setStats((q) => emptyStats(q));
    const empty = (await m.management.getServiceStats({ serviceId })).stats!;
    expect(empty.availability).toBeUndefined();
    expect(empty.latency).toBeUndefined();
    expect(empty.currentStreak!.status).toBe(ServiceStatus.UNSPECIFIED);
    expect([empty.currentStreak!.sinceTime, empty.currentStreak!.duration, empty.currentStreak!.lastFailureTime]).toEqual([undefined, undefined, undefined]);
    expect(empty.currentStreak!.timeSinceLastFailure).toBeUndefined();

    m.fakeHistory.setStats((q) => ({
      ...emptyStats(q),
      availability: 0,
      currentStreak: { status: "down", sinceMs: now - 5000, paused: true, lastFailure: { startMs: now - 5000, endMs: undefined } },
    }));
    const down = (await m.management.getServiceStats({ serviceId })).stats!;
    expect(down.availability).toBe(0); // set, and 0: not the same as unset
    expect(down.currentStreak!.status).toBe(ServiceStatus.DOWN);
    expect(down.currentStreak!.paused).toBe(true);
    expect(ms(down.currentStreak!.timeSinceLastFailure)).toBe(0);
    expect(down.currentStreak!.lastFailureEndTime).toBeUndefined();
    expect(ms(down.currentStreak!.duration)).toBe(5000);
  });
});
