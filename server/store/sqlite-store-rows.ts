import type {
  CallerConfig,
  Observation,
  PlannedOutage,
  ProbeConfig,
  ServiceConfig,
  Status,
  SubscriptionConfig,
} from "../domain/types.js";
import { isStatus } from "./sqlite-event-codec.js";
import type { AnnouncedEntry } from "./store.js";

/**
 * How the domain's values sit in monitor.db's rows, and the checks that a row
 * read back is still one. The STRICT tables guarantee each column's type;
 * what they cannot guarantee (a status, a managed_by, a probe's JSON, written
 * by a buggy release or edited by hand with constraints off) is checked here,
 * so a bad row stops the load naming its table and key instead of reaching
 * the engine. Every decoder throws RowError; the store adds the file's name.
 */

/** Why a row does not decode: the table, its key and the rule. */
export class RowError extends Error {
  override readonly name = "RowError";
}

/*
 * Rows are read in raw mode (arrays, in the column order of the SELECTs in
 * sqlite-store.ts): building an object per row with named keys costs about
 * twice as much, and load() reads every row of six tables at start.
 */

export type ServiceRow = [
  id: string,
  host: string,
  port: number,
  displayName: string,
  checkIntervalMs: number,
  checkTimeoutMs: number,
  createdAtMs: number,
  probe: string | null,
  managedBy: string | null,
];
export const SERVICE_COLUMNS =
  "id, host, port, display_name, check_interval_ms, check_timeout_ms, created_at_ms, probe, managed_by";

export type CallerRow = [id: string, displayName: string, createdAtMs: number, managedBy: string | null];
export const CALLER_COLUMNS = "id, display_name, created_at_ms, managed_by";

export type SubscriptionRow = [
  callerId: string,
  serviceId: string,
  pollingIntervalMs: number,
  gracePeriodMs: number,
  managedBy: string | null,
];
export const SUBSCRIPTION_COLUMNS = "caller_id, service_id, polling_interval_ms, grace_period_ms, managed_by";

export type OutageRow = [
  id: string,
  serviceId: string,
  startMs: number,
  endMs: number,
  reason: string,
  managedBy: string | null,
];
export const OUTAGE_COLUMNS = "id, service_id, start_ms, end_ms, reason, managed_by";

export type ObservationRow = [
  serviceId: string,
  status: string,
  sinceMs: number,
  lastCheckAtMs: number | null,
  lastLatencyMs: number,
  detail: string,
];
export const OBSERVATION_COLUMNS = "service_id, status, since_ms, last_check_at_ms, last_latency_ms, detail";

export type AnnouncedRow = [callerId: string, serviceId: string, status: string, sinceMs: number];
export const ANNOUNCED_COLUMNS = "caller_id, service_id, status, since_ms";

export type CounterRow = [callerId: string, lastSequence: number];
export const COUNTER_COLUMNS = "caller_id, last_sequence";

/** `key` is built only for the message: load() decodes every row and almost never fails. */
function fail(table: string, key: () => string, why: string): never {
  throw new RowError(`table ${table}, ${key()}: ${why}`);
}

const idKey = (id: string) => () => `id ${JSON.stringify(id)}`;
const pairKey = (callerId: string, serviceId: string) => () =>
  `caller_id ${JSON.stringify(callerId)} service_id ${JSON.stringify(serviceId)}`;

/** The probe column of a service: NULL for "the server's default TCP check". */
export function encodeProbe(probe: ProbeConfig | undefined): string | null {
  if (probe === undefined) return null;
  // Known fields in a fixed order, whatever else the object carried.
  switch (probe.kind) {
    case "tcp":
      return JSON.stringify({ kind: probe.kind, closeMode: probe.closeMode });
  }
}

function decodeProbe(text: string, key: () => string): ProbeConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    fail("services", key, `probe is not JSON: ${JSON.stringify(text.slice(0, 100))}`);
  }
  if (typeof value !== "object" || value === null) fail("services", key, "probe is not an object");
  const { kind, closeMode } = value as Record<string, unknown>;
  if (kind !== "tcp") fail("services", key, `probe kind ${JSON.stringify(kind)} is not a known kind of check`);
  if (closeMode !== "fin" && closeMode !== "reset") {
    fail("services", key, `probe closeMode ${JSON.stringify(closeMode)} is not "fin" or "reset"`);
  }
  return { kind, closeMode };
}

/** Adds `managedBy` only when the row has one: absent means created through the API. */
function withManagedBy<T extends object>(value: T, managedBy: string | null, table: string, key: () => string): T & { managedBy?: "config" } {
  if (managedBy === null) return value;
  if (managedBy !== "config") fail(table, key, `managed_by ${JSON.stringify(managedBy)} is not "config"`);
  return { ...value, managedBy };
}

function status(value: string, table: string, key: () => string): Status {
  if (!isStatus(value)) fail(table, key, `status ${JSON.stringify(value)} is not unknown, up or down`);
  return value;
}

/**
 * Decodes services. Made per load: a fleet's probes are a handful of distinct
 * JSON texts, so each is parsed once and the (read-only) result shared.
 */
export function createServiceDecoder(): (row: ServiceRow) => ServiceConfig {
  const probes = new Map<string, ProbeConfig>();
  return (row) => {
    const [id, host, port, displayName, checkIntervalMs, checkTimeoutMs, createdAt, probeText, managedBy] = row;
    const key = idKey(id);
    let probe: ProbeConfig | undefined;
    if (probeText !== null) {
      probe = probes.get(probeText);
      if (probe === undefined) probes.set(probeText, (probe = decodeProbe(probeText, key)));
    }
    const service: ServiceConfig = {
      id,
      host,
      port,
      displayName,
      checkIntervalMs,
      checkTimeoutMs,
      createdAt,
      ...(probe === undefined ? {} : { probe }),
    };
    return withManagedBy(service, managedBy, "services", key);
  };
}

export function decodeCaller([id, displayName, createdAt, managedBy]: CallerRow): CallerConfig {
  return withManagedBy({ id, displayName, createdAt }, managedBy, "callers", idKey(id));
}

export function decodeSubscription([callerId, serviceId, pollingIntervalMs, gracePeriodMs, managedBy]: SubscriptionRow): SubscriptionConfig {
  const subscription: SubscriptionConfig = { callerId, serviceId, pollingIntervalMs, gracePeriodMs };
  return withManagedBy(subscription, managedBy, "subscriptions", pairKey(callerId, serviceId));
}

export function decodeOutage([id, serviceId, startMs, endMs, reason, managedBy]: OutageRow): PlannedOutage {
  return withManagedBy({ id, serviceId, startMs, endMs, reason }, managedBy, "outages", idKey(id));
}

export function decodeObservation(row: ObservationRow): { serviceId: string; observation: Observation } {
  const [serviceId, rowStatus, sinceMs, lastCheckAt, lastLatencyMs, detail] = row;
  return {
    serviceId,
    observation: {
      status: status(rowStatus, "observations", () => `service_id ${JSON.stringify(serviceId)}`),
      sinceMs,
      lastCheckAt: lastCheckAt ?? undefined,
      lastLatencyMs,
      detail,
    },
  };
}

export function decodeAnnounced([callerId, serviceId, rowStatus, sinceMs]: AnnouncedRow): AnnouncedEntry {
  return {
    callerId,
    serviceId,
    announced: { status: status(rowStatus, "announced", pairKey(callerId, serviceId)), sinceMs },
  };
}
