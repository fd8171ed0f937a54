import type {
  CallerConfig,
  CallerEvent,
  HttpCheckDetails,
  LoggedEvent,
  Observation,
  PlannedOutage,
  ProbeConfig,
  ServiceConfig,
  Status,
  SubscriptionConfig,
} from "../domain/types.js";
import { isStatus } from "./caller-event-codec.js";
import { httpDetailsToJson, toHttpDetails, type HttpDetailsJson } from "./http-details-codec.js";
import { decodeProbeJson } from "./probe-codec.js";
import type { AnnouncedEntry } from "./store.js";

/**
 * How the domain's values sit in the store's rows, for both backends (the
 * tables have the same columns in SQLite and PostgreSQL), and the checks that
 * a row read back is still one. The column types guarantee what they can;
 * what they cannot (a status, a managed_by, a probe's shape, an event's
 * payload, written by a buggy release or edited by hand with constraints
 * off) is checked here, so a bad row stops the load naming its table and key
 * instead of reaching the engine. Every decoder throws RowError; the store
 * adds the file's or database's name. What differs per backend (the probe
 * column's type, PostgreSQL's bigints) is in sqlite-store-rows.ts and
 * postgres-store-rows.ts; the JSON columns' own codecs are probe-codec.ts
 * and http-details-codec.ts; the field rules (ports, intervals) are
 * validate-store-contents.ts's job.
 */

/** Why a row does not decode: the table, its key and the rule. */
export class RowError extends Error {
  override readonly name = "RowError";
}

/*
 * Rows are read as arrays, in the column order of the lists below (SQLite's
 * raw mode, PostgreSQL's rowMode "array"): building an object per row with
 * named keys costs about twice as much, and load() reads every row of seven
 * tables at start.
 */

/** `Probe` is the probe column as the driver returns it: TEXT in SQLite, jsonb parsed in PostgreSQL. */
export type ServiceRow<Probe> = [
  id: string,
  host: string,
  port: number,
  displayName: string,
  checkIntervalMs: number,
  checkTimeoutMs: number,
  createdAtMs: number,
  probe: Probe | null,
  managedBy: string | null,
  pausedAtMs: number | null,
];
export const SERVICE_COLUMNS =
  "id, host, port, display_name, check_interval_ms, check_timeout_ms, created_at_ms, probe, managed_by, paused_at_ms";

export type CallerRow = [id: string, displayName: string, createdAtMs: number, managedBy: string | null, tokenHash: string | null];
export const CALLER_COLUMNS = "id, display_name, created_at_ms, managed_by, token_hash";

export type SubscriptionRow = [
  callerId: string,
  serviceId: string,
  pollingIntervalMs: number,
  gracePeriodMs: number,
  managedBy: string | null,
  alertWindowMs: number | null,
  alertThreshold: number | null,
];
export const SUBSCRIPTION_COLUMNS =
  "caller_id, service_id, polling_interval_ms, grace_period_ms, managed_by, alert_window_ms, alert_threshold";

export type OutageRow = [
  id: string,
  serviceId: string,
  startMs: number,
  endMs: number,
  reason: string,
  managedBy: string | null,
];
export const OUTAGE_COLUMNS = "id, service_id, start_ms, end_ms, reason, managed_by";

/** `Http` is the http column as the driver returns it: TEXT in SQLite, jsonb parsed in PostgreSQL. */
export type ObservationRow<Http> = [
  serviceId: string,
  status: string,
  sinceMs: number,
  lastCheckAtMs: number | null,
  lastLatencyMs: number,
  detail: string,
  http: Http | null,
  note: string | null,
];
export const OBSERVATION_COLUMNS = "service_id, status, since_ms, last_check_at_ms, last_latency_ms, detail, http, note";

/** `alerting` is an INTEGER 0 or 1 in SQLite, a boolean in PostgreSQL. */
export type AnnouncedRow = [callerId: string, serviceId: string, status: string, sinceMs: number, alerting: number | boolean];
export const ANNOUNCED_COLUMNS = "caller_id, service_id, status, since_ms, alerting";

