/**
 * What a simulated HTTP(S) service answers to every request. Tests and
 * scenarios change it while the listener runs (200 → 503, a body that stops
 * matching, a slow answer that outlasts the monitor's timeout).
 */
export interface HttpResponseSpec {
  /** 200–599: a final status (1xx are interim answers, not something a check ends on). */
  readonly status: number;
  readonly body: string;
  /** Sent as given; Content-Length is set from the body unless named here. */
  readonly headers: Readonly<Record<string, string>>;
  /** Wait before answering, from the moment the request arrived. */
  readonly delayMs: number;
}

/** A healthy service: 200 "ok", answered at once. */
export const DEFAULT_HTTP_RESPONSE: HttpResponseSpec = {
  status: 200,
  body: "ok",
  headers: { "content-type": "text/plain; charset=utf-8" },
  delayMs: 0,
};

// RFC 9110 token characters; a header name outside them would make Node throw mid-response.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Visible ASCII, space and tab; no CR/LF, so a value cannot smuggle a second header.
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;

/** Why `name: value` cannot be sent as a response header, or `undefined` if it can. */
export function headerProblem(name: string, value: unknown): string | undefined {
  if (!HEADER_NAME.test(name)) return `"${name}" is not a valid header name`;
  if (typeof value !== "string" || !HEADER_VALUE.test(value)) return `"${name}": not a valid header value (visible ASCII, no line breaks)`;
  return undefined;
}

/**
 * Merges `change` over `current`, checking each given field, so a bad value
 * throws at the call that set it rather than inside a request handler later.
 */
export function mergeHttpResponse(current: HttpResponseSpec, change: Partial<HttpResponseSpec>): HttpResponseSpec {
  const next = { ...current, ...change };
  if (!Number.isInteger(next.status) || next.status < 200 || next.status > 599) {
    throw new RangeError(`status must be an integer from 200 to 599, got ${next.status}`);
  }
  if (typeof next.body !== "string") throw new TypeError("body must be a string");
  for (const [name, value] of Object.entries(next.headers)) {
    const problem = headerProblem(name, value);
    if (problem !== undefined) throw new RangeError(`headers: ${problem}`);
  }
  if (!Number.isFinite(next.delayMs) || next.delayMs < 0) {
    throw new RangeError(`delayMs must be a finite number >= 0, got ${next.delayMs}`);
  }
  return { ...next, headers: { ...next.headers } };
}
