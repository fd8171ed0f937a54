import { describe, expect, it } from "vitest";
import { availabilityOf, spansOf, statusDurations } from "../../server/domain/status-durations.js";

const MIN = 60_000;

describe("statusDurations", () => {
  // 10 minutes checked every second; down 90 s in three pieces (30 s each); one planned outage.
  const results = Array.from({ length: 600 }, (_, i) => {
    const t = i * 1000;
    const down = (t >= 60_000 && t < 90_000) || (t >= 200_000 && t < 230_000) || (t >= 400_000 && t < 430_000);
    return { at: t, status: down ? ("down" as const) : ("up" as const) };
  });
  const spans = spansOf(results, 10 * MIN);
  const window = { startMs: 0, endMs: 10 * MIN };

  it("counts a script of known availability exactly", () => {
    const d = statusDurations(spans, [], window);
    expect(d).toEqual({ upMs: 510_000, downMs: 90_000, excludedMs: 0, unknownMs: 0 });
    expect(availabilityOf(d)).toBeCloseTo(510 / 600, 12);
  });

  it("leaves planned outages and paused time out of both sides, overlapping ones counted once", () => {
    // An outage over the second down piece and 20 s of up around it; a pause overlapping it by 10 s.
    const outage = { startMs: 190_000, endMs: 240_000 };
    const paused = { startMs: 230_000, endMs: 250_000 };
    const d = statusDurations(spans, [outage, paused], window);
    expect(d).toEqual({ upMs: 510_000 - 30_000, downMs: 60_000, excludedMs: 60_000, unknownMs: 0 });
    expect(availabilityOf(d)).toBeCloseTo(480 / 540, 12);
  });

  it("sums to the window: a minute bucket, time before the first check unknown", () => {
    expect(statusDurations(spans, [], { startMs: MIN, endMs: 2 * MIN })).toEqual({ upMs: 30_000, downMs: 30_000, excludedMs: 0, unknownMs: 0 });
    const late = spansOf([{ at: 15_000, status: "up" }], MIN);
    expect(statusDurations(late, [{ startMs: 50_000, endMs: 70_000 }], { startMs: 0, endMs: MIN })).toEqual({
      upMs: 35_000,
      downMs: 0,
      excludedMs: 10_000,
      unknownMs: 15_000,
    });
  });

  it("has no availability when nothing was known outside excluded time", () => {
    expect(availabilityOf(statusDurations([], [], window))).toBeUndefined();
    expect(availabilityOf(statusDurations(spans, [window], window))).toBeUndefined();
  });
});

describe("spansOf", () => {
  it("lets each result stand until the next check, the last until the given time", () => {
    expect(
      spansOf(
        [
          { at: 0, status: "up" },
          { at: 1000, status: "down" },
        ],
        1500,
      ),
    ).toEqual([
      { startMs: 0, endMs: 1000, status: "up" },
      { startMs: 1000, endMs: 1500, status: "down" },
    ]);
    expect(spansOf([{ at: 2000, status: "up" }], 1000)).toEqual([]);
  });
});
