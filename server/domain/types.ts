/**
 * The domain's vocabulary. Plain data, no behaviour, no generated protobuf
 * types: the rpc layer maps between these and the wire messages, so the rules
 * can be tested and reused without a transport.
 *
 * Times are epoch milliseconds (`Millis`), spans are milliseconds.
 */

/** Epoch milliseconds. Every rule takes "now" as an argument of this type. */
export type Millis = number;

/** What a check found, or "unknown" before the first check. */
export type Status = "unknown" | "up" | "down";

/**
 * A registered service: a host:port checked by TCP connect, or a URL checked
 * by HTTP(S). For an HTTP check `host` and `port` are the URL's (so events,
 * logs and filters name every service the same way); the URL is the target.
 */
export interface ServiceConfig {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly displayName: string;
  readonly checkIntervalMs: number;
  readonly checkTimeoutMs: number;
  readonly createdAt: Millis;
  /**
   * How it is checked, as registered. Absent: a TCP connect check that closes
   * the way the server's `--tcp-close` default says, so changing the default
   * changes every service that did not choose.
   */
  readonly probe?: ProbeConfig;
  /**
   * Set while the service is paused (PauseService): when it was paused. A
   * paused service is not checked and announces nothing.
   */
  readonly pausedAt?: Millis;
  /**
   * "config": declared in the --config file, which creates, updates and
   * removes it; absent: created through the API, which the file never removes.
   */
  readonly managedBy?: "config";
}

/**
 * How a TCP check closes a connection once connected: "fin" is an ordinary
 * close (the monitored application sees a client hang up; TIME_WAIT stays on
 * the monitor's side), "reset" an abortive one (no TIME_WAIT anywhere, but the
 * application sees a connection reset at every check).
 */
export type TcpCloseMode = "fin" | "reset";

/** A service's check settings; one variant per kind of check (the API's `oneof probe`). */
export type ProbeConfig = TcpProbeConfig | HttpProbeConfig;

export interface TcpProbeConfig {
  readonly kind: "tcp";
  readonly closeMode: TcpCloseMode;
}

/** The methods an HTTP check may use. */
export type HttpMethod = "GET" | "HEAD" | "POST";

/** Accepted HTTP status codes from min to max, both included. */
export interface StatusRange {
  readonly min: number;
  readonly max: number;
}

/**
 * An HTTP(S) check, as validated: defaults filled in, so what is stored and
 * shown is what runs. Mirrors the API's HttpProbe.
 */
export interface HttpProbeConfig {
  readonly kind: "http";
  /** Absolute http: or https: URL, as the URL parser normalises it. */
  readonly url: string;
  readonly method: HttpMethod;
  /** Request headers, names as given. */
  readonly headers: Readonly<Record<string, string>>;
  /** Request body (POST only); empty for none. */
  readonly body: Uint8Array;
  /** Never empty (default 200–399). */
  readonly acceptedStatuses: readonly StatusRange[];
  /** RE2 syntax; "" for none. At most one of bodyRegex and bodyKeyword is non-empty. */
  readonly bodyRegex: string;
  readonly bodyKeyword: string;
  readonly invertBodyMatch: boolean;
  /** 0: redirects are not followed. */
  readonly maxRedirects: number;
  readonly skipTlsVerify: boolean;
}

export interface CallerConfig {
  readonly id: string;
  readonly displayName: string;
  readonly createdAt: Millis;
  /**
   * SHA-256 (hex) of the caller's token; absent for a caller made before
   * tokens existed or declared in the config file, until one is issued.
   */
  readonly tokenHash?: string;
  /**
   * "config": declared in the --config file, which creates, updates and
   * removes it; absent: created through the API, which the file never removes.
   */
  readonly managedBy?: "config";
}

export interface SubscriptionConfig {
  readonly callerId: string;
  readonly serviceId: string;
  readonly pollingIntervalMs: number;
  readonly gracePeriodMs: number;
  /** Set when the caller also hears of the service's availability (AvailabilityAlert / AvailabilityRecovered). */
  readonly availabilityAlert?: AvailabilityAlertRule;
  /**
   * "config": declared in the --config file, which creates, updates and
   * removes it; absent: created through the API, which the file never removes.
   */
  readonly managedBy?: "config";
}

/**
 * When a subscription raises an availability alert: the availability over
 * the last `windowMs` (time up / time up or down, outage and paused time left
 * out) is below `threshold`. Stored fully defaulted.
 */
export interface AvailabilityAlertRule {
  /** 10 s to 24 h; default 2 min. */
  readonly windowMs: number;
  /** In (0, 1]; default 0.8. */
  readonly threshold: number;
}

