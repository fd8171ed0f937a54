import type { CallerEvent } from "../domain/types.js";
import type { OpRun } from "./postgres-op-runs.js";
import { foldAnnouncedEffect, type AnnouncedEffect } from "./announced-effect.js";
import { InvalidCallerEventError, callerEventToJson, toCallerEvent } from "./caller-event-codec.js";
import { encodeProbe, httpDetailsJson } from "./store-rows.js";
import type { StoreOp } from "./store.js";

/**
 * The SQL for one run of same-kind ops (postgres-op-runs.ts): one statement
 * whatever the run's length, its rows passed as one array per column and
 * expanded server-side with `unnest`, so 10,000 events cost one round trip
 * and one parse. Named, so each connection prepares a statement once.
 *
 * Values are checked on the way in (finite numbers, events that are
 * CallerEvents): a NaN would otherwise be stored as PostgreSQL's 'NaN' and
 * only fail at the next start.
 */
export interface Statement {
  readonly name: string;
  readonly text: string;
  readonly values: unknown[];
}

type OpsOf<K extends StoreOp["kind"]> = Extract<StoreOp, { kind: K }>[];

function finite(value: number, what: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new RangeError(`${what} must be a finite number, got ${String(value)}`);
  }
  return value;
}

function nullableFinite(value: number | undefined, what: string): number | null {
  return value === undefined ? null : finite(value, what);
}

