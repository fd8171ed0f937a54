/**
 * The HTTP(S) check (docs/architecture.md, checking rule 3): one request on a
 * fresh connection, UP when the status is accepted and the body check (if
 * any) passes, with the latency split into phases as blackbox_exporter does.
 *
 * Client: `node:http` / `node:https` directly, not undici. Each check must
 * measure a real connect and handshake, so there is nothing to gain from
 * undici's pooling and pipelining, and the phases come straight from the
 * socket's own events ('connect', 'secure', 'secureConnect') and the
 * request's 'response', where undici would need diagnostics-channel hooks
 * to see them. `agent: false` gives each request a one-shot agent with
 * keep-alive off (so the request says `Connection: close`), and the
 * built-in client has no dependency to keep up to date. Whether the
 * choice costs checks per second is for the bench (issue 10, item 3).
 *
 * Names are resolved by the injected resolver (the TTL-honouring DNS
 * cache) before each request, and the request's `lookup` hands the socket
 * that answer, so no `getaddrinfo` runs per check (checking rule 5).
 *
 * A failure is a value: the probe never rejects, and `detail` says why in
 * words a person reads ("status 503 not in 200–399", "TLS: certificate has
 * expired", "timed out after 2000 ms while waiting for the response").
 * One timer covers the whole exchange, redirects included.
 */