/** A window [startMs, endMs) in which the service's notifications are silenced. */
export interface PlannedOutage {
  readonly id: string;
  readonly serviceId: string;
  readonly startMs: Millis;
  readonly endMs: Millis;
  readonly reason: string;
  /**
   * "config": declared in the --config file, which creates, updates and
   * removes it; absent: created through the API, which the file never removes.
   */
  readonly managedBy?: "config";
}

/**
 * The outcome of one check. A failure is a value, never an exception:
 * `detail` says why ("connection refused", "status 503 not in 200–399", ...).
 */
export interface CheckResult {
  readonly status: "up" | "down";
  /** When the check started. */
  readonly at: Millis;
  readonly latencyMs: number;
  readonly detail: string;
  /** HTTP checks: what the exchange showed beside status and detail. */
  readonly http?: HttpCheckDetails;
}

/** How long each phase of an HTTP check took, in ms, summed over redirects; 0 when not reached. */
export interface HttpPhases {
  readonly dnsMs: number;
  readonly connectMs: number;
  readonly tlsMs: number;
  /** From the connection being ready to the response's headers. */
  readonly firstByteMs: number;
  /** The whole exchange, body included. */
  readonly totalMs: number;
}

/** What an HTTP check reports beside up/down and its detail. */
export interface HttpCheckDetails {
  /** The final response's status code; undefined when no response came. */
  readonly statusCode: number | undefined;
  readonly phases: HttpPhases;
  /** HTTPS: when the certificate expires (the soonest over redirects). */
  readonly tlsExpiresAt: Millis | undefined;
  /** The body regex's groups in order; null for a group that took no part. */
  readonly captures: readonly (string | null)[];
  readonly namedCaptures: Readonly<Record<string, string | null>>;
}

/**
 * What the checks of one service have shown so far. For "down", `sinceMs`
 * is `down_since`: the start of the first failed check of the current failure.
 */
export interface Observation {
  readonly status: Status;
  readonly sinceMs: Millis;
  readonly lastCheckAt: Millis | undefined;
  readonly lastLatencyMs: number;
  readonly detail: string;
  /** HTTP checks: what the last check showed. */
  readonly http?: HttpCheckDetails;
  /**
   * Set when UpdateService changed what is checked ("check target changed
   * from 127.0.0.1:80 to https://…"): kept through the first status period
   * after the change, so the notification that period brings says why.
   */
  readonly note?: string;
}

/** What a subscription last announced to its caller. */
export interface Announced {
  readonly status: Status;
  /** `since` of the announced status; 0 while nothing was announced. */
  readonly sinceMs: Millis;
  /**
   * True while the caller's last availability event was an AvailabilityAlert
   * (absent: false). Derived by the store from the log, like the status.
   */
  readonly alerting?: boolean;
}

/** A status change the caller must hear. */
export interface Announcement {
  readonly serviceId: string;
  readonly previous: Status;
  readonly status: "up" | "down";
  readonly sinceMs: Millis;
  readonly detail: string;
  readonly http?: HttpCheckDetails;
}

/**
 * An entry of a caller's event log, before it is numbered. The host and port
 * (and an HTTP check's URL) are copied in so a replayed event stays
 * meaningful after the service is gone.
 */
export type CallerEvent =
  | {
      readonly kind: "status_change";
      readonly serviceId: string;
      readonly host: string;
      readonly port: number;
      /** HTTP checks only. */
      readonly url?: string;
      readonly previous: Status;
      readonly status: "up" | "down";
      readonly sinceMs: Millis;
      readonly detail: string;
      /** HTTP checks only: what the deciding check saw. */
      readonly http?: HttpCheckDetails;
    }
  | {
      readonly kind: "subscription_ended";
      readonly serviceId: string;
      readonly reason: "unsubscribed" | "service unregistered";
    }
  /** PauseService / ResumeService, one to each subscriber. */
  | { readonly kind: "service_paused"; readonly serviceId: string }
  | { readonly kind: "service_resumed"; readonly serviceId: string }
  /** The subscription's availability rule: below its threshold, or back at or above it. */
  | AvailabilityEvent;

/** AvailabilityAlert / AvailabilityRecovered as logged: the figures when it was decided. */
export interface AvailabilityEvent {
  readonly kind: "availability_alert" | "availability_recovered";
  readonly serviceId: string;
  readonly host: string;
  readonly port: number;
  /** HTTP checks only. */
  readonly url?: string;
  /** Over the window, 0 to 1. */
  readonly availability: number;
  readonly threshold: number;
  readonly windowMs: number;
}

/** An event as stored: numbered within its caller's log. */
export interface LoggedEvent {
  readonly callerId: string;
  readonly sequence: number;
  readonly timeMs: Millis;
  readonly event: CallerEvent;
}
