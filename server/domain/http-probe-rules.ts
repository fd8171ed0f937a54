import { checkHost, checkNoNul } from "./field-rules.js";
import { invalidArgument } from "./monitor-error.js";
import { quoteInput } from "./quote-input.js";
import { hostPortOfUrl } from "./service-target.js";
import type { HttpMethod, HttpProbeConfig, StatusRange } from "./types.js";

/**
 * The rules of an HTTP(S) check's settings (issue 10, item 9), on plain
 * values, shared by RegisterService / UpdateService and the config file, so
 * a probe refused at the API is refused in a file too. Like field-rules.ts,
 * each rule throws an invalid_argument MonitorError whose message starts with
 * the field's name; the names are the API's (`url`, `accepted_statuses[2].min`)
 * passed through `field`, so the API says `http.url` and a file may say
 * `services[3].http.url`.
 *
 * The result is stored fully defaulted (types.ts, HttpProbeConfig): what
 * GetService shows is what runs, and a later change of a default does not
 * change a registered service.
 */

/** The documented bounds (proto/monitor/v1/resources.proto, HttpProbe). */
export const HTTP_LIMITS = {
  urlLength: 2048,
  headerCount: 32,
  /** Sum over headers of name and value lengths (visible ASCII: one byte per character). */
  headerBytes: 8 * 1024,
  bodyBytes: 16 * 1024,
  statusRanges: 16,
  statusMin: 100,
  statusMax: 599,
  bodyRegexLength: 1024,
  /** Not in the issue; the same bound as the regex, so a keyword cannot be a 10 MB string either. */
  bodyKeywordLength: 1024,
  maxRedirects: 20,
} as const;

/** What an unset setting means. */
export const HTTP_DEFAULTS = {
  method: "GET",
  acceptedStatuses: [{ min: 200, max: 399 }] as readonly StatusRange[],
  maxRedirects: 10,
} as const;

/**
 * An HTTP probe as a request or a file gives it. The API's HttpProbe message
 * fits as it is; unset fields take the defaults. `max` 0 in a status range
 * means `min` alone.
 */
export interface HttpProbeInput {
  readonly url: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  readonly acceptedStatuses?: readonly { readonly min: number; readonly max: number }[];
  readonly bodyRegex?: string;
  readonly bodyKeyword?: string;
  readonly invertBodyMatch?: boolean;
  readonly maxRedirects?: number | undefined;
  readonly skipTlsVerify?: boolean;
}

export interface HttpProbeRuleOptions {
  /**
   * Why a body regex does not compile, or undefined when it does. Passed in
   * so this file stays free of the regex engine (the rpc layer hands it
   * engine/body-match.ts's compileBodyMatch, the one the checks use).
   */
  readonly regexError: (pattern: string) => string | undefined;
  /** A field's name in messages, from its API name; default `http.<name>`. */
  readonly field?: (name: string) => string;
}

/** A checked probe, with the host and port its URL names (ServiceConfig.host/port of an HTTP service). */
export interface CheckedHttpProbe {
  readonly probe: HttpProbeConfig;
  readonly host: string;
  readonly port: number;
}

const METHODS: readonly HttpMethod[] = ["GET", "HEAD", "POST"];

// RFC 9110 §5.6.2: a field name is a token.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Visible ASCII, space and tab (RFC 9110 §5.5 without obs-text, whose meaning
// is unclear and which Node would send as latin-1): no CR, LF or NUL, so a
// value can never end a header early or smuggle a second one.
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;
/** Set by the check itself: one connection, one request, its own framing. */
const RESERVED_HEADERS = new Set(["host", "content-length", "connection", "transfer-encoding"]);

