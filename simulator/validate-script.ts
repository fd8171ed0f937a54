import { fieldPath } from "./create-checker.js";
import { describeValue } from "./describe-value.js";
import { diffResponse } from "./diff-response.js";
import { formatDuration } from "@service-monitor/sdk";
import type { HttpResponseSpec } from "./http-response.js";
import { mergeHttpResponse } from "./http-response.js";
import type { ListenerState, ScriptStep, ServiceSpec, WebStep } from "./scenario.js";
import type { PatternContext, ScriptParts } from "./validate-pattern.js";
import { checkBeforeEnd } from "./validate-pattern.js";
import { readCertificateExpiry, readResponseChange } from "./validate-web-fields.js";

const STATES: readonly ListenerState[] = ["up", "down"];
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
