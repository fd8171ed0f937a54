import { create } from "@bufbuild/protobuf";
import { durationFromMs, durationMs } from "@bufbuild/protobuf/wkt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SubscribeRequestSchema } from "../../sdk/gen/monitor/v1/management_service_pb.js";
import { createInMemoryMonitor, type InMemoryMonitor } from "../support/in-memory-monitor.js";
import { refusalText } from "../support/refusal.js";


let m: InMemoryMonitor;
let serviceId: string;
beforeEach(async () => {
  m = await createInMemoryMonitor();
  const { service } = await m.management.registerService({ host: "db.internal", port: 5432 });
  serviceId = service!.id;
  await m.management.registerCaller({ callerId: "bot" });
});
afterEach(() => m.close());

const subscribe = (rule?: { window?: ReturnType<typeof durationFromMs>; threshold?: number }) =>
  m.management.subscribe(create(SubscribeRequestSchema, { callerId: "bot", serviceId, ...(rule === undefined ? {} : { availabilityAlertRule: rule }) }));

/** The rule as the registry holds it and as Subscribe and ListSubscriptions answer it. */
async function ruleEverywhere() {
  const stored = m.registry.listSubscriptions({ callerId: "bot" })[0]?.availabilityAlert;
  const { subscriptions } = await m.management.listSubscriptions({ callerId: "bot" });
  const listed = subscriptions[0]?.availabilityAlertRule;
  return { stored, listed: listed === undefined ? undefined : { windowMs: durationMs(listed.window!), threshold: listed.threshold } };
}

describe("Subscribe: availability_alert_rule", () => {
  it("fills the defaults (window 2 min, threshold 0.8) for an empty rule, and stores it fully defaulted", async () => {
    const { subscription } = await subscribe({});
    expect(durationMs(subscription!.availabilityAlertRule!.window!)).toBe(120_000);
    expect(subscription!.availabilityAlertRule!.threshold).toBe(0.8);
    expect(await ruleEverywhere()).toEqual({ stored: { windowMs: 120_000, threshold: 0.8 }, listed: { windowMs: 120_000, threshold: 0.8 } });
  });

  it("a zero window takes the default too; given values are kept, at the limits included", async () => {
    for (const [rule, expected] of [
      [{ window: durationFromMs(0), threshold: 0.5 }, { windowMs: 120_000, threshold: 0.5 }],
      [{ window: durationFromMs(10_000), threshold: 1 }, { windowMs: 10_000, threshold: 1 }],
      [{ window: durationFromMs(86_400_000), threshold: 0.001 }, { windowMs: 86_400_000, threshold: 0.001 }],
      [{ window: durationFromMs(300_000) }, { windowMs: 300_000, threshold: 0.8 }],
    ] as const) {
      await subscribe(rule);
      expect(await ruleEverywhere(), JSON.stringify(expected)).toEqual({ stored: expected, listed: expected });
    }
  });

  it.each([
    [{ window: durationFromMs(9_999) }, "availability_alert_rule.window: must be between 10s and 24h, got 9999ms"],
    [{ window: durationFromMs(86_401_000) }, "availability_alert_rule.window: must be between 10s and 24h, got 86401s"],
    [{ window: durationFromMs(-10_000) }, "availability_alert_rule.window: must be between 10s and 24h, got -10s"],
    [{ window: { seconds: 10n, nanos: 1_000_000_000 } }, "availability_alert_rule.window: nanos must be within ±999,999,999"],
    [{ threshold: 1.0001 }, "availability_alert_rule.threshold: must be above 0 and at most 1, got 1.0001"],
    [{ threshold: -0.5 }, "availability_alert_rule.threshold: must be above 0 and at most 1, got -0.5"],
    [{ threshold: Number.NaN }, "availability_alert_rule.threshold: must be above 0 and at most 1, got NaN"],
    [{ threshold: Number.POSITIVE_INFINITY }, "availability_alert_rule.threshold: must be above 0 and at most 1, got Infinity"],
  ])("refuses %o, naming the field, and keeps nothing", async (rule, message) => {
    expect(await refusalText(subscribe(rule as never))).toBe(`InvalidArgument: ${message}`);
    expect(m.registry.listSubscriptions({ callerId: "bot" })).toEqual([]);
  });

  it("refuses a bad rule before an unknown service", async () => {
    const req = create(SubscribeRequestSchema, { callerId: "bot", serviceId: "svc_gone", availabilityAlertRule: { threshold: 2 } });
    expect(await refusalText(m.management.subscribe(req))).toMatch(/^InvalidArgument: availability_alert_rule\.threshold/);
  });

  it("no rule: none stored or shown; subscribing again without one removes a rule set before", async () => {
    const plain = await subscribe();
    expect(plain.subscription!.availabilityAlertRule).toBeUndefined();
    expect(await ruleEverywhere()).toEqual({ stored: undefined, listed: undefined });
    await subscribe({ threshold: 0.9 });
    expect((await ruleEverywhere()).stored).toEqual({ windowMs: 120_000, threshold: 0.9 });
    const again = await subscribe();
    expect(again.subscription!.availabilityAlertRule).toBeUndefined();
    expect(await ruleEverywhere()).toEqual({ stored: undefined, listed: undefined });
    // And it is gone from the store too, not just from memory.
    const loaded = await m.store.load();
    expect(loaded.subscriptions.find((s) => s.callerId === "bot")?.availabilityAlert).toBeUndefined();
  });

  it("the rule survives in the store", async () => {
    await subscribe({ window: durationFromMs(60_000), threshold: 0.95 });
    const loaded = await m.store.load();
    expect(loaded.subscriptions.find((s) => s.callerId === "bot")?.availabilityAlert).toEqual({ windowMs: 60_000, threshold: 0.95 });
  });
});
