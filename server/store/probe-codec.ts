import type { HttpMethod, HttpProbeConfig, ProbeConfig, StatusRange } from "../domain/types.js";

/**
 * How a service's ProbeConfig sits in the services table's `probe` column
 * (JSON: TEXT in SQLite, jsonb in PostgreSQL; NULL for "the server's default
 * TCP check"), for both backends. The HTTP variant is stored fully
 * defaulted, as the domain holds it, with the request body in base64 (JSON
 * has no bytes) and the headers as [name, value] pairs: jsonb keeps an
 * object's keys in an order of its own, and the headers are sent in the
 * order they were given. Decoding checks every field of the kind it names and keeps
 * only those, so a probe edited by hand or written by a buggy release stops
 * the load instead of reaching the engine half-formed.
 */

const METHODS: ReadonlySet<unknown> = new Set<HttpMethod>(["GET", "HEAD", "POST"]);
/** Standard base64 with padding, as Buffer writes it; Buffer's decoder would skip anything else silently. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The probe column's JSON text: NULL (null) for "the server's default TCP check". */
export function encodeProbe(probe: ProbeConfig | undefined): string | null {
  if (probe === undefined) return null;
  // Known fields in a fixed order, whatever else the object carried.
  switch (probe.kind) {
    case "tcp":
      return JSON.stringify({ kind: probe.kind, closeMode: probe.closeMode });
    case "http":
      return JSON.stringify({
        kind: probe.kind,
        url: probe.url,
        method: probe.method,
        headers: Object.entries(probe.headers),
        body: Buffer.from(probe.body.buffer, probe.body.byteOffset, probe.body.byteLength).toString("base64"),
        acceptedStatuses: probe.acceptedStatuses.map(({ min, max }) => ({ min, max })),
        bodyRegex: probe.bodyRegex,
        bodyKeyword: probe.bodyKeyword,
        invertBodyMatch: probe.invertBodyMatch,
        maxRedirects: probe.maxRedirects,
        skipTlsVerify: probe.skipTlsVerify,
      });
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks a probe column's parsed JSON: a ProbeConfig of a known kind, only
 * its known fields kept. `fail` throws the caller's error with the rule
 * broken ("probe url …").
 */
export function decodeProbeJson(value: unknown, fail: (why: string) => never): ProbeConfig {
  if (!isObject(value)) return fail("probe is not a JSON object");
  switch (value["kind"]) {
    case "tcp": {
      const closeMode = value["closeMode"];
      if (closeMode !== "fin" && closeMode !== "reset") fail(`probe closeMode ${show(closeMode)} is not "fin" or "reset"`);
      return { kind: "tcp", closeMode };
    }
    case "http":
      return decodeHttpProbe(value, fail);
    default:
      return fail(`probe kind ${show(value["kind"])} is not a known kind of check`);
  }
}

function decodeHttpProbe(p: Json, fail: (why: string) => never): HttpProbeConfig {
  const text = (field: string): string => {
    const v = p[field];
    if (typeof v !== "string") fail(`probe ${field} ${show(v)} is not a string`);
    return v;
  };
  const flag = (field: string): boolean => {
    const v = p[field];
    if (typeof v !== "boolean") fail(`probe ${field} ${show(v)} is not true or false`);
    return v;
  };
  const url = text("url");
  const method = p["method"];
  if (!METHODS.has(method)) fail(`probe method ${show(method)} is not GET, HEAD or POST`);
  const pairs = p["headers"];
  if (!Array.isArray(pairs)) return fail(`probe headers ${show(pairs)} is not an array of [name, value] pairs`);
  const headers: Record<string, string> = {};
  pairs.forEach((pair: unknown, i) => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string" || typeof pair[1] !== "string") {
      fail(`probe headers[${i}] ${show(pair)} is not a [name, value] pair of strings`);
    }
    const [name, v] = pair as [string, string];
    if (Object.hasOwn(headers, name)) fail(`probe headers[${i}] names ${show(name)} a second time`);
    // defineProperty, not assignment: a header named "__proto__" must stay a header.
    Object.defineProperty(headers, name, { value: v, enumerable: true, writable: true, configurable: true });
  });
  const body = text("body");
  if (!BASE64.test(body)) fail(`probe body ${show(body)} is not base64`);
  const statuses = p["acceptedStatuses"];
  if (!Array.isArray(statuses) || statuses.length === 0) fail(`probe acceptedStatuses ${show(statuses)} is not a non-empty array`);
  const acceptedStatuses = statuses.map((range: unknown, i): StatusRange => {
    const { min, max } = isObject(range) ? range : {};
    if (!isStatusCode(min) || !isStatusCode(max) || min > max) {
      fail(`probe acceptedStatuses[${i}] ${show(range)} is not {min, max} with integers min ≤ max`);
    }
    return { min, max };
  });
  const bodyRegex = text("bodyRegex");
  const bodyKeyword = text("bodyKeyword");
  const invertBodyMatch = flag("invertBodyMatch");
  const maxRedirects = p["maxRedirects"];
  if (typeof maxRedirects !== "number" || !Number.isSafeInteger(maxRedirects) || maxRedirects < 0) {
    fail(`probe maxRedirects ${show(maxRedirects)} is not a non-negative integer`);
  }
  return {
    kind: "http",
    url,
    method: method as HttpMethod,
    headers,
    body: new Uint8Array(Buffer.from(body, "base64")),
    acceptedStatuses,
    bodyRegex,
    bodyKeyword,
    invertBodyMatch,
    maxRedirects,
    skipTlsVerify: flag("skipTlsVerify"),
  };
}

function isStatusCode(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}

/** A value for a message, cut short: a hand-edited column may hold anything. */
function show(value: unknown): string {
  if (value === undefined) return "(missing)";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}
