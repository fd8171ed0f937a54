import { mergeByTime } from "./merge-by-time.js";
import type { ListenerSpec, ListenerState, Scenario } from "./scenario.js";

/** One planned state change, at an offset from the scenario start. */
export interface Transition {
  readonly atMs: number;
  readonly listener: string;
  readonly state: ListenerState;
}

/** One listener's up/down changes in time order; infinite for a flap without count. */
export function* listenerTransitions(spec: ListenerSpec): Generator<Transition, void, undefined> {
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
 * All up/down transitions of a scenario in time order (ties keep the
 * listeners' file order), ending before `durationMs`. Lazy, because a flap
 * without a count in a scenario without a duration never ends. Answer and
 * certificate changes of web listeners are in `scheduleChanges`.
 */
export function scheduleTransitions(scenario: Scenario): Generator<Transition, void, undefined> {
  return mergeByTime(scenario.listeners.map(listenerTransitions), scenario.durationMs);
}

/** True when a flap without a count runs with no duration to stop it. */
export function flapsForever(scenario: Scenario): boolean {
  return scenario.durationMs === undefined && scenario.listeners.some((l) => l.pattern.kind === "flap" && l.pattern.count === undefined);
}

/**
 * True when the schedule never ends: a count-less flap or response cycle,
 * and no duration.
 */
export function isUnbounded(scenario: Scenario): boolean {
  return (
    flapsForever(scenario) ||
    (scenario.durationMs === undefined &&
      scenario.listeners.some((l) => l.service !== undefined && l.service.kind !== "tcp" && l.service.cycle !== undefined && l.service.cycle.count === undefined))
  );
}

/**
 * The up/down schedule as a list, for tests and previews: every transition
 * before `untilMs` (default: the scenario's duration). Throws for a scenario
 * that flaps forever without `untilMs`, which would otherwise never return.
 * `computeChanges` lists answer and certificate changes too.
 */
export function computeSchedule(scenario: Scenario, untilMs?: number): Transition[] {
  if (untilMs === undefined && flapsForever(scenario)) {
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
