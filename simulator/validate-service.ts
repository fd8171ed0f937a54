import type { CheckedObject, Checker } from "./create-checker.js";
import { fieldPath } from "./create-checker.js";
import { describeValue } from "./describe-value.js";
import type { HttpResponseSpec } from "./http-response.js";
import { DEFAULT_HTTP_RESPONSE, headerProblem, mergeHttpResponse } from "./http-response.js";
import type { ServiceSpec } from "./scenario.js";

const KINDS: readonly ServiceSpec["kind"][] = ["tcp", "http", "https"];
const RESPONSE_KEYS = ["status", "body", "headers", "delay"] as const;
const CERTIFICATE_KEYS = ["expiresInDays"] as const;
const DAY_MS = 86_400_000;
const DEFAULT_EXPIRES_IN_DAYS = 365;

function readResponse(raw: unknown, path: string, check: Checker): HttpResponseSpec | undefined {
  if (raw === undefined) return DEFAULT_HTTP_RESPONSE;
  const response = check.object(raw, path, RESPONSE_KEYS);
  if (response === undefined) return undefined;
  const change: { -readonly [K in keyof HttpResponseSpec]?: HttpResponseSpec[K] } = {};
  let ok = true;
  const fail = (key: string, message: string): void => {
    check.issue(fieldPath(path, key), message);
    ok = false;
  };
  const { status, body, headers, delay } = response;
  if (status !== undefined) {
    if (typeof status === "number" && Number.isInteger(status) && status >= 200 && status <= 599) change.status = status;
    else fail("status", `expected an HTTP status from 200 to 599, got ${describeValue(status)}`);
  }
  if (body !== undefined) {
    if (typeof body === "string") change.body = body;
    else fail("body", `expected a string, got ${describeValue(body)}`);
  }
  if (headers !== undefined) {
    if (typeof headers !== "object" || headers === null || Array.isArray(headers)) {
      fail("headers", `expected an object of header names to string values, got ${describeValue(headers)}`);
    } else {
      const entries = Object.entries(headers as Record<string, unknown>);
      for (const [name, value] of entries) {
        const problem = headerProblem(name, value);
        if (problem !== undefined) fail("headers", problem);
      }
      change.headers = Object.fromEntries(entries) as Record<string, string>;
    }
  }
  if (delay !== undefined) {
    const ms = check.duration(delay, fieldPath(path, "delay"));
    if (ms === undefined) ok = false;
    else change.delayMs = ms;
  }
  // Every field was checked above with the library's own rules, so this merge cannot throw.
  return ok ? mergeHttpResponse(DEFAULT_HTTP_RESPONSE, change) : undefined;
}

function readExpiry(raw: unknown, path: string, check: Checker): number | undefined {
  if (raw === undefined) return DEFAULT_EXPIRES_IN_DAYS * DAY_MS;
  const certificate = check.object(raw, path, CERTIFICATE_KEYS);
  if (certificate === undefined) return undefined;
  const days = certificate["expiresInDays"];
  if (days === undefined) return DEFAULT_EXPIRES_IN_DAYS * DAY_MS;
  if (typeof days !== "number" || !Number.isFinite(days) || days === 0) {
    const at = fieldPath(path, "expiresInDays");
    return check.issue(at, `expected a non-zero number of days (negative = already expired), got ${describeValue(days)}`);
  }
  return days * DAY_MS;
}

/**
 * Reads a listener's `kind` (default "tcp") and, for HTTP(S), its `response`
 * and (HTTPS only) `certificate`. A field that the kind does not use is an
 * issue, not silently ignored: it would suggest a behaviour that never happens.
 */
export function validateService(listener: CheckedObject, path: string, check: Checker): ServiceSpec | undefined {
  const kind = listener["kind"] === undefined ? "tcp" : check.oneOf(listener["kind"], fieldPath(path, "kind"), KINDS);
  if (kind === undefined) return undefined;
  if (kind === "tcp") {
    const misplaced = ["response", "certificate"].filter((key) => listener[key] !== undefined);
    for (const key of misplaced) check.issue(fieldPath(path, key), 'only for "kind": "http" or "https"');
    return misplaced.length === 0 ? { kind } : undefined;
  }
  const response = readResponse(listener["response"], fieldPath(path, "response"), check);
  if (kind === "http") {
    if (listener["certificate"] !== undefined) {
      return check.issue(fieldPath(path, "certificate"), 'only for "kind": "https"');
    }
    return response === undefined ? undefined : { kind, response };
  }
  const certificateExpiresInMs = readExpiry(listener["certificate"], fieldPath(path, "certificate"), check);
  if (response === undefined || certificateExpiresInMs === undefined) return undefined;
  return { kind, response, certificateExpiresInMs };
}
