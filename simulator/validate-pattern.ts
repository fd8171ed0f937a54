import type { Checker } from "./create-checker.js";
import { fieldPath } from "./create-checker.js";
import { describeValue } from "./describe-value.js";
import { formatDuration } from "@service-monitor/sdk";
import type { HttpResponseSpec } from "./http-response.js";
import { mergeHttpResponse } from "./http-response.js";
import { diffResponse } from "./diff-response.js";
import type { ListenerPattern, ListenerState, ScriptStep, ServiceSpec, WebStep } from "./scenario.js";
import { readCertificateExpiry, readResponseChange } from "./validate-web-fields.js";

const WEB_STEP_KEYS = ["response", "certificate"] as const;
// TCP steps keep their old key list, so a TCP file's messages read as before.
const STEP_KEYS: Readonly<Record<ServiceSpec["kind"], readonly string[]>> = {
  tcp: ["at", "state"],
  http: ["at", "state", "response"],
  https: ["at", "state", "response", "certificate"],
};
const STATE_REQUIRED: Readonly<Record<ServiceSpec["kind"], string>> = {
  tcp: "required",
  http: 'required, unless the step sets "response"',
  https: 'required, unless the step sets "response" or "certificate"',
};
const FLAP_KEYS = ["start", "down", "up", "count"] as const;
const STATES: readonly ListenerState[] = ["up", "down"];

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
function checkBeforeEnd(ms: number, path: string, ctx: PatternContext): void {
  if (ctx.durationMs !== undefined && ms >= ctx.durationMs) {
    ctx.check.issue(path, `${formatDuration(ms)} is not before the scenario's duration (${formatDuration(ctx.durationMs)})`);
  }
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Validates `script`: steps strictly increasing in time, each one a real
 * change (a repeated state, or an answer that is already being served, is
 * almost always a typo in the file). On HTTP(S) listeners a step may set
 * `response` (merged over the answer at that point) and, for HTTPS,
 * `certificate` (a renewal), with or without `state`.
 */
export function validateScript(raw: unknown, path: string, ctx: PatternContext): ScriptParts | undefined {
  const { check } = ctx;
  if (!Array.isArray(raw)) {
    check.issue(path, `expected an array of steps, got ${describeValue(raw)}`);
    return undefined;
  }
  const allowed = STEP_KEYS[ctx.kind ?? "https"];
  const before = check.issues().length;
  const steps: ScriptStep[] = [];
  const webSteps: WebStep[] = [];
  let previous: { atMs: number; path: string } | undefined;
  let current: ListenerState | undefined = ctx.initial;
  let answer = ctx.response;
  raw.forEach((value: unknown, index) => {
    const stepPath = `${path}[${index}]`;
    // A web field on the wrong kind gets its own message rather than "unknown key".
    const misplaced = WEB_STEP_KEYS.filter((key) => !allowed.includes(key) && isRecord(value) && value[key] !== undefined);
    for (const key of misplaced) {
      check.issue(fieldPath(stepPath, key), key === "response" ? 'only for "kind": "http" or "https"' : 'only for "kind": "https"');
    }
    const step = check.object(value, stepPath, [...allowed, ...misplaced]);
    if (step === undefined) return;
    const atPath = fieldPath(stepPath, "at");
    const statePath = fieldPath(stepPath, "state");
    const responsePath = fieldPath(stepPath, "response");
    const hasWebField = WEB_STEP_KEYS.some((key) => allowed.includes(key) && step[key] !== undefined);
    const atMs = step["at"] === undefined ? check.issue(atPath, "required") : check.duration(step["at"], atPath);
    let state: ListenerState | undefined;
    if (step["state"] !== undefined) state = check.oneOf(step["state"], statePath, STATES);
    else if (!hasWebField) check.issue(statePath, ctx.kind === undefined ? "required" : STATE_REQUIRED[ctx.kind]);
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
    let response: Partial<HttpResponseSpec> | undefined;
    if (allowed.includes("response") && step["response"] !== undefined) {
      response = readResponseChange(step["response"], responsePath, check);
      if (ctx.hasCycle) check.issue(responsePath, 'not with "cycle": both would change the answer (put these changes in one of them)');
      if (response !== undefined && answer !== undefined) {
        const next = mergeHttpResponse(answer, response);
        if (Object.keys(diffResponse(answer, next)).length === 0) {
          check.issue(responsePath, "changes nothing: the listener already answers this at this point");
        }
        answer = next;
      }
    }
    let certificateExpiresInMs: number | undefined;
    if (allowed.includes("certificate") && step["certificate"] !== undefined) {
      certificateExpiresInMs = readCertificateExpiry(step["certificate"], fieldPath(stepPath, "certificate"), check);
    }
    if (atMs === undefined) return;
    if (state !== undefined) steps.push({ atMs, state });
    if (response !== undefined || certificateExpiresInMs !== undefined) {
      webSteps.push({
        atMs,
        ...(response === undefined ? {} : { response }),
        ...(certificateExpiresInMs === undefined ? {} : { certificateExpiresInMs }),
      });
    }
  });
  return check.issues().length === before ? { pattern: { kind: "script", steps }, webSteps } : undefined;
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
