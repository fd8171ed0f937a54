import fc from "fast-check";
import type { CheckResult, Millis } from "../../server/domain/types.js";

/**
 * Random check histories for the property tests: results at strictly
 * increasing times (checks of one service never overlap), a grace period,
 * and planned outage windows over the same span of the injected clock.
 */

export interface OutageWindow {
  readonly startMs: Millis;
  readonly endMs: Millis;
}

export interface Timeline {
  readonly gracePeriodMs: number;
  readonly results: readonly CheckResult[];
  /** Half-open [startMs, endMs), may overlap one another. */
  readonly outages: readonly OutageWindow[];
}

/** Seeded so a failure is replayed by the same run; fast-check prints the seed and the shrunk counterexample. */
export const PROPERTY_SEED = 20261202;

const gapMs = fc.integer({ min: 1, max: 60_000 });

export const timelineArbitrary: fc.Arbitrary<Timeline> = fc
  .record({
    gracePeriodMs: fc.integer({ min: 0, max: 120_000 }),
    steps: fc.array(fc.record({ gap: gapMs, down: fc.boolean(), detail: fc.constantFrom("", "connection refused", "status 503") }), {
      minLength: 1,
      maxLength: 40,
    }),
    outages: fc.array(fc.record({ start: fc.integer({ min: 0, max: 1_500_000 }), length: fc.integer({ min: 1, max: 300_000 }) }), {
      maxLength: 3,
    }),
  })
  .map(({ gracePeriodMs, steps, outages }) => {
    let at = 0;
    const results: CheckResult[] = steps.map((s) => {
      at += s.gap;
      return { status: s.down ? "down" : "up", at, latencyMs: 1, detail: s.down ? s.detail || "down" : "" };
    });
    return {
      gracePeriodMs,
      results,
      outages: outages.map((o) => ({ startMs: o.start, endMs: o.start + o.length })),
    };
  });

export function inAnyOutage(outages: readonly OutageWindow[], now: Millis): boolean {
  return outages.some((w) => now >= w.startMs && now < w.endMs);
}
