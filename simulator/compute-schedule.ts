import type { ListenerSpec, ListenerState, Scenario } from "./scenario.js";

/** One planned state change, at an offset from the scenario start. */
export interface Transition {
  readonly atMs: number;
  readonly listener: string;
  readonly state: ListenerState;
}

/** One listener's changes in time order; infinite for a flap without count. */
function* listenerTransitions(spec: ListenerSpec): Generator<Transition, void, undefined> {
  const { pattern, name: listener } = spec;
  switch (pattern.kind) {
    case "steady":
      return;
    case "script":
      for (const step of pattern.steps) yield { atMs: step.atMs, listener, state: step.state };
      return;
    case "flap": {
      let atMs = pattern.startMs;
      // A listener that starts down is simply still down for the first phase.
      let current = spec.initial;
      for (let i = 0; pattern.count === undefined || i < pattern.count; i++) {
        if (current !== "down") yield { atMs, listener, state: "down" };
        atMs += pattern.downMs;
        yield { atMs, listener, state: "up" };
        current = "up";
        atMs += pattern.upMs;
      }
      return;
    }
  }
}

/**
 * All transitions of a scenario in time order (ties keep the listeners' file
 * order), ending before `durationMs`. Lazy, because a flap without a count in
 * a scenario without a duration never ends; the runner pulls one at a time.
 */
export function* scheduleTransitions(scenario: Scenario): Generator<Transition, void, undefined> {
  const end = scenario.durationMs ?? Number.POSITIVE_INFINITY;
  const sources = scenario.listeners.map((spec) => {
    const iterator = listenerTransitions(spec);
    return { iterator, head: iterator.next() };
  });
  for (;;) {
    let earliest: { source: (typeof sources)[number]; transition: Transition } | undefined;
    for (const source of sources) {
      if (source.head.done) continue;
      const transition = source.head.value;
      if (transition.atMs >= end) continue;
      if (earliest === undefined || transition.atMs < earliest.transition.atMs) earliest = { source, transition };
    }
    if (earliest === undefined) return;
    yield earliest.transition;
    earliest.source.head = earliest.source.iterator.next();
  }
}

/** True when the schedule never ends: a count-less flap and no duration. */
export function isUnbounded(scenario: Scenario): boolean {
  return (
    scenario.durationMs === undefined &&
    scenario.listeners.some((l) => l.pattern.kind === "flap" && l.pattern.count === undefined)
  );
}

/**
 * The schedule as a list, for tests and previews: every transition before
 * `untilMs` (default: the scenario's duration). Throws for an unbounded
 * scenario without `untilMs`, which would otherwise never return.
 */
export function computeSchedule(scenario: Scenario, untilMs?: number): Transition[] {
  if (untilMs === undefined && isUnbounded(scenario)) {
    throw new RangeError("the scenario flaps forever (no duration, no count); pass untilMs");
  }
  const limit = untilMs ?? Number.POSITIVE_INFINITY;
  const result: Transition[] = [];
  for (const transition of scheduleTransitions(scenario)) {
    if (transition.atMs >= limit) break;
    result.push(transition);
  }
  return result;
}
