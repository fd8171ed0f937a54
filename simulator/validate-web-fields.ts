import type { Checker } from "./create-checker.js";
import { fieldPath } from "./create-checker.js";
import { describeValue } from "./describe-value.js";
import type { HttpResponseSpec } from "./http-response.js";
import { headerProblem } from "./http-response.js";

const RESPONSE_KEYS = ["status", "body", "headers", "delay"] as const;
const CERTIFICATE_KEYS = ["expiresInDays"] as const;
const DAY_MS = 86_400_000;

/** Days a certificate lasts when the file does not say. */
export const DEFAULT_EXPIRES_IN_DAYS = 365;

/** The fields of an answer that a file may set, each optional. */
export type ResponseChange = { -readonly [K in keyof HttpResponseSpec]?: HttpResponseSpec[K] };

/**
 * Reads a `{ status?, body?, headers?, delay? }` object (a listener's
 * `response`, a script step's, a cycle entry) into the fields it sets, each
 * checked with the library's own rules so that merging it can never throw.
 * `undefined` after recording the issues.
 */
export function readResponseChange(raw: unknown, path: string, check: Checker): ResponseChange | undefined {
  const response = check.object(raw, path, RESPONSE_KEYS);
  if (response === undefined) return undefined;
  const change: ResponseChange = {};
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
  return ok ? change : undefined;
}

/**
 * Reads `{ "expiresInDays": n }` (a listener's `certificate`, or a script
 * step's renewal) as milliseconds; `expiresInDays` defaults to
 * {@link DEFAULT_EXPIRES_IN_DAYS}. Zero is refused: a certificate that ends
 * the moment it is made is neither "valid" nor clearly "expired".
 */
export function readCertificateExpiry(raw: unknown, path: string, check: Checker): number | undefined {
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