/** Checks an HTTP probe's settings and fills in the defaults; throws invalid_argument naming the field. */
export function checkHttpProbe(input: HttpProbeInput, options: HttpProbeRuleOptions): CheckedHttpProbe {
  const field = options.field ?? ((name: string) => `http.${name}`);
  const { url, host, port } = checkUrl(input.url, field("url"));
  const method = checkMethod(input.method ?? "", field("method"));
  const headers = checkHeaders(input.headers ?? {}, field("headers"));
  const body = input.body ?? new Uint8Array();
  if (body.length > HTTP_LIMITS.bodyBytes) {
    throw invalidArgument(field("body"), `must be at most ${HTTP_LIMITS.bodyBytes} bytes, got ${body.length}`);
  }
  if (body.length > 0 && method !== "POST") {
    throw invalidArgument(field("body"), `may only be sent with POST, method is ${method}`);
  }
  const acceptedStatuses = checkStatusRanges(input.acceptedStatuses ?? [], field);
  const bodyRegex = input.bodyRegex ?? "";
  const bodyKeyword = input.bodyKeyword ?? "";
  if (bodyRegex.length > HTTP_LIMITS.bodyRegexLength) {
    throw invalidArgument(
      field("body_regex"),
      `must be at most ${HTTP_LIMITS.bodyRegexLength} characters, got ${bodyRegex.length}`,
    );
  }
  if (bodyKeyword.length > HTTP_LIMITS.bodyKeywordLength) {
    throw invalidArgument(
      field("body_keyword"),
      `must be at most ${HTTP_LIMITS.bodyKeywordLength} characters, got ${bodyKeyword.length}`,
    );
  }
  checkNoNul(bodyRegex, field("body_regex"));
  checkNoNul(bodyKeyword, field("body_keyword"));
  if (bodyRegex !== "" && bodyKeyword !== "") {
    throw invalidArgument(field("body_keyword"), `must be empty when ${field("body_regex")} is set (one body check)`);
  }
  if (bodyRegex !== "") {
    const error = options.regexError(bodyRegex);
    if (error !== undefined) {
      throw invalidArgument(field("body_regex"), `does not compile (RE2 syntax): ${quoteInput(error, 200)}`);
    }
  }
  if (method === "HEAD" && (bodyRegex !== "" || bodyKeyword !== "")) {
    // A HEAD response has no body: the check could never pass (or, inverted, never fail).
    const which = bodyRegex !== "" ? "body_regex" : "body_keyword";
    throw invalidArgument(field(which), "needs GET or POST: a HEAD response has no body");
  }
  const invertBodyMatch = input.invertBodyMatch ?? false;
  if (invertBodyMatch && bodyRegex === "" && bodyKeyword === "") {
    // Inverting nothing would be stored and shown but never act: most likely a mistake.
    throw invalidArgument(
      field("invert_body_match"),
      `needs ${field("body_regex")} or ${field("body_keyword")} to invert`,
    );
  }
  const maxRedirects = input.maxRedirects ?? HTTP_DEFAULTS.maxRedirects;
  if (!Number.isInteger(maxRedirects) || maxRedirects < 0 || maxRedirects > HTTP_LIMITS.maxRedirects) {
    throw invalidArgument(
      field("max_redirects"),
      `must be between 0 and ${HTTP_LIMITS.maxRedirects}, got ${String(maxRedirects)}`,
    );
  }
  return {
    probe: {
      kind: "http",
      url,
      method,
      headers,
      body,
      acceptedStatuses,
      bodyRegex,
      bodyKeyword,
      invertBodyMatch,
      maxRedirects,
      skipTlsVerify: input.skipTlsVerify ?? false,
    },
    host,
    port,
  };
}

/**
 * An absolute http: or https: URL without credentials whose host passes the
 * same rule as a TCP service's. Stored as the URL parser normalises it
 * (lower-case scheme and host, default port dropped), without a fragment,
 * which is never sent, so two spellings of one URL are one target.
 */
function checkUrl(value: string, field: string): { url: string; host: string; port: number } {
  if (value === "") throw invalidArgument(field, "must not be empty");
  if (value.length > HTTP_LIMITS.urlLength) {
    throw invalidArgument(field, `must be at most ${HTTP_LIMITS.urlLength} characters, got ${value.length}`);
  }
  if (!/^https?:\/\//i.test(value) || !URL.canParse(value)) {
    throw invalidArgument(field, `must be an absolute http:// or https:// URL, got ${quoteInput(value)}`);
  }
  const url = new URL(value);
  if (url.username !== "" || url.password !== "") {
    throw invalidArgument(field, "must not contain user:password (send an Authorization header instead)");
  }
  url.hash = "";
  const { host, port } = hostPortOfUrl(url);
  checkHost(url.hostname, field);
  if (port < 1) throw invalidArgument(field, `port must be between 1 and 65535, got ${port}`);
  // Percent-encoding can lengthen what was given; the bound is on what is stored.
  if (url.href.length > HTTP_LIMITS.urlLength) {
    throw invalidArgument(
      field,
      `must be at most ${HTTP_LIMITS.urlLength} characters once normalised, got ${url.href.length}`,
    );
  }
  return { url: url.href, host: host.toLowerCase(), port };
}