export type CounterRow = [callerId: string, lastSequence: number];
export const COUNTER_COLUMNS = "caller_id, last_sequence";

/** `Payload` is the payload column as the driver returns it: TEXT in SQLite, jsonb parsed in PostgreSQL. */
export type EventRow<Payload> = [sequence: number, timeMs: number, payload: Payload];
export const EVENT_COLUMNS = "sequence, time_ms, payload";

/** A row's key for a message, built only on failure: load() decodes every row and almost never fails. */
export type RowKey = () => string;

/** Throws the RowError for `table`'s row `key` breaking a rule. */
export function failRow(table: string, key: RowKey, why: string): never {
  throw new RowError(`table ${table}, ${key()}: ${why}`);
}

const idKey = (id: string): RowKey => () => `id ${JSON.stringify(id)}`;
const pairKey = (callerId: string, serviceId: string): RowKey => () =>
  `caller_id ${JSON.stringify(callerId)} service_id ${JSON.stringify(serviceId)}`;
export const eventKey = (callerId: string, sequence: number): RowKey => () =>
  `caller_id ${JSON.stringify(callerId)} sequence ${String(sequence)}`;

export { encodeProbe } from "./probe-codec.js";

/** Checks a probe column's parsed JSON (probe-codec.ts): a ProbeConfig of a known kind, only its known fields kept. */
export function toProbe(value: unknown, key: RowKey): ProbeConfig {
  return decodeProbeJson(value, (why) => failRow("services", key, why));
}

/** The http column of an observation, as JSON text: NULL when the last check was not an HTTP check. */
export function encodeHttpDetails(details: HttpCheckDetails | undefined): string | null {
  return details === undefined ? null : JSON.stringify(httpDetailsToJson(details));
}

/** The same, as the value for a jsonb parameter of PostgreSQL's unnest (a JSON array of these). */
export function httpDetailsJson(details: HttpCheckDetails | undefined): HttpDetailsJson | null {
  return details === undefined ? null : httpDetailsToJson(details);
}

/** Checks an http column's parsed JSON: HttpCheckDetails, only its known fields kept. */
export function toObservedHttp(value: unknown, key: RowKey): HttpCheckDetails {
  return toHttpDetails(value, (field, rule) => failRow("observations", key, `${field === "" ? "http" : `http.${field}`}: ${rule}`));
}

/** Adds `managedBy` only when the row has one: absent means created through the API. */
function withManagedBy<T extends object>(value: T, managedBy: string | null, table: string, key: RowKey): T & { managedBy?: "config" } {
  if (managedBy === null) return value;
  if (managedBy !== "config") failRow(table, key, `managed_by ${JSON.stringify(managedBy)} is not "config"`);
  return { ...value, managedBy };
}

function status(value: string, table: string, key: RowKey): Status {
  if (!isStatus(value)) failRow(table, key, `status ${JSON.stringify(value)} is not unknown, up or down`);
  return value;
}

/** Decodes services whose probe column `decodeProbe` turns into a ProbeConfig (the backend's column type). */
export function createServiceDecoder<Probe>(
  decodeProbe: (probe: Probe, key: RowKey) => ProbeConfig,
): (row: ServiceRow<Probe>) => ServiceConfig {
  return (row) => {
    const [id, host, port, displayName, checkIntervalMs, checkTimeoutMs, createdAt, probeColumn, managedBy, pausedAt] = row;
    const key = idKey(id);
    const service: ServiceConfig = {
      id,
      host,
      port,
      displayName,
      checkIntervalMs,
      checkTimeoutMs,
      createdAt,
      ...(probeColumn === null ? {} : { probe: decodeProbe(probeColumn, key) }),
      ...(pausedAt === null ? {} : { pausedAt }),
    };
    return withManagedBy(service, managedBy, "services", key);
  };
}

