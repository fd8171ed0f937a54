import { CONFIG_FILE_KEYS, parseStatusRanges } from "@service-monitor/sdk";
import { checkHttpProbe, type CheckedHttpProbe, type HttpProbeInput } from "../domain/http-probe-rules.js";
import { MonitorError } from "../domain/monitor-error.js";
import type { StatusRange } from "../domain/types.js";
// The API's own compile check (the checks' regex engine), so a pattern accepted in a file always runs.
import { bodyRegexError } from "../engine/body-match.js";
import { keyPath, type JsonObject, type JsonFieldReader } from "./read-json-fields.js";

/** What a file's `probe.http` says, in the rules' terms, and which key gave the body (for messages). */
interface HttpProbeFields {
  readonly input: HttpProbeInput;
  readonly bodyKey: "body" | "bodyBase64";
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** `body` (UTF-8 text) or `bodyBase64` (any bytes), not both; absent: no body. */
function readBody(r: JsonFieldReader, o: JsonObject, path: string): Uint8Array | undefined {
  const text = r.string(o, "body", path, "");
  const base64 = r.string(o, "bodyBase64", path, "");
  if (text === undefined || base64 === undefined) return undefined;
  if (text !== "" && base64 !== "") return r.fail(keyPath(path, "bodyBase64"), "must not be set beside body; give the body one way");
  if (base64 === "") return new TextEncoder().encode(text);
  if (!BASE64.test(base64)) return r.fail(keyPath(path, "bodyBase64"), "must be standard base64 (A–Z a–z 0–9 + /, padded with =)");
  return new Uint8Array(Buffer.from(base64, "base64"));
}

/** `expect`, "200-299,304" as monitorctl's --expect takes it; absent: none given (the rules' default). */
function readExpect(r: JsonFieldReader, o: JsonObject, path: string): readonly StatusRange[] | undefined {
  const text = r.string(o, "expect", path, "");
  if (text === undefined || text === "") return text === undefined ? undefined : [];
  const parsed = parseStatusRanges(text);
  return parsed.ok ? parsed.ranges : r.fail(keyPath(path, "expect"), parsed.message);
}

/**
 * A `probe.http` object → the rules' input, recording a wrong key or JSON
 * type at its path. Only the file's own shape is checked here (JSON types,
 * the syntax of `expect`, base64); what every HTTP probe must obey is left
 * to the API's rules.
 */
function readHttpProbeFields(r: JsonFieldReader, value: unknown, path: string): HttpProbeFields | undefined {
  const since = r.mark();
  const o = r.object(value, path, CONFIG_FILE_KEYS.httpProbe);
  if (o === undefined) return undefined;
  const url = r.string(o, "url", path);
  const method = r.string(o, "method", path, "");
  const headers = r.stringRecord(o, "headers", path);
  const body = readBody(r, o, path);
  const acceptedStatuses = readExpect(r, o, path);
  const bodyRegex = r.string(o, "bodyRegex", path, "");
  const bodyKeyword = r.string(o, "bodyKeyword", path, "");
  const invertBodyMatch = r.boolean(o, "invert", path, false);
  const maxRedirects = o["maxRedirects"] === undefined ? undefined : r.number(o, "maxRedirects", path);
  const skipTlsVerify = r.boolean(o, "skipTlsVerify", path, false);
  if (url === undefined || method === undefined || headers === undefined || body === undefined) return undefined;
  if (acceptedStatuses === undefined || bodyRegex === undefined || bodyKeyword === undefined) return undefined;
  if (invertBodyMatch === undefined || skipTlsVerify === undefined || !r.cleanSince(since)) return undefined;
  const input: HttpProbeInput = {
    url,
    method,
    headers,
    body,
    acceptedStatuses,
    bodyRegex,
    bodyKeyword,
    invertBodyMatch,
    maxRedirects,
    skipTlsVerify,
  };
  return { input, bodyKey: o["bodyBase64"] === undefined ? "body" : "bodyBase64" };
}

/** The file's key for a field as the rules name it (the API's names: `accepted_statuses[2].min` → `expect`). */
function fileKey(name: string, bodyKey: HttpProbeFields["bodyKey"]): string {
  if (name.startsWith("accepted_statuses")) return "expect";
  switch (name) {
    case "body":
      return bodyKey;
    case "body_regex":
      return "bodyRegex";
    case "body_keyword":
      return "bodyKeyword";
    case "invert_body_match":
      return "invert";
    case "max_redirects":
      return "maxRedirects";
    default:
      return name;
  }
}

/**
 * A file's `probe.http` → the probe to store (every default filled in) and
 * the host and port its URL names, or undefined with the issue recorded.
 * The rules are the API's own (domain/http-probe-rules.ts, as RegisterService
 * applies them), with the field a rule names turned into the file's JSON
 * path (`$.services[0].probe.http.expect`). They stop at their first
 * problem, so a probe reports at most one rule at a time.
 */
export function readHttpProbe(r: JsonFieldReader, value: unknown, path: string): CheckedHttpProbe | undefined {
  const fields = readHttpProbeFields(r, value, path);
  if (fields === undefined) return undefined;
  try {
    return checkHttpProbe(fields.input, { regexError: bodyRegexError, field: (name) => keyPath(path, fileKey(name, fields.bodyKey)) });
  } catch (error) {
    if (!(error instanceof MonitorError) || error.kind !== "invalid_argument") throw error;
    // "PATH: rule"; no path contains ": " (a header name in one is an RFC 9110 token).
    const at = error.message.indexOf(": ");
    return at < 0 ? r.fail(path, error.message) : r.fail(error.message.slice(0, at), error.message.slice(at + 2));
  }
}