function sequenceNumber(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative integer, got ${String(value)}`);
  return value;
}

/** The last op per key, in first-seen order: a later put replaces an earlier one, as row by row. */
function lastByKey<T>(ops: readonly T[], key: (op: T) => string): T[] {
  const last = new Map<string, T>();
  for (const op of ops) last.set(key(op), op);
  return [...last.values()];
}

const pair = (callerId: string, serviceId: string): string => `${callerId}\0${serviceId}`;

const managed = (managedBy: "config" | undefined): string | null => managedBy ?? null;

function putServices(ops: OpsOf<"put_service">): Statement {
  const rows = lastByKey(ops, (op) => op.service.id).map((op) => op.service);
  return {
    name: "monitor_put_services",
    text: `INSERT INTO services (id, host, port, display_name, check_interval_ms, check_timeout_ms, created_at_ms, probe, managed_by,
        paused_at_ms)
      SELECT * FROM unnest($1::text[], $2::text[], $3::int4[], $4::text[], $5::float8[], $6::float8[], $7::float8[], $8::jsonb[], $9::text[],
        $10::float8[])
      ON CONFLICT (id) DO UPDATE SET host = EXCLUDED.host, port = EXCLUDED.port, display_name = EXCLUDED.display_name,
        check_interval_ms = EXCLUDED.check_interval_ms, check_timeout_ms = EXCLUDED.check_timeout_ms,
        created_at_ms = EXCLUDED.created_at_ms, probe = EXCLUDED.probe, managed_by = EXCLUDED.managed_by,
        paused_at_ms = EXCLUDED.paused_at_ms`,
    values: [
      rows.map((s) => s.id),
      rows.map((s) => s.host),
      rows.map((s) => s.port),
      rows.map((s) => s.displayName),
      rows.map((s) => finite(s.checkIntervalMs, `service ${s.id} checkIntervalMs`)),
      rows.map((s) => finite(s.checkTimeoutMs, `service ${s.id} checkTimeoutMs`)),
      rows.map((s) => finite(s.createdAt, `service ${s.id} createdAt`)),
      rows.map((s) => encodeProbe(s.probe)),
      rows.map((s) => managed(s.managedBy)),
      rows.map((s) => (s.pausedAt === undefined ? null : finite(s.pausedAt, `service ${s.id} pausedAt`))),
    ],
  };
}

function deleteServices(ops: OpsOf<"delete_service">): Statement {
  // One statement for both tables: the foreign key from observations is
  // checked at its end, when both rows are gone.
  return {
    name: "monitor_delete_services",
    text: `WITH gone AS (DELETE FROM observations WHERE service_id = ANY($1::text[]))
      DELETE FROM services WHERE id = ANY($1::text[])`,
    values: [[...new Set(ops.map((op) => op.serviceId))]],
  };
}

function putCallers(ops: OpsOf<"put_caller">): Statement {
  const rows = lastByKey(ops, (op) => op.caller.id).map((op) => op.caller);
  return {
    name: "monitor_put_callers",
    text: `INSERT INTO callers (id, display_name, created_at_ms, managed_by, token_hash)
      SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::text[], $5::text[])
      ON CONFLICT (id) DO UPDATE SET display_name = EXCLUDED.display_name, created_at_ms = EXCLUDED.created_at_ms,
        managed_by = EXCLUDED.managed_by, token_hash = EXCLUDED.token_hash`,
    values: [
      rows.map((c) => c.id),
      rows.map((c) => c.displayName),
      rows.map((c) => finite(c.createdAt, `caller ${c.id} createdAt`)),
      rows.map((c) => managed(c.managedBy)),
      rows.map((c) => c.tokenHash ?? null),
    ],
  };
}

function deleteCallers(ops: OpsOf<"delete_caller">): Statement {
  // The counter stays: a caller registered again under this id continues its sequence.
  return {
    name: "monitor_delete_callers",
    text: `WITH e AS (DELETE FROM events WHERE caller_id = ANY($1::text[])),
        a AS (DELETE FROM announced WHERE caller_id = ANY($1::text[]))
      DELETE FROM callers WHERE id = ANY($1::text[])`,
    values: [[...new Set(ops.map((op) => op.callerId))]],
  };
}

function putSubscriptions(ops: OpsOf<"put_subscription">): Statement {
  const rows = lastByKey(ops, (op) => pair(op.subscription.callerId, op.subscription.serviceId)).map((op) => op.subscription);
  return {
    name: "monitor_put_subscriptions",
    text: `INSERT INTO subscriptions (caller_id, service_id, polling_interval_ms, grace_period_ms, managed_by, alert_window_ms,
        alert_threshold)
      SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::text[], $6::float8[], $7::float8[])
      ON CONFLICT (caller_id, service_id) DO UPDATE SET polling_interval_ms = EXCLUDED.polling_interval_ms,
        grace_period_ms = EXCLUDED.grace_period_ms, managed_by = EXCLUDED.managed_by,
        alert_window_ms = EXCLUDED.alert_window_ms, alert_threshold = EXCLUDED.alert_threshold`,
    values: [
      rows.map((s) => s.callerId),
      rows.map((s) => s.serviceId),
      rows.map((s) => finite(s.pollingIntervalMs, `subscription ${s.callerId}/${s.serviceId} pollingIntervalMs`)),
      rows.map((s) => finite(s.gracePeriodMs, `subscription ${s.callerId}/${s.serviceId} gracePeriodMs`)),
      rows.map((s) => managed(s.managedBy)),
      rows.map((s) => nullableFinite(s.availabilityAlert?.windowMs, `subscription ${s.callerId}/${s.serviceId} availabilityAlert.windowMs`)),
      rows.map((s) => nullableFinite(s.availabilityAlert?.threshold, `subscription ${s.callerId}/${s.serviceId} availabilityAlert.threshold`)),
    ],
  };
}

function deleteSubscriptions(ops: OpsOf<"delete_subscription">): Statement {
  const rows = lastByKey(ops, (op) => pair(op.callerId, op.serviceId));
  return {
    name: "monitor_delete_subscriptions",
    text: `DELETE FROM subscriptions s USING unnest($1::text[], $2::text[]) AS d (caller_id, service_id)
      WHERE s.caller_id = d.caller_id AND s.service_id = d.service_id`,
    values: [rows.map((op) => op.callerId), rows.map((op) => op.serviceId)],
  };
}

function putOutages(ops: OpsOf<"put_outage">): Statement {
  const rows = lastByKey(ops, (op) => op.outage.id).map((op) => op.outage);
  return {
    name: "monitor_put_outages",
    text: `INSERT INTO outages (id, service_id, start_ms, end_ms, reason, managed_by)
      SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::text[], $6::text[])
      ON CONFLICT (id) DO UPDATE SET service_id = EXCLUDED.service_id, start_ms = EXCLUDED.start_ms,
        end_ms = EXCLUDED.end_ms, reason = EXCLUDED.reason, managed_by = EXCLUDED.managed_by`,
    values: [
      rows.map((o) => o.id),
      rows.map((o) => o.serviceId),
      rows.map((o) => finite(o.startMs, `outage ${o.id} startMs`)),
      rows.map((o) => finite(o.endMs, `outage ${o.id} endMs`)),
      rows.map((o) => o.reason),
      rows.map((o) => managed(o.managedBy)),
    ],
  };
}

function deleteOutages(ops: OpsOf<"delete_outage">): Statement {
  return {
    name: "monitor_delete_outages",
    text: "DELETE FROM outages WHERE id = ANY($1::text[])",
    values: [[...new Set(ops.map((op) => op.outageId))]],
  };
}

function putObservations(ops: OpsOf<"put_observation">): Statement {
  const rows = lastByKey(ops, (op) => op.serviceId);
  return {
    name: "monitor_put_observations",
    // http as one JSON array, as appendEvents passes payloads; its JSON nulls
    // (a TCP check) become SQL NULLs.
    text: `INSERT INTO observations (service_id, status, since_ms, last_check_at_ms, last_latency_ms, detail, http, note)
      SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::float8[], $6::text[],
        ARRAY(SELECT NULLIF(value, 'null'::jsonb) FROM jsonb_array_elements($7::jsonb) WITH ORDINALITY ORDER BY ordinality),
        $8::text[])
      ON CONFLICT (service_id) DO UPDATE SET status = EXCLUDED.status, since_ms = EXCLUDED.since_ms,
        last_check_at_ms = EXCLUDED.last_check_at_ms, last_latency_ms = EXCLUDED.last_latency_ms, detail = EXCLUDED.detail,
        http = EXCLUDED.http, note = EXCLUDED.note`,
    values: [
      rows.map((op) => op.serviceId),
      rows.map((op) => op.observation.status),
      rows.map((op) => finite(op.observation.sinceMs, `observation ${op.serviceId} sinceMs`)),
      rows.map((op) =>
        op.observation.lastCheckAt === undefined ? null : finite(op.observation.lastCheckAt, `observation ${op.serviceId} lastCheckAt`),
      ),
      rows.map((op) => finite(op.observation.lastLatencyMs, `observation ${op.serviceId} lastLatencyMs`)),
      rows.map((op) => op.observation.detail),
      JSON.stringify(rows.map((op) => httpDetailsJson(op.observation.http))),
      rows.map((op) => op.observation.note ?? null),
    ],
  };
}

/**
 * A run of appended events: the events, each caller's counter (set to its
 * last sequence in the run), the retention prune, and the announced rows
 * (each subscription's events folded into one effect, announced-effect.ts:
 * an upsert or a delete), as one statement of data-modifying CTEs.
 * They see one snapshot, so the prune could not see the rows inserted beside
 * it: events already outside the window are simply not inserted, which
 * leaves what appending and pruning one by one would. For the same reason an
 * upsert that keeps part of a row (a status change keeps `alerting`, an
 * availability event the status) reads that part from the snapshot with a
 * join, rather than from EXCLUDED; each row is touched by one CTE only.
 */
function appendEvents(ops: OpsOf<"append_event">, retention: number): Statement {
  const last = new Map<string, number>();
  const effects = new Map<string, { callerId: string; serviceId: string; effect: AnnouncedEffect }>();
  const checked = ops.map(({ event: logged }, i) => {
    const what = `append_event ${i} (caller ${logged.callerId} sequence ${String(logged.sequence)})`;
    let event: CallerEvent;
    try {
      event = toCallerEvent(logged.event);
    } catch (err) {
      throw new InvalidCallerEventError(`${what}: not a CallerEvent: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (sequenceNumber(logged.sequence, `${what} sequence`) < 1) throw new RangeError(`${what}: sequence must be at least 1`);
    finite(logged.timeMs, `${what} timeMs`);
    last.set(logged.callerId, logged.sequence);
    const key = pair(logged.callerId, event.serviceId);
    const effect = foldAnnouncedEffect(effects.get(key)?.effect, event);
    if (effect !== undefined) effects.set(key, { callerId: logged.callerId, serviceId: event.serviceId, effect });
    return { logged, event };
  });
  const kept = checked.filter(({ logged }) => logged.sequence > last.get(logged.callerId)! - retention);
  const prune = [...last].filter(([, sequence]) => sequence - retention > 0);
  const announce = [...effects.values()].flatMap(({ callerId, serviceId, effect }) =>
    effect.kind === "upsert" ? [{ callerId, serviceId, status: effect.status, alerting: effect.alerting }] : [],
  );
  const forget = [...effects.values()].filter(({ effect }) => effect.kind === "delete");
  return {
    name: "monitor_append_events",
    text: `WITH appended AS (
        INSERT INTO events (caller_id, sequence, time_ms, payload)
        SELECT * FROM unnest($1::text[], $2::int8[], $3::float8[],
          ARRAY(SELECT value FROM jsonb_array_elements($4::jsonb) WITH ORDINALITY ORDER BY ordinality))
      ), counted AS (
        INSERT INTO caller_counters (caller_id, last_sequence) SELECT * FROM unnest($5::text[], $6::int8[])
        ON CONFLICT (caller_id) DO UPDATE SET last_sequence = EXCLUDED.last_sequence
      ), pruned AS (
        DELETE FROM events e USING unnest($7::text[], $8::int8[]) AS p (caller_id, cutoff)
        WHERE e.caller_id = p.caller_id AND e.sequence <= p.cutoff
      ), announced_now AS (
        INSERT INTO announced (caller_id, service_id, status, since_ms, alerting)
        SELECT u.caller_id, u.service_id, coalesce(u.status, a.status, 'unknown'), coalesce(u.since_ms, a.since_ms, 0),
          coalesce(u.alerting, a.alerting, false)
        FROM unnest($9::text[], $10::text[], $11::text[], $12::float8[], $15::bool[]) AS u (caller_id, service_id, status, since_ms, alerting)
        LEFT JOIN announced a ON a.caller_id = u.caller_id AND a.service_id = u.service_id
        ON CONFLICT (caller_id, service_id) DO UPDATE SET status = EXCLUDED.status, since_ms = EXCLUDED.since_ms,
          alerting = EXCLUDED.alerting
      )
      DELETE FROM announced a USING unnest($13::text[], $14::text[]) AS f (caller_id, service_id)
      WHERE a.caller_id = f.caller_id AND a.service_id = f.service_id`,
    values: [
      kept.map(({ logged }) => logged.callerId),
      kept.map(({ logged }) => logged.sequence),
      kept.map(({ logged }) => logged.timeMs),
      // One JSON array rather than a jsonb[] literal: the driver quotes a
      // text[] element by element (about 40 µs per payload, 0.4 s for a
      // 10,000-event write), JSON.stringify does it natively.
      JSON.stringify(kept.map(({ event }) => callerEventToJson(event))),
      [...last.keys()],
      [...last.values()],
      prune.map(([callerId]) => callerId),
      prune.map(([, sequence]) => sequence - retention),
      announce.map((a) => a.callerId),
      announce.map((a) => a.serviceId),
      // NULL: the part this upsert keeps.
      announce.map((a) => a.status?.status ?? null),
      announce.map((a) => (a.status === undefined ? null : finite(a.status.sinceMs, `caller ${a.callerId} service ${a.serviceId} sinceMs`))),
      forget.map((f) => f.callerId),
      forget.map((f) => f.serviceId),
      announce.map((a) => a.alerting ?? null),
    ],
  };
}

