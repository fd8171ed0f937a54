import type { Checker } from "./create-checker.js";
import { fieldPath } from "./create-checker.js";
import { describeValue } from "./describe-value.js";
import { diffResponse } from "./diff-response.js";
import type { HttpResponseSpec } from "./http-response.js";
import { mergeHttpResponse } from "./http-response.js";
import type { ResponseCycle } from "./scenario.js";
import { checkBeforeEnd } from "./validate-pattern.js";
import type { ResponseChange } from "./validate-web-fields.js";
import { readResponseChange } from "./validate-web-fields.js";

const CYCLE_KEYS = ["start", "every", "responses", "count"] as const;

/** What the cycle reader needs from the rest of the listener and scenario. */
export interface CycleContext {
  readonly check: Checker;
  /** The listener's own answer, which every entry is merged over; undefined when it was invalid. */
  readonly response: HttpResponseSpec | undefined;
  readonly durationMs: number | undefined;
}

/**
 * Each entry must answer differently from the one before it (the last from
 * the first, as the rounds wrap), or that phase would change nothing.
 */
function checkEntriesDiffer(entries: readonly ResponseChange[], path: string, ctx: CycleContext): void {
  const base = ctx.response;
  if (base === undefined || entries.length < 2) return;
  const answers = entries.map((entry) => mergeHttpResponse(base, entry));
  answers.forEach((answer, index) => {
    const before = (index + answers.length - 1) % answers.length;
    const previous = answers[before];
    // Two entries only need comparing once: a→b is b→a.
    if (previous === undefined || (answers.length === 2 && index === 0)) return;
    if (Object.keys(diffResponse(previous, answer)).length === 0) {
      ctx.check.issue(`${path}[${index}]`, `answers the same as ${path}[${before}], so this phase would change nothing`);
    }
  });
}

/**
 * Validates `cycle` (HTTP(S) only): `{ start?, every, responses, count? }`.
 * `every` > 0 so the pattern moves forward; two or more `responses`, each a
 * `{ status?, body?, headers?, delay? }` over the listener's `response`.
 */
export function validateCycle(raw: unknown, path: string, ctx: CycleContext): ResponseCycle | undefined {
  const { check } = ctx;
  const cycle = check.object(raw, path, CYCLE_KEYS);
  if (cycle === undefined) return undefined;
  const before = check.issues().length;
  const startPath = fieldPath(path, "start");
  const startMs = cycle["start"] === undefined ? 0 : check.duration(cycle["start"], startPath);
  if (startMs !== undefined) checkBeforeEnd(startMs, startPath, ctx);
  const everyPath = fieldPath(path, "every");
  let everyMs: number | undefined;
  if (cycle["every"] === undefined) check.issue(everyPath, 'required (how long each response is served, e.g. "3s")');
  else everyMs = check.duration(cycle["every"], everyPath);
  if (everyMs === 0) check.issue(everyPath, "must be longer than 0ms");

  const responsesPath = fieldPath(path, "responses");
  const rawResponses = cycle["responses"];
  const responses: ResponseChange[] = [];
  if (rawResponses === undefined) {
    check.issue(responsesPath, 'required (two or more answers to take turns, e.g. [{ "status": 503 }, { "status": 200 }])');
  } else if (!Array.isArray(rawResponses) || rawResponses.length < 2) {
    check.issue(responsesPath, `expected an array of two or more responses, got ${describeValue(rawResponses)}`);
  } else {
    rawResponses.forEach((entry: unknown, index) => {
      const change = readResponseChange(entry, `${responsesPath}[${index}]`, check);
      if (change !== undefined) responses.push(change);
    });
    if (responses.length === rawResponses.length) checkEntriesDiffer(responses, responsesPath, ctx);
  }

  const count = cycle["count"];
  if (count !== undefined && (typeof count !== "number" || !Number.isSafeInteger(count) || count < 1)) {
    check.issue(fieldPath(path, "count"), `expected a whole number of rounds through "responses", 1 or more, got ${describeValue(count)}`);
  }
  if (check.issues().length !== before || startMs === undefined || everyMs === undefined) return undefined;
  return typeof count === "number" ? { startMs, everyMs, responses, count } : { startMs, everyMs, responses };
}
