import type { CheckedObject, Checker } from "./create-checker.js";
import { fieldPath } from "./create-checker.js";
import type { HttpResponseSpec } from "./http-response.js";
import { DEFAULT_HTTP_RESPONSE, mergeHttpResponse } from "./http-response.js";
import type { ServiceSpec } from "./scenario.js";
import { DEFAULT_EXPIRES_IN_DAYS, readCertificateExpiry, readResponseChange } from "./validate-web-fields.js";

const KINDS: readonly ServiceSpec["kind"][] = ["tcp", "http", "https"];
const DAY_MS = 86_400_000;

function readResponse(raw: unknown, path: string, check: Checker): HttpResponseSpec | undefined {
  if (raw === undefined) return DEFAULT_HTTP_RESPONSE;
  const change = readResponseChange(raw, path, check);
  return change === undefined ? undefined : mergeHttpResponse(DEFAULT_HTTP_RESPONSE, change);
}

function readExpiry(raw: unknown, path: string, check: Checker): number | undefined {
  return raw === undefined ? DEFAULT_EXPIRES_IN_DAYS * DAY_MS : readCertificateExpiry(raw, path, check);
}

/**
 * The listener's kind as written, without recording an issue ({@link
 * validateService} does that): lets the script and cycle readers tell which
 * fields the kind allows. `undefined` for a kind that is not one.
 */
export function kindOf(listener: CheckedObject): ServiceSpec["kind"] | undefined {
  const kind = listener["kind"] ?? "tcp";
  return KINDS.find((k) => k === kind);
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
    const misplaced = ["response", "certificate", "cycle"].filter((key) => listener[key] !== undefined);
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
