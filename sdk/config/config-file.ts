/**
 * The declarative config file (`service-monitor --config monitor.json`): the
 * services, callers, subscriptions and planned outages an operator keeps in
 * version control. The server reads it and makes the registry match it;
 * `monitorctl export` writes it. Both sides use these types, so the format
 * has one definition.
 *
 * JSON, with durations as people write them ("30s", "500ms", "2h") and times
 * in RFC 3339 ("2026-11-23T22:00:00Z"). Ids are chosen in the file
 * ("payments-db") and are the ids the API uses. A key that is not listed in
 * {@link CONFIG_FILE_KEYS} is refused: a typo must not silently do nothing.
 *
 * ```json
 * {
 *   "version": 1,
 *   "services": [
 *     { "id": "payments-db", "host": "10.0.0.5", "port": 5432, "displayName": "Payments DB",
 *       "checkInterval": "30s", "checkTimeout": "2s", "probe": { "tcp": { "close": "reset" } } },
 *     { "id": "shop", "probe": { "http": { "url": "https://shop.example.com/health", "expect": "200-299",
 *                                          "bodyKeyword": "ok" } } }
 *   ],
 *   "callers": [{ "id": "pager", "displayName": "Pager" }],
 *   "subscriptions": [{ "caller": "pager", "service": "payments-db", "pollingInterval": "5s", "gracePeriod": "30s",
 *                       "availabilityAlert": { "window": "10m", "threshold": 0.99 } }],
 *   "outages": [{ "id": "db-upgrade", "service": "payments-db",
 *                 "start": "2026-11-23T22:00:00Z", "end": "2026-11-23T23:00:00Z", "reason": "upgrade" }]
 * }
 * ```
 */
export interface ConfigFile {
  /** The format's version; this code reads and writes {@link CONFIG_FILE_VERSION}. */
  readonly version: typeof CONFIG_FILE_VERSION;
  readonly services?: readonly ConfigService[];
  readonly callers?: readonly ConfigCaller[];
  readonly subscriptions?: readonly ConfigSubscription[];
  readonly outages?: readonly ConfigOutage[];
}

/** The only version there is; a file of another version is refused rather than guessed at. */
export const CONFIG_FILE_VERSION = 1;

/**
 * A service, as RegisterService takes it, with an id of the file's choosing.
 * A TCP check names `host` and `port`; an HTTP check names neither (its URL
 * does).
 */
export interface ConfigService {
  /** Letters, digits and `. _ : @ -`, at most 128 characters; the id the API uses. */
  readonly id: string;
  /** A hostname or an IP literal. TCP checks only: required for them, refused beside `probe.http`. */
  readonly host?: string;
  /** 1–65535. TCP checks only, as `host`. */
  readonly port?: number;
  /** Default "". */
  readonly displayName?: string;
  /** Its own check interval, 1s–24h; default "30s". */
  readonly checkInterval?: string;
  /** Timeout of each check (for HTTP, the whole exchange), 100ms–60s; default "2s". */
  readonly checkTimeout?: string;
  /** How it is checked (the API's `oneof probe`); absent: TCP, closed as the server's `--tcp-close` says. */
  readonly probe?: ConfigProbe;
}

/** One key, one kind of check: the API's `oneof probe`. */
export type ConfigProbe =
  | { readonly tcp: ConfigTcpProbe; readonly http?: never }
  | { readonly http: ConfigHttpProbe; readonly tcp?: never };

export interface ConfigTcpProbe {
  /** "fin" (an ordinary close) or "reset" (RST); absent: the server's `--tcp-close`. */
  readonly close?: "fin" | "reset";
}

/**
 * An HTTP(S) check (the API's HttpProbe), under the same rules as
 * RegisterService; the service's host and port are the URL's.
 */
