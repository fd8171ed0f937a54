import type { Checker } from "./create-checker.js";
import { fieldPath } from "./create-checker.js";
import { describeValue } from "./describe-value.js";
import { formatDuration } from "@service-monitor/sdk";
import type { HttpResponseSpec } from "./http-response.js";
import type { ListenerPattern, ListenerState, ServiceSpec, WebStep } from "./scenario.js";

const FLAP_KEYS = ["start", "down", "up", "count"] as const;

/** What the pattern readers need to know about the rest of the scenario. */
export interface PatternContext {
  readonly check: Checker;
  /** Undefined when `initial` itself was invalid; repeated-state checks then start at the first step. */
  readonly initial: ListenerState | undefined;
  /** Undefined when the scenario runs until stopped (or its duration was invalid). */
  readonly durationMs: number | undefined;
  /** The listener's kind; undefined when it was invalid, and then every step field is allowed. */
  readonly kind: ServiceSpec["kind"] | undefined;
  /** The listener's own answer (web kinds); undefined for TCP or when invalid, skipping the "changes nothing" check. */
  readonly response: HttpResponseSpec | undefined;
  /** A `cycle` also changes the answer, so script steps may not. */
  readonly hasCycle: boolean;
}

/** A script split by what it drives: up/down for the pattern, answers and certificates for the web listener. */
export interface ScriptParts {
  readonly pattern: ListenerPattern;
  readonly webSteps: readonly WebStep[];
}

/**
 * Offsets at or past the end can never take effect; flagging them catches a
 * scenario whose duration was shortened without updating its steps.
 */
export function checkBeforeEnd(ms: number, path: string, ctx: Pick<PatternContext, "check" | "durationMs">): void {
  if (ctx.durationMs !== undefined && ms >= ctx.durationMs) {
    ctx.check.issue(path, `${formatDuration(ms)} is not before the scenario's duration (${formatDuration(ctx.durationMs)})`);
  }
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
