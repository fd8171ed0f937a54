import type { Checker } from "./create-checker.js";
import { fieldPath } from "./create-checker.js";
import { describeValue } from "./describe-value.js";
import { formatDuration } from "@service-monitor/sdk";
import type { ListenerPattern, ListenerState, ScriptStep } from "./scenario.js";

const STEP_KEYS = ["at", "state"] as const;
const FLAP_KEYS = ["start", "down", "up", "count"] as const;
const STATES: readonly ListenerState[] = ["up", "down"];

/** What the pattern readers need to know about the rest of the scenario. */
export interface PatternContext {
  readonly check: Checker;
  /** Undefined when `initial` itself was invalid; repeated-state checks then start at the first step. */
  readonly initial: ListenerState | undefined;
  /** Undefined when the scenario runs until stopped (or its duration was invalid). */
  readonly durationMs: number | undefined;
}

/**
 * Offsets at or past the end can never take effect; flagging them catches a
 * scenario whose duration was shortened without updating its steps.
 */
function checkBeforeEnd(ms: number, path: string, ctx: PatternContext): void {
  if (ctx.durationMs !== undefined && ms >= ctx.durationMs) {
    ctx.check.issue(path, `${formatDuration(ms)} is not before the scenario's duration (${formatDuration(ctx.durationMs)})`);
  }
}

/**
 * Validates `script`: steps strictly increasing in time, each one a real
 * change of state (a repeated state is almost always a typo in the file).
 */
export function validateScript(raw: unknown, path: string, ctx: PatternContext): ListenerPattern | undefined {
  const { check } = ctx;
  if (!Array.isArray(raw)) {
    check.issue(path, `expected an array of steps, got ${describeValue(raw)}`);
    return undefined;
  }
  const before = check.issues().length;
  const steps: ScriptStep[] = [];
  let previous: { atMs: number; path: string } | undefined;
  let current: ListenerState | undefined = ctx.initial;
  raw.forEach((value: unknown, index) => {
    const stepPath = `${path}[${index}]`;
    const step = check.object(value, stepPath, STEP_KEYS);
    if (step === undefined) return;
    const atPath = fieldPath(stepPath, "at");
    const statePath = fieldPath(stepPath, "state");
    const atMs = step["at"] === undefined ? check.issue(atPath, "required") : check.duration(step["at"], atPath);
    const state = step["state"] === undefined ? check.issue(statePath, "required") : check.oneOf(step["state"], statePath, STATES);
    if (atMs !== undefined) {
      if (previous !== undefined && atMs <= previous.atMs) {
        check.issue(atPath, `steps must be in increasing time order: ${formatDuration(atMs)} is not after ${formatDuration(previous.atMs)} (${previous.path})`);
      }
      checkBeforeEnd(atMs, atPath, ctx);
      previous = { atMs, path: atPath };
    }
    if (state !== undefined) {
      if (state === current) check.issue(statePath, `the listener is already "${state}" at this point`);
      current = state;
    }
    if (atMs !== undefined && state !== undefined) steps.push({ atMs, state });
  });
  return check.issues().length === before ? { kind: "script", steps } : undefined;
}

/** Validates `flap`: positive phase lengths, so the pattern always moves forward in time. */
export function validateFlap(raw: unknown, path: string, ctx: PatternContext): ListenerPattern | undefined {
  const { check } = ctx;
  const flap = check.object(raw, path, FLAP_KEYS);
  if (flap === undefined) return undefined;
  const before = check.issues().length;
  const startPath = fieldPath(path, "start");
  const startMs = flap["start"] === undefined ? 0 : check.duration(flap["start"], startPath);
  if (startMs !== undefined) checkBeforeEnd(startMs, startPath, ctx);
  const phase = (key: "down" | "up"): number | undefined => {
    const phasePath = fieldPath(path, key);
    if (flap[key] === undefined) return check.issue(phasePath, "required");
    const ms = check.duration(flap[key], phasePath);
    if (ms === 0) check.issue(phasePath, "must be longer than 0ms");
    return ms;
  };
  const downMs = phase("down");
  const upMs = phase("up");
  const count = flap["count"];
  if (count !== undefined && (typeof count !== "number" || !Number.isSafeInteger(count) || count < 1)) {
    check.issue(fieldPath(path, "count"), `expected a whole number of down phases, 1 or more, got ${describeValue(count)}`);
  }
  if (check.issues().length !== before || startMs === undefined || downMs === undefined || upMs === undefined) {
    return undefined;
  }
  return typeof count === "number"
    ? { kind: "flap", startMs, downMs, upMs, count }
    : { kind: "flap", startMs, downMs, upMs };
}