export function decodeCaller([id, displayName, createdAt, managedBy, tokenHash]: CallerRow): CallerConfig {
  // Left out when NULL: a caller of an older schema, or declared in the config file, holds no token yet.
  const caller: CallerConfig = { id, displayName, createdAt, ...(tokenHash === null ? {} : { tokenHash }) };
  return withManagedBy(caller, managedBy, "callers", idKey(id));
}

export function decodeSubscription(row: SubscriptionRow): SubscriptionConfig {
  const [callerId, serviceId, pollingIntervalMs, gracePeriodMs, managedBy, alertWindowMs, alertThreshold] = row;
  const key = pairKey(callerId, serviceId);
  // The schema's CHECK refuses half a rule; a file edited with checks off may still hold one.
  if ((alertWindowMs === null) !== (alertThreshold === null)) {
    failRow("subscriptions", key, "alert_window_ms and alert_threshold must both be set (a rule) or both be NULL (none)");
  }
  const subscription: SubscriptionConfig = {
    callerId,
    serviceId,
    pollingIntervalMs,
    gracePeriodMs,
    ...(alertWindowMs === null || alertThreshold === null ? {} : { availabilityAlert: { windowMs: alertWindowMs, threshold: alertThreshold } }),
  };
  return withManagedBy(subscription, managedBy, "subscriptions", key);
}

/** The alert columns of a subscription: both NULL without a rule. */
export function alertRuleColumns(subscription: SubscriptionConfig): [windowMs: number | null, threshold: number | null] {
  const rule = subscription.availabilityAlert;
  return rule === undefined ? [null, null] : [rule.windowMs, rule.threshold];
}

export function decodeOutage([id, serviceId, startMs, endMs, reason, managedBy]: OutageRow): PlannedOutage {
  return withManagedBy({ id, serviceId, startMs, endMs, reason }, managedBy, "outages", idKey(id));
}

/** Decodes observations whose http column `decodeHttp` turns into HttpCheckDetails (the backend's column type). */
export function createObservationDecoder<Http>(
  decodeHttp: (http: Http, key: RowKey) => HttpCheckDetails,
): (row: ObservationRow<Http>) => { serviceId: string; observation: Observation } {
  return (row) => {
    const [serviceId, rowStatus, sinceMs, lastCheckAt, lastLatencyMs, detail, http, note] = row;
    const key = () => `service_id ${JSON.stringify(serviceId)}`;
    return {
      serviceId,
      observation: {
        status: status(rowStatus, "observations", key),
        sinceMs,
        lastCheckAt: lastCheckAt ?? undefined,
        lastLatencyMs,
        detail,
        ...(http === null ? {} : { http: decodeHttp(http, key) }),
        ...(note === null ? {} : { note }),
      },
    };
  };
}

export function decodeAnnounced([callerId, serviceId, rowStatus, sinceMs, alerting]: AnnouncedRow): AnnouncedEntry {
  const key = pairKey(callerId, serviceId);
  if (alerting !== 0 && alerting !== 1 && alerting !== false && alerting !== true) {
    failRow("announced", key, `alerting ${JSON.stringify(alerting)} is not 0 or 1`);
  }
  // Left out when false, as Announced has it: most subscriptions never alert.
  const announced = { status: status(rowStatus, "announced", key), sinceMs };
  return { callerId, serviceId, announced: alerting === 1 || alerting === true ? { ...announced, alerting: true } : announced };
}

/**
 * Decodes one of `callerId`'s events whose payload column `decodePayload`
 * turns into a CallerEvent (the backend's column type; it throws for a bad one).
 */
export function decodeEvent<Payload>(
  callerId: string,
  [sequence, timeMs, payload]: EventRow<Payload>,
  decodePayload: (payload: Payload) => CallerEvent,
): LoggedEvent {
  let event: CallerEvent;
  try {
    event = decodePayload(payload);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new RowError(`table events, ${eventKey(callerId, sequence)()}: payload is not an event: ${why}`, { cause: err });
  }
  return { callerId, sequence, timeMs, event };
}