function setLastSequences(ops: OpsOf<"set_last_sequence">): Statement {
  const highest = new Map<string, number>();
  for (const op of ops) {
    const sequence = sequenceNumber(op.lastSequence, `set_last_sequence ${op.callerId} lastSequence`);
    highest.set(op.callerId, Math.max(highest.get(op.callerId) ?? 0, sequence));
  }
  return {
    name: "monitor_set_last_sequences",
    text: `INSERT INTO caller_counters (caller_id, last_sequence) SELECT * FROM unnest($1::text[], $2::int8[])
      ON CONFLICT (caller_id) DO UPDATE SET last_sequence = GREATEST(caller_counters.last_sequence, EXCLUDED.last_sequence)`,
    values: [[...highest.keys()], [...highest.values()]],
  };
}

function putAnnounced(ops: OpsOf<"put_announced">): Statement {
  const rows = lastByKey(ops, (op) => pair(op.entry.callerId, op.entry.serviceId)).map((op) => op.entry);
  return {
    name: "monitor_put_announced",
    text: `INSERT INTO announced (caller_id, service_id, status, since_ms, alerting)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::bool[])
      ON CONFLICT (caller_id, service_id) DO UPDATE SET status = EXCLUDED.status, since_ms = EXCLUDED.since_ms,
        alerting = EXCLUDED.alerting`,
    values: [
      rows.map((e) => e.callerId),
      rows.map((e) => e.serviceId),
      rows.map((e) => e.announced.status),
      rows.map((e) => finite(e.announced.sinceMs, `announced ${e.callerId}/${e.serviceId} sinceMs`)),
      rows.map((e) => e.announced.alerting === true),
    ],
  };
}

/** The statement that writes `run`; `retention` is how many events each caller keeps. */
export function statementForRun(run: OpRun, retention: number): Statement {
  switch (run.kind) {
    case "put_service":
      return putServices(run.ops);
    case "delete_service":
      return deleteServices(run.ops);
    case "put_caller":
      return putCallers(run.ops);
    case "delete_caller":
      return deleteCallers(run.ops);
    case "put_subscription":
      return putSubscriptions(run.ops);
    case "delete_subscription":
      return deleteSubscriptions(run.ops);
    case "put_outage":
      return putOutages(run.ops);
    case "delete_outage":
      return deleteOutages(run.ops);
    case "put_observation":
      return putObservations(run.ops);
    case "append_event":
      return appendEvents(run.ops, retention);
    case "set_last_sequence":
      return setLastSequences(run.ops);
    case "put_announced":
      return putAnnounced(run.ops);
  }
}
