import { describe, expect, it } from "vitest";
import { computeSchedule, isUnbounded, scheduleTransitions } from "../../simulator/compute-schedule.js";
import type { Transition } from "../../simulator/compute-schedule.js";
import { parseScenario } from "../../simulator/validate-scenario.js";

/** Compact `offset listener state` strings keep expectations readable. */
function compact(transitions: readonly Transition[]): string[] {
  return transitions.map((t) => `${t.atMs} ${t.listener} ${t.state}`);
}

describe("computeSchedule", () => {
  it("has nothing to do for steady listeners", () => {
    expect(computeSchedule(parseScenario({ listeners: [{ name: "a" }, { name: "b", initial: "down" }] }))).toEqual([]);
  });

  it("follows an explicit script", () => {
    const scenario = parseScenario({
      listeners: [{ name: "db", script: [{ at: "5s", state: "down" }, { at: "12s", state: "up" }] }],
      duration: "60s",
    });
    expect(computeSchedule(scenario)).toEqual([
      { atMs: 5_000, listener: "db", state: "down" },
      { atMs: 12_000, listener: "db", state: "up" },
    ]);
  });

  it("flaps a counted number of times, down first, then stays up", () => {
    const scenario = parseScenario({
      listeners: [{ name: "cache", flap: { start: "2s", up: "3s", down: "2s", count: 3 } }],
    });
    expect(compact(computeSchedule(scenario))).toEqual([
      "2000 cache down",
      "4000 cache up",
      "7000 cache down",
      "9000 cache up",
      "12000 cache down",
      "14000 cache up",
    ]);
  });

  it("cuts a flap off at the duration", () => {
    const scenario = parseScenario({
      listeners: [{ name: "c", flap: { up: 300, down: 200 } }],
      duration: 1_000,
    });
    expect(compact(computeSchedule(scenario))).toEqual(["0 c down", "200 c up", "500 c down", "700 c up"]);
  });

  it("drops a transition that falls exactly on the duration", () => {
    const scenario = parseScenario({
      listeners: [{ name: "c", flap: { up: 500, down: 500, count: 5 } }],
      duration: 1_000,
    });
    expect(compact(computeSchedule(scenario))).toEqual(["0 c down", "500 c up"]);
  });

  it("starts a flap already down when the listener is initially down", () => {
    const scenario = parseScenario({
      listeners: [{ name: "c", initial: "down", flap: { start: 100, up: 100, down: 100, count: 2 } }],
    });
    expect(compact(computeSchedule(scenario))).toEqual(["200 c up", "300 c down", "400 c up"]);
  });

  it("merges listeners in time order, keeping file order for ties", () => {
    const scenario = parseScenario({
      listeners: [
        { name: "a", script: [{ at: 300, state: "down" }, { at: 600, state: "up" }] },
        { name: "b", initial: "down", script: [{ at: 100, state: "up" }, { at: 300, state: "down" }] },
        { name: "c", flap: { start: 150, down: 150, up: 300, count: 1 } },
      ],
      duration: "1s",
    });
    expect(compact(computeSchedule(scenario))).toEqual([
      "100 b up",
      "150 c down",
      "300 a down",
      "300 b down",
      "300 c up",
      "600 a up",
    ]);
  });

  it("needs untilMs for a scenario that flaps forever", () => {
    const scenario = parseScenario({ listeners: [{ name: "c", flap: { up: "1s", down: "1s" } }] });
    expect(isUnbounded(scenario)).toBe(true);
    expect(() => computeSchedule(scenario)).toThrow(RangeError);
    expect(compact(computeSchedule(scenario, 3_000))).toEqual(["0 c down", "1000 c up", "2000 c down"]);
  });

  it("is bounded by a duration or a count", () => {
    const counted = parseScenario({ listeners: [{ name: "c", flap: { up: 1, down: 1, count: 2 } }] });
    const timed = parseScenario({ listeners: [{ name: "c", flap: { up: 1, down: 1 } }], duration: 10 });
    expect(isUnbounded(counted)).toBe(false);
    expect(isUnbounded(timed)).toBe(false);
    expect(computeSchedule(timed)).toHaveLength(10);
  });
});

describe("scheduleTransitions", () => {
  it("yields lazily, so an endless flap can be consumed step by step", () => {
    const scenario = parseScenario({
      listeners: [
        { name: "fast", flap: { up: 100, down: 100 } },
        { name: "slow", flap: { start: 50, up: 250, down: 250 } },
      ],
    });
    const taken: Transition[] = [];
    for (const transition of scheduleTransitions(scenario)) {
      taken.push(transition);
      if (taken.length === 8) break;
    }
    expect(compact(taken)).toEqual([
      "0 fast down",
      "50 slow down",
      "100 fast up",
      "200 fast down",
      "300 fast up",
      "300 slow up",
      "400 fast down",
      "500 fast up",
    ]);
  });
});
