import { durationMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import type { CallerEvent } from "../../server/domain/types.js";
import { toWatchResponse } from "../../server/rpc/watch-to-proto.js";

/** The Watch mapping of issue 11's events and snapshot field, on the function the stream uses. */
describe("Watch: availability events and the snapshot's alert flag", () => {
  const event = (e: CallerEvent) => toWatchResponse({ kind: "event", event: { sequence: 7, timeMs: 5_000, callerId: "bot", event: e } });

  it.each([
    ["availability_alert", "availabilityAlert"],
    ["availability_recovered", "availabilityRecovered"],
  ] as const)("%s → %s with every field", (kind, wireCase) => {
    const res = event({ kind, serviceId: "svc_1", host: "example.test", port: 443, url: "https://example.test/health", availability: 0.75, threshold: 0.8, windowMs: 120_000 });
    expect(res.sequence).toBe(7n);
    expect(timestampMs(res.eventTime!)).toBe(5_000);
    expect(res.event.case).toBe(wireCase);
    if (res.event.case !== "availabilityAlert" && res.event.case !== "availabilityRecovered") throw new Error(res.event.case);
    const v = res.event.value;
    expect({ ...v, window: durationMs(v.window!) }).toMatchObject({
      serviceId: "svc_1",
      host: "example.test",
      port: 443,
      url: "https://example.test/health",
      availability: 0.75,
      threshold: 0.8,
      window: 120_000,
    });
  });

  it("a TCP service's event has an empty url", () => {
    const res = event({ kind: "availability_alert", serviceId: "svc_1", host: "127.0.0.1", port: 5432, availability: 0, threshold: 1, windowMs: 10_000 });
    expect(res.event.case === "availabilityAlert" && res.event.value.url).toBe("");
  });

  it("SubscriptionStatus.availability_alert follows Announced.alerting (absent: false)", () => {
    const entry = (alerting: boolean | undefined) => ({
      serviceId: `svc_${String(alerting)}`,
      host: "127.0.0.1",
      port: 1,
      paused: false,
      announced: { status: "up" as const, sinceMs: 1_000, ...(alerting === undefined ? {} : { alerting }) },
    });
    const res = toWatchResponse({ kind: "snapshot", sequence: 3, timeMs: 9_000, resync: false, subscriptions: [entry(true), entry(false), entry(undefined)] });
    expect(res.event.case).toBe("snapshot");
    const subs = res.event.case === "snapshot" ? res.event.value.subscriptions : [];
    expect(subs.map((s) => [s.serviceId, s.availabilityAlert])).toEqual([
      ["svc_true", true],
      ["svc_false", false],
      ["svc_undefined", false],
    ]);
  });
});
