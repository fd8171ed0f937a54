import { describe, expect, it } from "vitest";
import { alertingAfter, decideAvailability } from "../../server/domain/availability-alert.js";
import { addResult, trimBefore, windowDurations, type AvailabilityWindow } from "../../server/domain/availability-window.js";
import { statusDurations, type StatusSpan, type TimeWindow } from "../../server/domain/status-durations.js";
import type { AvailabilityAlertRule } from "../../server/domain/types.js";
import { prng } from "../support/prng.js";

/**
 * Availability alert rules on injected time: the window of recent results
 * (runs, spans, the cap on how long a result stands) and the decision.
 */

const RULE: AvailabilityAlertRule = { windowMs: 120_000, threshold: 0.8 };
const SPAN = 2 * 1000 + 2000; // a 1 s service with a 2 s timeout

/** A 1 s service's results from `from` for `n` seconds, each "up" or "down" as `state(t)` says. */
function feed(window: AvailabilityWindow, from: number, n: number, state: (t: number) => "up" | "down" | "excluded"): void {
  for (let i = 0; i < n; i++) addResult(window, from + i * 1000, state(from + i * 1000), SPAN);
}

describe("the availability window", () => {
  it("keeps a run per state change, not per check", () => {
    const window: AvailabilityWindow = [];
    feed(window, 0, 600, (t) => (t >= 100_000 && t < 130_000 ? "down" : "up"));
    expect(window.map((r) => r.state)).toEqual(["up", "down", "up"]);
  });

  it("counts each result until the next, the newest until now", () => {
    const window: AvailabilityWindow = [];
    feed(window, 0, 120, (t) => (t >= 60_000 && t < 90_000 ? "down" : "up"));
    // Results at 0..119 s; the last stands until now = 120 s.
    const d = windowDurations(window, { startMs: 0, endMs: 120_000 }, 120_000);
    expect(d).toEqual({ upMs: 90_000, downMs: 30_000, excludedMs: 0, unknownMs: 0 });
  });

  it("leaves time after a result's longest standing unknown (the monitor did not look)", () => {
    const window: AvailabilityWindow = [];
    addResult(window, 0, "up", SPAN);
    addResult(window, 100_000, "up", SPAN);
    const d = windowDurations(window, { startMs: 0, endMs: 101_000 }, 101_000);
    expect(d.upMs).toBe(SPAN + 1000);
    expect(d.unknownMs).toBe(101_000 - SPAN - 1000);
    // Not one run: the gap splits it.
    expect(window).toHaveLength(2);
  });

  it("counts a slow check's delay as no gap: a 2 s timeout on a 1 s service", () => {
    const window: AvailabilityWindow = [];
    // Down checks that each time out after 2 s: the next starts 2 s later.
    for (let t = 0; t < 20_000; t += 2000) addResult(window, t, "down", SPAN);
    const d = windowDurations(window, { startMs: 0, endMs: 20_000 }, 20_000);
    expect(d).toEqual({ upMs: 0, downMs: 20_000, excludedMs: 0, unknownMs: 0 });
  });

  it("ignores a result older than the newest, and trims what ended before the window", () => {
    const window: AvailabilityWindow = [];
    feed(window, 0, 10, () => "up");
    feed(window, 10_000, 10, () => "down");
    addResult(window, 5000, "up", SPAN);
    expect(window).toHaveLength(2);
    trimBefore(window, 15_000);
    expect(window.map((r) => r.state)).toEqual(["down"]);
    // The run standing at the cut is kept.
    trimBefore(window, 19_000);
    expect(window).toHaveLength(1);
  });
});

describe("the availability window against status-durations", () => {
  it("sums the same up/down/excluded/unknown time as spans and excluded windows would, on random histories", () => {
    const random = prng(11);
    for (let round = 0; round < 200; round++) {
      const window: AvailabilityWindow = [];
      let at = 0;
      for (let i = 0; i < 60; i++) {
        at += 500 + Math.floor(random() * 6000);
        const r = random();
        addResult(window, at, r < 0.6 ? "up" : r < 0.85 ? "down" : "excluded", 1000 + Math.floor(random() * 5000));
      }
      const nowMs = at + Math.floor(random() * 8000);
      const range = { startMs: Math.floor(random() * at), endMs: nowMs };
      // The oracle: each run a span (or an excluded window) from its start to the next run or its cap.
      const spans: StatusSpan[] = [];
      const excluded: TimeWindow[] = [];
      window.forEach((run, i) => {
        const endMs = Math.min(window[i + 1]?.startMs ?? nowMs, run.lastAt + run.maxSpanMs);
        if (endMs <= run.startMs) return;
        if (run.state === "excluded") excluded.push({ startMs: run.startMs, endMs });
        else spans.push({ startMs: run.startMs, endMs, status: run.state });
      });
      expect(windowDurations(window, range, nowMs)).toEqual(statusDurations(spans, excluded, range));
    }
  });
});

describe("the availability decision", () => {
  const durations = (upMs: number, downMs: number, excludedMs = 0, unknownMs = 0) => ({ upMs, downMs, excludedMs, unknownMs });

  it("alerts once below the threshold and recovers once at or above it", () => {
    const below = decideAvailability({ rule: RULE, alerting: false, durations: durations(90_000, 30_000), inOutage: false });
    expect(below).toEqual({ kind: "availability_alert", availability: 0.75 });
    expect(alertingAfter(below!)).toBe(true);
    // Already alerting: nothing more while it stays low.
    expect(decideAvailability({ rule: RULE, alerting: true, durations: durations(90_000, 30_000), inOutage: false })).toBeUndefined();
    // Exactly at the threshold is recovered.
    const back = decideAvailability({ rule: RULE, alerting: true, durations: durations(96_000, 24_000), inOutage: false });
    expect(back).toEqual({ kind: "availability_recovered", availability: 0.8 });
    expect(alertingAfter(back!)).toBe(false);
    expect(decideAvailability({ rule: RULE, alerting: false, durations: durations(96_000, 24_000), inOutage: false })).toBeUndefined();
  });

  it("decides nothing before the window is covered, inside an outage, or on excluded time only", () => {
    expect(decideAvailability({ rule: RULE, alerting: false, durations: durations(0, 20_000, 0, 100_000), inOutage: false })).toBeUndefined();
    expect(decideAvailability({ rule: RULE, alerting: false, durations: durations(0, 120_000), inOutage: true })).toBeUndefined();
    expect(decideAvailability({ rule: RULE, alerting: true, durations: durations(0, 0, 120_000), inOutage: false })).toBeUndefined();
  });

  it("leaves outage time out of the availability", () => {
    const window: AvailabilityWindow = [];
    // 60 s up, 40 s down inside an outage (excluded), 20 s down after it.
    feed(window, 0, 120, (t) => (t < 60_000 ? "up" : t < 100_000 ? "excluded" : "down"));
    const d = windowDurations(window, { startMs: 0, endMs: 120_000 }, 120_000);
    expect(d).toEqual({ upMs: 60_000, downMs: 20_000, excludedMs: 40_000, unknownMs: 0 });
    expect(decideAvailability({ rule: RULE, alerting: false, durations: d, inOutage: false })).toEqual({
      kind: "availability_alert",
      availability: 0.75,
    });
  });
});
