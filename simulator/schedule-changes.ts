import type { Transition } from "./compute-schedule.js";
import { isUnbounded, listenerTransitions } from "./compute-schedule.js";
import { diffResponse } from "./diff-response.js";
import type { HttpResponseSpec } from "./http-response.js";
import { mergeHttpResponse } from "./http-response.js";
import { mergeByTime } from "./merge-by-time.js";
import type { ListenerSpec, ResponseCycle, Scenario, WebStep } from "./scenario.js";

/**
 * One planned change of any kind, at an offset from the scenario start. A
 * tagged union so the runner and the CLI handle each kind explicitly; the
 * up/down kind carries a whole {@link Transition}.
 */
export type ScheduledChange =
  | ({ readonly kind: "state" } & Transition)
  | {
      readonly kind: "response";
      readonly atMs: number;
      readonly listener: string;
      /** The whole answer from this moment on. */
      readonly response: HttpResponseSpec;
      /** The fields in which it differs from the answer before (never empty). */
      readonly changed: Partial<HttpResponseSpec>;
    }
  | {
      readonly kind: "certificate";
      readonly atMs: number;
      readonly listener: string;
      /** The new certificate expires this long after the change; negative = already expired. */
      readonly expiresInMs: number;
    };

type ResponseChange = Extract<ScheduledChange, { kind: "response" }>;
type WebChange = Exclude<ScheduledChange, { kind: "state" }>;

/** A change to `next`, or nothing when it answers like `current`. */
function responseChange(listener: string, atMs: number, current: HttpResponseSpec, next: HttpResponseSpec): ResponseChange | undefined {
  const changed = diffResponse(current, next);
  return Object.keys(changed).length === 0 ? undefined : { kind: "response", atMs, listener, response: next, changed };
}

/** Script steps: each answer change builds on the one before it. */
function* stepChanges(listener: string, base: HttpResponseSpec, steps: readonly WebStep[]): Generator<WebChange, void, undefined> {
  let current = base;
  for (const step of steps) {
    if (step.response !== undefined) {
      const next = mergeHttpResponse(current, step.response);
      const change = responseChange(listener, step.atMs, current, next);
      if (change !== undefined) yield change;
      current = next;
    }
    if (step.certificateExpiresInMs !== undefined) {
      yield { kind: "certificate", atMs: step.atMs, listener, expiresInMs: step.certificateExpiresInMs };
    }
  }
}

/** A cycle: every entry over the listener's own answer, round after round, then that answer again. */
function* cycleChanges(listener: string, base: HttpResponseSpec, cycle: ResponseCycle): Generator<ResponseChange, void, undefined> {
  const answers = cycle.responses.map((entry) => mergeHttpResponse(base, entry));
  let current = base;
  let atMs = cycle.startMs;
  for (let round = 0; cycle.count === undefined || round < cycle.count; round++) {
    for (const next of answers) {
      const change = responseChange(listener, atMs, current, next);
      if (change !== undefined) yield change;
      current = next;
      atMs += cycle.everyMs;
    }
  }
  const change = responseChange(listener, atMs, current, base);
  if (change !== undefined) yield change;
}

/** The sources of one listener, answer changes before up/down so a step's answer is in place when it comes up. */
function listenerSources(spec: ListenerSpec): Iterable<ScheduledChange>[] {
  const states = (function* (): Generator<ScheduledChange, void, undefined> {
    for (const transition of listenerTransitions(spec)) yield { kind: "state", ...transition };
  })();
  const service = spec.service;
  if (service === undefined || service.kind === "tcp") return [states];
  const sources: Iterable<ScheduledChange>[] = [];
  if (service.steps !== undefined) sources.push(stepChanges(spec.name, service.response, service.steps));
  if (service.cycle !== undefined) sources.push(cycleChanges(spec.name, service.response, service.cycle));
  return [...sources, states];
}

/**
 * Every change of a scenario (up/down, answers, certificates) in time order,
 * ties in the listeners' file order, ending before `durationMs`. Lazy, like
 * `scheduleTransitions`: a flap or cycle without a count may never end.
 */
export function scheduleChanges(scenario: Scenario): Generator<ScheduledChange, void, undefined> {
  return mergeByTime(scenario.listeners.flatMap(listenerSources), scenario.durationMs);
}

/**
 * {@link scheduleChanges} as a list before `untilMs` (default: the
 * scenario's duration), for tests and previews. Throws for an unbounded
 * scenario without `untilMs`, which would otherwise never return.
 */
export function computeChanges(scenario: Scenario, untilMs?: number): ScheduledChange[] {
  if (untilMs === undefined && isUnbounded(scenario)) {
    throw new RangeError("the scenario repeats forever (a flap or cycle with no count, and no duration); pass untilMs");
  }
  const limit = untilMs ?? Number.POSITIVE_INFINITY;
  const result: ScheduledChange[] = [];
  for (const change of scheduleChanges(scenario)) {
    if (change.atMs >= limit) break;
    result.push(change);
  }
  return result;
}