export interface ConfigHttpProbe {
  /** An absolute http:// or https:// URL, at most 2048 characters, without user:password. */
  readonly url: string;
  /** "GET" (default), "HEAD" or "POST". */
  readonly method?: string;
  /** Request headers by name (not Host, Content-Length, Connection or Transfer-Encoding); default none. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Request body as UTF-8 text, POST only, at most 16 KiB; not with `bodyBase64`. */
  readonly body?: string;
  /** Request body as base64 (for bytes that are not UTF-8 text), POST only; not with `body`. */
  readonly bodyBase64?: string;
  /** The status codes that count as up, as monitorctl's `--expect` takes them: "200-299,304"; default "200-399". */
  readonly expect?: string;
  /** An RE2 regular expression the body must match (its groups are reported); not with `bodyKeyword`. */
  readonly bodyRegex?: string;
  /** A plain string the body must contain; not with `bodyRegex`. */
  readonly bodyKeyword?: string;
  /** Up when the body does NOT match `bodyRegex` / contain `bodyKeyword`; default false. */
  readonly invert?: boolean;
  /** Redirects followed at most, 0–20 (0: a 3xx is judged as the response); default 10. */
  readonly maxRedirects?: number;
  /** Accept any TLS certificate (its expiry is still reported); default false. */
  readonly skipTlsVerify?: boolean;
}

export interface ConfigCaller {
  /** Letters, digits and `. _ : @ -`, at most 128 characters. */
  readonly id: string;
  /** Default "". */
  readonly displayName?: string;
}

export interface ConfigSubscription {
  /** A caller id: one of the file's, or one registered through the API. */
  readonly caller: string;
  /** A service id: one of the file's, or one registered through the API. */
  readonly service: string;
  /** 1s–24h; default: the service's check interval. */
  readonly pollingInterval?: string;
  /** 0s–24h; default "0s". */
  readonly gracePeriod?: string;
  /** Also tell the caller when the service's availability falls below a threshold (the API's AvailabilityAlertRule); absent: no rule. */
  readonly availabilityAlert?: ConfigAvailabilityAlert;
}

/**
 * An availability alert rule: alert when the availability over the last
 * `window` (time up / time up or down; planned outages and paused time count
 * as neither) is below `threshold`, and say so again when it recovers.
 */
export interface ConfigAvailabilityAlert {
  /** 10s–24h; default "2m". */
  readonly window?: string;
  /** Above 0 and at most 1 (0.99 is 99%); default 0.8. */
  readonly threshold?: number;
}

/** A planned outage [start, end): the service's notifications are silenced inside it. */
export interface ConfigOutage {
  /** Letters, digits and `. _ : @ -`, at most 256 characters. */
  readonly id: string;
  /** A service id: one of the file's, or one registered through the API. */
  readonly service: string;
  /** RFC 3339, e.g. "2026-11-23T22:00:00Z". */
  readonly start: string;
  /** RFC 3339, after `start`. An outage that has ended is left alone (never scheduled). */
  readonly end: string;
  /** Default "". */
  readonly reason?: string;
}

/** Every key an object of the file may have (the records make the compiler keep them complete). */
export const CONFIG_FILE_KEYS = {
  file: keys<ConfigFile>({ version: true, services: true, callers: true, subscriptions: true, outages: true }),
  service: keys<ConfigService>({
    id: true,
    host: true,
    port: true,
    displayName: true,
    checkInterval: true,
    checkTimeout: true,
    probe: true,
  }),
  probe: keys<ConfigProbe>({ tcp: true, http: true }),
  tcpProbe: keys<ConfigTcpProbe>({ close: true }),
  httpProbe: keys<ConfigHttpProbe>({
    url: true,
    method: true,
    headers: true,
    body: true,
    bodyBase64: true,
    expect: true,
    bodyRegex: true,
    bodyKeyword: true,
    invert: true,
    maxRedirects: true,
    skipTlsVerify: true,
  }),
  caller: keys<ConfigCaller>({ id: true, displayName: true }),
  subscription: keys<ConfigSubscription>({ caller: true, service: true, pollingInterval: true, gracePeriod: true, availabilityAlert: true }),
  availabilityAlert: keys<ConfigAvailabilityAlert>({ window: true, threshold: true }),
  outage: keys<ConfigOutage>({ id: true, service: true, start: true, end: true, reason: true }),
} as const;

function keys<T>(record: { readonly [K in keyof Required<T>]: true }): readonly string[] {
  return Object.keys(record);
}

/** The file as `monitorctl export` prints it: 2-space JSON and a final newline. */
export function formatConfigFile(file: ConfigFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}
