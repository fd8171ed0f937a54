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

/** A registered host:port. */
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
export type ProbeConfig = { readonly kind: "tcp"; readonly closeMode: TcpCloseMode };

export interface CallerConfig {
  readonly id: string;
  readonly displayName: string;
  readonly createdAt: Millis;
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
  /**
   * "config": declared in the --config file, which creates, updates and
   * removes it; absent: created through the API, which the file never removes.
   */
  readonly managedBy?: "config";
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
 * The outcome of one TCP check. A failure is a value, never an exception:
 * `detail` says why ("connection refused", "timed out after 2000 ms", ...).
 */
export interface CheckResult {
  readonly status: "up" | "down";
  /** When the check started. */
  readonly at: Millis;
  readonly latencyMs: number;
  readonly detail: string;
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
}

/** What a subscription last announced to its caller. */
export interface Announced {
  readonly status: Status;
  /** `since` of the announced status; 0 while nothing was announced. */
  readonly sinceMs: Millis;
}

/** A status change the caller must hear. */
export interface Announcement {
  readonly serviceId: string;
  readonly previous: Status;
  readonly status: "up" | "down";
  readonly sinceMs: Millis;
  readonly detail: string;
}

/**
 * An entry of a caller's event log, before it is numbered. The host and port
 * are copied in so a replayed event stays meaningful after the service is gone.
 */
export type CallerEvent =
  | {
      readonly kind: "status_change";
      readonly serviceId: string;
      readonly host: string;
      readonly port: number;
      readonly previous: Status;
      readonly status: "up" | "down";
      readonly sinceMs: Millis;
      readonly detail: string;
    }
  | {
      readonly kind: "subscription_ended";
      readonly serviceId: string;
      readonly reason: "unsubscribed" | "service unregistered";
    };

/** An event as stored: numbered within its caller's log. */
export interface LoggedEvent {
  readonly callerId: string;
  readonly sequence: number;
  readonly timeMs: Millis;
  readonly event: CallerEvent;
}