import { request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import type { LookupFunction, Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { createSecureContext, type SecureContext, type TLSSocket } from "node:tls";
import type { CheckResult, HttpMethod, HttpPhases, Millis, StatusRange } from "../domain/types.js";
import { compileBodyMatch, NO_CAPTURES, type BodyMatchSpec, type Captures, type CompiledBodyMatch } from "./body-match.js";
import type { ResolveResult } from "./dns-cache.js";
import { describeConnectError } from "./probe.js";

// The domain's words for what an HTTP check is given and reports; re-exported for the probe's users.
export type { HttpMethod, HttpPhases, StatusRange } from "../domain/types.js";

/**
 * What to check; mirrors the API's HttpProbe (proto/monitor/v1/resources.proto)
 * and the domain's HttpProbeConfig. Values are assumed valid (the API validates them); a bad one
 * still gives a DOWN result with a detail rather than an exception.
 */
export interface HttpProbeTarget {
  /** http: or https: */
  readonly url: string;
  /** Default GET. */
  readonly method?: HttpMethod | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Sent with POST (and kept across 307/308 redirects). */
  readonly body?: Uint8Array | undefined;
  /** Default 200–399. */
  readonly acceptedStatuses?: readonly StatusRange[] | undefined;
  /** RE2 syntax. Takes precedence over `bodyKeyword` when both are non-empty. */
  readonly bodyRegex?: string | undefined;
  readonly bodyKeyword?: string | undefined;
  readonly invertBodyMatch?: boolean | undefined;
  /** Redirects followed at most; 0: none (a 3xx is then judged as the response). Default 10. */
  readonly maxRedirects?: number | undefined;
  readonly skipTlsVerify?: boolean | undefined;
  /** Bounds the whole exchange: every resolution, connect, handshake, response and body. */
  readonly timeoutMs: number;
}

/** The outcome of one HTTP check: the domain's CheckResult, plus what only HTTP knows. */
export interface HttpCheckResult extends CheckResult {
  /** The final response's status code; undefined when no response came. */
  readonly httpStatus: number | undefined;
  readonly phases: HttpPhases;
  /**
   * Epoch ms at which the server's certificate expires; the soonest of all
   * HTTPS hops. Reported even when verification failed or was skipped.
   */
  readonly tlsExpiresAt: Millis | undefined;
  /** The body regex's groups; empty without a regex match. */
  readonly captures: Captures;
}

/** Runs one check. Never rejects. */
export type HttpProbe = (target: HttpProbeTarget) => Promise<HttpCheckResult>;

/** Seams: name resolution (normally the DNS cache), the wall clock, trusted CAs. */
export interface HttpProbeOptions {
  /** Must not reject; a rejection is still caught and reported as down. */
  readonly resolve: (host: string) => Promise<ResolveResult>;
  /** Wall clock for `CheckResult.at`. Default `Date.now`. */
  readonly now?: () => Millis;
  /** Trusted CA certificates instead of Node's bundled roots (tests' own CA). */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  /** Sent unless the target sets its own User-Agent. */
  readonly userAgent?: string;
}

/** Most body bytes read; a longer body is cut there, and the check goes on with what was read. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Redirects followed when the target says nothing. */
export const DEFAULT_MAX_REDIRECTS = 10;

/** Accepted statuses when the target says nothing. */
export const DEFAULT_ACCEPTED_STATUSES: readonly StatusRange[] = Object.freeze([Object.freeze({ min: 200, max: 399 })]);

export const DEFAULT_USER_AGENT = "service-monitor (health check)";

/** Compiled body checks kept, so a service's pattern is compiled once, not at every check. */
const MAX_COMPILED_BODY_MATCHES = 10_000;

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Headers that must not follow a redirect to another origin (as the Fetch standard drops them). */
const CREDENTIAL_HEADERS: readonly string[] = ["authorization", "cookie", "proxy-authorization"];

/** Where a check is when it times out or fails: chooses the detail's words. */
export type HttpPhase = "resolving" | "connecting" | "tls" | "waiting" | "reading";

const PHASE_WORDS: Readonly<Record<HttpPhase, string>> = {
  resolving: "while resolving the host name",
  connecting: "while connecting",
  tls: "during the TLS handshake",
  waiting: "while waiting for the response",
  reading: "while reading the body",
};

/** "200–399", "200–299, 304": the accepted statuses as a detail shows them. */
export function describeStatusRanges(ranges: readonly StatusRange[]): string {
  return ranges.map((r) => (r.min === r.max ? String(r.min) : `${r.min}–${r.max}`)).join(", ");
}

function isAccepted(status: number, ranges: readonly StatusRange[]): boolean {
  for (const r of ranges) if (status >= r.min && status <= r.max) return true;
  return false;
}

/**
 * Turns a request error into the check's detail, given the phase it came
 * in. Exported so the wording is tested for errors a loopback test cannot
 * easily provoke.
 */
export function describeHttpError(error: unknown, phase: HttpPhase): string {
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") return `TLS: ${message}`;
  if (phase === "tls" && code !== "ECONNRESET" && code !== "ECONNREFUSED" && code !== "ETIMEDOUT") {
    // OpenSSL's verify errors read well as they are ("certificate has
    // expired", "self-signed certificate"); its protocol errors carry a
    // readable `reason` ("wrong version number").
    return `TLS: ${reasonOf(error) ?? message}`;
  }
  if (code?.startsWith("HPE_") === true) return `invalid HTTP response (${reasonOf(error) ?? code})`;
  if (code === "ECONNRESET" && (phase === "waiting" || phase === "reading")) {
    return phase === "waiting" ? "connection closed before the response" : "connection closed while reading the body";
  }
  if (code === "ECONNRESET" && phase === "tls") return "connection reset during the TLS handshake";
  // The system's own connect timeout, not the check's (which has its own words).
  if (code === "ETIMEDOUT") return `connection timed out ${PHASE_WORDS[phase]}`;
  return describeConnectError(error, 0);
}

function codeOf(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "string" ? error.code : undefined;
}

function reasonOf(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "reason" in error && typeof error.reason === "string" && error.reason !== ""
    ? error.reason
    : undefined;
}

/** The state of one check, from start to its single result. */
class HttpCheck {
  done = false;
  phase: HttpPhase = "resolving";
  request: ClientRequest | undefined = undefined;
  timer: NodeJS.Timeout | undefined = undefined;
  dnsMs = 0;
  connectMs = 0;
  tlsMs = 0;
  firstByteMs = 0;
  httpStatus: number | undefined = undefined;
  tlsExpiresAt: Millis | undefined = undefined;
  readonly result: Promise<HttpCheckResult>;
  private settle!: (result: HttpCheckResult) => void;

  constructor(
    readonly timeoutMs: number,
    readonly at: Millis,
    readonly started: number,
  ) {
    this.result = new Promise<HttpCheckResult>((resolve) => {
      this.settle = resolve;
    });
  }

  /** The only way a check ends: exactly once, whichever of response, error or timer comes first. */
  finish(status: "up" | "down", detail: string, captures: Captures = NO_CAPTURES): void {
    if (this.done) return;
    this.done = true;
    const totalMs = performance.now() - this.started;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    // A late 'error' from the destroyed request finds a finished check and is ignored.
    this.request?.destroy();
    this.request = undefined;
    this.settle({
      status,
      at: this.at,
      latencyMs: totalMs,
      detail,
      httpStatus: this.httpStatus,
      phases: { dnsMs: this.dnsMs, connectMs: this.connectMs, tlsMs: this.tlsMs, firstByteMs: this.firstByteMs, totalMs },
      tlsExpiresAt: this.tlsExpiresAt,
      captures,
    });
  }

  noteCertificate(socket: TLSSocket): void {
    const validTo = socket.getPeerCertificate().valid_to;
    const expiresAt = typeof validTo === "string" ? Date.parse(validTo) : Number.NaN;
    if (Number.isFinite(expiresAt) && (this.tlsExpiresAt === undefined || expiresAt < this.tlsExpiresAt)) {
      this.tlsExpiresAt = expiresAt;
    }
  }
}

function onTimeout(check: HttpCheck): void {
  check.timer = undefined;
  check.finish("down", `timed out after ${check.timeoutMs} ms ${PHASE_WORDS[check.phase]}`);
}

/** One request as sent: a hop of the exchange. */
interface Hop {
  readonly url: URL;
  readonly method: HttpMethod;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array | undefined;
}

/** What the exchange needs beyond the hop. */
interface Settings {
  readonly resolve: (host: string) => Promise<ResolveResult>;
  /** Shared by every HTTPS connection of the probe (see createHttpProbe). */
  readonly secureContext: () => SecureContext;
  readonly skipTlsVerify: boolean;
  readonly maxRedirects: number;
  readonly accepted: readonly StatusRange[];
  readonly bodyMatch: CompiledBodyMatch | undefined;
  /** Whether the body is needed as text (a body check) or only drained. */
  readonly needsBody: boolean;
}

/** Creates the probe. One probe serves every HTTP service; it holds only a cache of compiled body checks. */
export function createHttpProbe(options: HttpProbeOptions): HttpProbe {
  const now = options.now ?? Date.now;
  const userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
  const compiled = new Map<string, CompiledBodyMatch>();

  function bodyMatchOf(target: HttpProbeTarget): CompiledBodyMatch | undefined {
    const invert = target.invertBodyMatch === true;
    let spec: BodyMatchSpec;
    if (target.bodyRegex !== undefined && target.bodyRegex !== "") spec = { kind: "regex", pattern: target.bodyRegex, invert };
    else if (target.bodyKeyword !== undefined && target.bodyKeyword !== "") spec = { kind: "keyword", keyword: target.bodyKeyword, invert };
    else return undefined;
    const key = `${spec.kind}\u0000${invert ? 1 : 0}\u0000${spec.kind === "regex" ? spec.pattern : spec.keyword}`;
    let entry = compiled.get(key);
    if (entry === undefined) {
      entry = compileBodyMatch(spec);
      // Oldest first out: patterns of removed services go away in time.
      if (compiled.size >= MAX_COMPILED_BODY_MATCHES) {
        const oldest = compiled.keys().next();
        if (oldest.done !== true) compiled.delete(oldest.value);
      }
      compiled.set(key, entry);
    }
    return entry;
  }

  // One secure context (the trusted CAs) for every HTTPS check: given none,
  // https.request builds one per connection, which costs about 0.5 ms of CPU
  // per check (docs/benchmarks.md, scenario 9). Verification is per request.
  let context: SecureContext | undefined;
  const secureContext = (): SecureContext =>
    (context ??= createSecureContext(options.ca === undefined ? {} : { ca: options.ca as string | Buffer | (string | Buffer)[] }));

  return (target) => {
    const check = new HttpCheck(target.timeoutMs, now(), performance.now());
    check.timer = setTimeout(onTimeout, target.timeoutMs, check);
    check.timer.unref();
    void run(check, target, userAgent, bodyMatchOf, options, secureContext);
    return check.result;
  };
}

async function run(
  check: HttpCheck,
  target: HttpProbeTarget,
  userAgent: string,
  bodyMatchOf: (target: HttpProbeTarget) => CompiledBodyMatch | undefined,
  options: HttpProbeOptions,
  secureContext: () => SecureContext,
): Promise<void> {
  try {
    let url: URL;
    try {
      url = new URL(target.url);
    } catch {
      check.finish("down", `invalid URL ${JSON.stringify(target.url)}`);
      return;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      check.finish("down", `unsupported URL scheme ${JSON.stringify(url.protocol)}`);
      return;
    }
    const bodyMatch = bodyMatchOf(target);
    const method = target.method ?? "GET";
    const settings: Settings = {
      resolve: options.resolve,
      secureContext,
      skipTlsVerify: target.skipTlsVerify === true,
      maxRedirects: target.maxRedirects ?? DEFAULT_MAX_REDIRECTS,
      accepted: target.acceptedStatuses !== undefined && target.acceptedStatuses.length > 0 ? target.acceptedStatuses : DEFAULT_ACCEPTED_STATUSES,
      bodyMatch,
      needsBody: bodyMatch !== undefined,
    };
    const headers: Record<string, string> = { "user-agent": userAgent };
    for (const [name, value] of Object.entries(target.headers ?? {})) headers[name.toLowerCase()] = value;
    const body = method === "POST" ? target.body : undefined;
    await exchange(check, { url, method, headers, body }, settings);
  } catch (error) {
    // Not expected (every known failure is handled below); keeps the promise
    // from rejecting unhandled and the check from hanging until its timer.
    check.finish("down", describeHttpError(error, check.phase));
  }
}

/** Sends the request, follows redirects, judges the final response. Every outcome ends in `check.finish`. */
async function exchange(check: HttpCheck, first: Hop, settings: Settings): Promise<void> {
  let hop = first;
  for (let redirects = 0; ; redirects++) {
    const response = await send(check, hop, settings);
    if (response === undefined) return; // finished: error, timeout or DNS failure
    const status = response.statusCode ?? 0;
    check.httpStatus = status;
    const location = response.headers.location;
    const redirect = REDIRECT_STATUSES.has(status) && location !== undefined && settings.maxRedirects > 0;
    check.phase = "reading";
    const body = await readBody(check, response, settings.needsBody && !redirect);
    if (body === undefined) return;
    // The response is complete (or cut at the bound): drop the connection now, no keep-alive.
    check.request?.destroy();
    check.request = undefined;
    if (redirect) {
      if (redirects >= settings.maxRedirects) {
        check.finish("down", `too many redirects (${settings.maxRedirects})`);
        return;
      }
      const next = redirectHop(hop, status, location);
      if (typeof next === "string") {
        check.finish("down", next);
        return;
      }
      hop = next;
      continue;
    }
    judge(check, status, body, settings);
    return;
  }
}

function judge(check: HttpCheck, status: number, body: string, settings: Settings): void {
  if (!isAccepted(status, settings.accepted)) {
    check.finish("down", `status ${status} not in ${describeStatusRanges(settings.accepted)}`);
    return;
  }
  const bodyMatch = settings.bodyMatch;
  if (bodyMatch === undefined) {
    check.finish("up", "");
    return;
  }
  if (!bodyMatch.ok) {
    check.finish("down", `body check cannot run: ${bodyMatch.error}`);
    return;
  }
  const outcome = bodyMatch.match(body);
  check.finish(outcome.ok ? "up" : "down", outcome.detail, outcome.captures);
}

/**
 * The next hop of a redirect, or why it cannot be followed. As browsers do
 * (the Fetch standard): 303 turns anything but HEAD into a body-less GET,
 * 301 and 302 turn a POST into one, 307 and 308 keep method and body, and
 * credentials do not follow to another origin.
 */
function redirectHop(hop: Hop, status: number, location: string): Hop | string {
  let url: URL;
  try {
    url = new URL(location, hop.url);
  } catch {
    return `redirect to an invalid URL ${JSON.stringify(location)}`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `redirect to an unsupported URL ${url.href}`;
  const toGet = (status === 303 && hop.method !== "HEAD") || ((status === 301 || status === 302) && hop.method === "POST");
  const headers: Record<string, string> = { ...hop.headers };
  if (toGet) {
    delete headers["content-type"];
    delete headers["content-length"];
  }
  if (url.origin !== hop.url.origin) for (const name of CREDENTIAL_HEADERS) delete headers[name];
  return { url, method: toGet ? "GET" : hop.method, headers, body: toGet ? undefined : hop.body };
}

/** Resolves the hop's host, sends the request; the response once its headers came, or undefined if the check finished. */
async function send(check: HttpCheck, hop: Hop, settings: Settings): Promise<IncomingMessage | undefined> {
  check.phase = "resolving";
  const host = hop.url.hostname.startsWith("[") ? hop.url.hostname.slice(1, -1) : hop.url.hostname;
  const resolveStart = performance.now();
  let resolved: ResolveResult;
  try {
    resolved = await settings.resolve(host);
  } catch (error) {
    resolved = { ok: false, code: "EUNKNOWN", detail: `cannot resolve ${host}: ${error instanceof Error ? error.message : String(error)}` };
  }
  check.dnsMs += performance.now() - resolveStart;
  if (check.done) return undefined;
  if (!resolved.ok) {
    check.finish("down", resolved.detail);
    return undefined;
  }
  const { address, family } = resolved;
  // The socket asks for `host`; it gets the cache's answer (with `all` when
  // it races address families, Node 20's default).
  const lookup: LookupFunction = (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all === true) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const secure = hop.url.protocol === "https:";
  const headers: OutgoingHttpHeaders = { ...hop.headers };
  if (hop.body !== undefined) headers["content-length"] = hop.body.byteLength;
  // secureContext reaches tls.connect through the one-shot agent (not in https' own option type).
  const requestOptions: RequestOptions & { secureContext?: SecureContext } = {
    hostname: host,
    port: hop.url.port === "" ? (secure ? 443 : 80) : Number(hop.url.port),
    path: `${hop.url.pathname}${hop.url.search}`,
    method: hop.method,
    headers,
    agent: false,
    lookup,
  };
  if (secure) {
    requestOptions.rejectUnauthorized = !settings.skipTlsVerify;
    requestOptions.secureContext = settings.secureContext();
  }

  return new Promise<IncomingMessage | undefined>((resolve) => {
    check.phase = "connecting";
    const connectStart = performance.now();
    let ready = connectStart;
    let request: ClientRequest;
    try {
      request = (secure ? httpsRequest : httpRequest)(requestOptions);
    } catch (error) {
      // Invalid header names or values are refused synchronously.
      check.finish("down", `cannot send the request: ${error instanceof Error ? error.message : String(error)}`);
      resolve(undefined);
      return;
    }
    check.request = request;
    request.on("socket", (socket: Socket) => {
      socket.once("connect", () => {
        ready = performance.now();
        check.connectMs += ready - connectStart;
        if (!check.done) check.phase = secure ? "tls" : "waiting";
      });
      if (!secure) return;
      const tls = socket as TLSSocket;
      // 'secure' comes when the handshake is done but before verification
      // (which may destroy the socket), so the expiry is known even for a
      // certificate that is refused; prepended to run before Node's check.
      tls.prependOnceListener("secure", () => check.noteCertificate(tls));
      tls.once("secureConnect", () => {
        const t = performance.now();
        check.tlsMs += t - ready;
        ready = t;
        if (!check.done) check.phase = "waiting";
      });
    });
    request.on("response", (response: IncomingMessage) => {
      check.firstByteMs += performance.now() - ready;
      resolve(check.done ? undefined : response);
    });
    request.on("error", (error: Error) => {
      check.finish("down", describeHttpError(error, check.phase));
      resolve(undefined);
    });
    request.end(hop.body);
  });
}

/**
 * Reads at most MAX_BODY_BYTES, then stops (the connection is dropped by
 * the caller). The text, or undefined if the check finished meanwhile.
 * Without a body check the bytes are drained and not kept, so the server
 * can finish sending and `totalMs` includes the transfer.
 */
function readBody(check: HttpCheck, response: IncomingMessage, keep: boolean): Promise<string | undefined> {
  return new Promise<string | undefined>((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let settled = false;
    const settle = (value: string | undefined): void => {
      if (settled) return;
      settled = true;
      resolve(check.done ? undefined : value);
    };
    const text = (): string => (keep ? Buffer.concat(chunks, length).toString("utf8") : "");
    response.on("data", (chunk: Buffer) => {
      if (settled) return;
      const room = MAX_BODY_BYTES - length;
      const taken = chunk.length > room ? chunk.subarray(0, room) : chunk;
      if (keep) chunks.push(taken);
      length += taken.length;
      if (length >= MAX_BODY_BYTES) {
        // Enough: the rest is not read (destroying may reset the connection).
        settle(text());
        response.destroy();
      }
    });
    response.on("end", () => settle(text()));
    response.on("error", (error: Error) => {
      if (settled) return;
      check.finish("down", describeHttpError(error, "reading"));
      settle(undefined);
    });
    response.on("close", () => {
      // Closed before 'end' without an error (e.g. the request destroyed by the timer).
      if (!settled && !response.complete) {
        check.finish("down", "connection closed while reading the body");
        settle(undefined);
      }
    });
  });
}
