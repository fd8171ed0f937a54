import type {
  CallerConfig,
  CallerEvent,
  LoggedEvent,
  Observation,
  PlannedOutage,
  ProbeConfig,
  ServiceConfig,
  Status,
  SubscriptionConfig,
} from "../domain/types.js";
import { isStatus, toCallerEvent } from "./sqlite-event-codec.js";
import type { AnnouncedEntry } from "./store.js";

/**
 * How rows of a PostgreSQL store read back as the domain's values, and the
 * checks the column types cannot make (a status, a managed_by, a probe's
 * JSON, an event's payload, a sequence that fits a number), so a row written
 * by a buggy release or edited by hand stops the load naming its table and
 * key instead of reaching the engine. Every decoder throws RowError; the
 * store adds the database's name. The field rules (ports, intervals) are
 * validate-store-contents.ts's job, for both stores.
 */

/** Why a row does not decode: the table, its key and the rule. */
export class RowError extends Error {
  override readonly name = "RowError";
}

export interface ServiceRow {
  id: string;
  host: string;
  port: number;
  display_name: string;
  check_interval_ms: number;
  check_timeout_ms: number;
  created_at_ms: number;
  probe: unknown;
  managed_by: string | null;
}

export interface CallerRow {
  id: string;
  display_name: string;
  created_at_ms: number;
  managed_by: string | null;
}

export interface SubscriptionRow {
  caller_id: string;
  service_id: string;
  polling_interval_ms: number;
  grace_period_ms: number;
  managed_by: string | null;
}

export interface OutageRow {
  id: string;
  service_id: string;
  start_ms: number;
  end_ms: number;
  reason: string;
  managed_by: string | null;
}

export interface ObservationRow {
  service_id: string;
  status: string;
  since_ms: number;
  last_check_at_ms: number | null;
  last_latency_ms: number;
  detail: string;
}

export interface AnnouncedRow {
  caller_id: string;
  service_id: string;
  status: string;
  since_ms: number;
}

export interface CounterRow {
  caller_id: string;
  last_sequence: number;
}

export interface EventRow {
  sequence: number;
  time_ms: number;
  payload: unknown;
}

function fail(table: string, key: string, why: string): never {
  throw new RowError(`table ${table}, ${key}: ${why}`);
}

const idKey = (id: string): string => `id ${JSON.stringify(id)}`;
const pairKey = (row: { caller_id: string; service_id: string }): string =>
  `caller_id ${JSON.stringify(row.caller_id)} service_id ${JSON.stringify(row.service_id)}`;

function decodeProbe(value: unknown, key: string): ProbeConfig {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail("services", key, "probe is not a JSON object");
  const { kind, closeMode } = value as Record<string, unknown>;
  if (kind !== "tcp") fail("services", key, `probe kind ${JSON.stringify(kind)} is not a known kind of check`);
  if (closeMode !== "fin" && closeMode !== "reset") {
    fail("services", key, `probe closeMode ${JSON.stringify(closeMode)} is not "fin" or "reset"`);
  }
  return { kind, closeMode };
}

/** Adds `managedBy` only when the row has one: absent means created through the API. */
function withManagedBy<T extends object>(value: T, managedBy: string | null, table: string, key: string): T & { managedBy?: "config" } {
  if (managedBy === null) return value;
  if (managedBy !== "config") fail(table, key, `managed_by ${JSON.stringify(managedBy)} is not "config"`);
  return { ...value, managedBy };
}

function status(value: string, table: string, key: string): Status {
  if (!isStatus(value)) fail(table, key, `status ${JSON.stringify(value)} is not unknown, up or down`);
  return value;
}

/** A bigint column, parsed to a number by the store's type parser: it must have fitted. */
function sequence(value: number, table: string, key: string, column: string): number {
  if (!Number.isSafeInteger(value)) fail(table, key, `${column} ${String(value)} is not an integer below 2^53`);
  return value;
}

export function decodeService(row: ServiceRow): ServiceConfig {
  const key = idKey(row.id);
  const service: ServiceConfig = {
    id: row.id,
    host: row.host,
    port: row.port,
    displayName: row.display_name,
    checkIntervalMs: row.check_interval_ms,
    checkTimeoutMs: row.check_timeout_ms,
    createdAt: row.created_at_ms,
    ...(row.probe === null ? {} : { probe: decodeProbe(row.probe, key) }),
  };
  return withManagedBy(service, row.managed_by, "services", key);
}

export function decodeCaller(row: CallerRow): CallerConfig {
  const caller: CallerConfig = { id: row.id, displayName: row.display_name, createdAt: row.created_at_ms };
  return withManagedBy(caller, row.managed_by, "callers", idKey(row.id));
}

export function decodeSubscription(row: SubscriptionRow): SubscriptionConfig {
  const subscription: SubscriptionConfig = {
    callerId: row.caller_id,
    serviceId: row.service_id,
    pollingIntervalMs: row.polling_interval_ms,
    gracePeriodMs: row.grace_period_ms,
  };
  return withManagedBy(subscription, row.managed_by, "subscriptions", pairKey(row));
}

export function decodeOutage(row: OutageRow): PlannedOutage {
  const outage: PlannedOutage = {
    id: row.id,
    serviceId: row.service_id,
    startMs: row.start_ms,
    endMs: row.end_ms,
    reason: row.reason,
  };
  return withManagedBy(outage, row.managed_by, "outages", idKey(row.id));
}

export function decodeObservation(row: ObservationRow): { serviceId: string; observation: Observation } {
  return {
    serviceId: row.service_id,
    observation: {
      status: status(row.status, "observations", `service_id ${JSON.stringify(row.service_id)}`),
      sinceMs: row.since_ms,
      lastCheckAt: row.last_check_at_ms ?? undefined,
      lastLatencyMs: row.last_latency_ms,
      detail: row.detail,
    },
  };
}

export function decodeAnnounced(row: AnnouncedRow): AnnouncedEntry {
  return {
    callerId: row.caller_id,
    serviceId: row.service_id,
    announced: { status: status(row.status, "announced", pairKey(row)), sinceMs: row.since_ms },
  };
}

export function decodeCounter(row: CounterRow): { callerId: string; lastSequence: number } {
  const key = `caller_id ${JSON.stringify(row.caller_id)}`;
  return { callerId: row.caller_id, lastSequence: sequence(row.last_sequence, "caller_counters", key, "last_sequence") };
}

export function decodeEvent(callerId: string, row: EventRow): LoggedEvent {
  const key = `caller_id ${JSON.stringify(callerId)} sequence ${String(row.sequence)}`;
  let event: CallerEvent;
  try {
    event = toCallerEvent(row.payload);
  } catch (err) {
    fail("events", key, `payload is not a CallerEvent: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { callerId, sequence: sequence(row.sequence, "events", key, "sequence"), timeMs: row.time_ms, event };
}