/**
 * GET, HEAD or POST; empty means GET. Any case is accepted and stored upper
 * case: the three are only ever meant upper case, and one spelling keeps
 * "get" and "GET" of one URL from being two targets.
 */
function checkMethod(value: string, field: string): HttpMethod {
  if (value === "") return HTTP_DEFAULTS.method;
  const method = METHODS.find((m) => m === value.toUpperCase());
  if (method === undefined) throw invalidArgument(field, `must be GET, HEAD or POST, got ${quoteInput(value)}`);
  return method;
}

function checkHeaders(headers: Readonly<Record<string, string>>, field: string): Record<string, string> {
  const entries = Object.entries(headers);
  if (entries.length > HTTP_LIMITS.headerCount) {
    throw invalidArgument(field, `at most ${HTTP_LIMITS.headerCount} headers, got ${entries.length}`);
  }
  let bytes = 0;
  for (const [name, value] of entries) bytes += name.length + value.length;
  if (bytes > HTTP_LIMITS.headerBytes) {
    throw invalidArgument(field, `must be at most ${HTTP_LIMITS.headerBytes} bytes of names and values, got ${bytes}`);
  }
  const seen = new Set<string>();
  const checked: Record<string, string> = {};
  for (const [name, value] of entries) {
    if (!HEADER_NAME.test(name)) {
      throw invalidArgument(field, `${quoteInput(name)} is not a valid header name (an RFC 9110 token)`);
    }
    const lower = name.toLowerCase();
    if (lower === "__proto__") {
      // A token, but no header: as an object key it would be dropped on the way (JS objects' prototype slot).
      throw invalidArgument(field, `${quoteInput(name)} is not a usable header name`);
    }
    if (RESERVED_HEADERS.has(lower)) {
      throw invalidArgument(field, `${quoteInput(name)} is set by the check itself and may not be given`);
    }
    if (seen.has(lower)) throw invalidArgument(field, `${quoteInput(name)} is given twice (names ignore case)`);
    seen.add(lower);
    if (!HEADER_VALUE.test(value)) {
      throw invalidArgument(
        `${field}[${quoteInput(name)}]`,
        "must be visible ASCII, spaces and tabs only (no CR, LF, NUL or other control characters)",
      );
    }
    checked[name] = value;
  }
  return checked;
}

/** Each range within 100–599, max ≥ min (max 0 = min alone, stored as min–min); none = the default 200–399. */
function checkStatusRanges(
  ranges: readonly { readonly min: number; readonly max: number }[],
  field: (name: string) => string,
): StatusRange[] {
  if (ranges.length > HTTP_LIMITS.statusRanges) {
    throw invalidArgument(
      field("accepted_statuses"),
      `at most ${HTTP_LIMITS.statusRanges} ranges, got ${ranges.length}`,
    );
  }
  if (ranges.length === 0) return HTTP_DEFAULTS.acceptedStatuses.map((r) => ({ ...r }));
  const { statusMin: lo, statusMax: hi } = HTTP_LIMITS;
  return ranges.map(({ min, max }, i) => {
    if (!Number.isInteger(min) || min < lo || min > hi) {
      throw invalidArgument(field(`accepted_statuses[${i}].min`), `must be between ${lo} and ${hi}, got ${min}`);
    }
    if (max === 0) return { min, max: min };
    if (!Number.isInteger(max) || max < min || max > hi) {
      throw invalidArgument(
        field(`accepted_statuses[${i}].max`),
        `must be 0 (min alone) or between min (${min}) and ${hi}, got ${max}`,
      );
    }
    return { min, max };
  });
}
