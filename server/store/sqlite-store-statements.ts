import type Database from "better-sqlite3";
import {
  ANNOUNCED_COLUMNS,
  CALLER_COLUMNS,
  COUNTER_COLUMNS,
  EVENT_COLUMNS,
  OBSERVATION_COLUMNS,
  OUTAGE_COLUMNS,
  SERVICE_COLUMNS,
  SUBSCRIPTION_COLUMNS,
  type AnnouncedRow,
  type CallerRow,
  type CounterRow,
  type EventRow,
  type ObservationRow,
  type OutageRow,
  type ServiceRow,
  type SubscriptionRow,
} from "./store-rows.js";

/**
 * Every statement the SQLite store runs, prepared once when it opens:
 * preparing costs far more than running, and a check tick runs thousands.
 * Each write statement touches the rows its key names and nothing else (an
 * upsert, or a delete by key or by an indexed column), so a mutation's cost
 * does not grow with the tables. Throws SQLite's error when a statement does
 * not fit the file's schema.
 */
export function prepareSqliteStoreStatements(db: Database.Database) {
  return {
    putService: db.prepare<[string, string, number, string, number, number, number, string | null, string | null, number | null]>(
      `INSERT INTO services (id, host, port, display_name, check_interval_ms, check_timeout_ms, created_at_ms, probe, managed_by,
         paused_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET host = excluded.host, port = excluded.port, display_name = excluded.display_name,
         check_interval_ms = excluded.check_interval_ms, check_timeout_ms = excluded.check_timeout_ms,
         created_at_ms = excluded.created_at_ms, probe = excluded.probe, managed_by = excluded.managed_by,
         paused_at_ms = excluded.paused_at_ms`,
    ),
    deleteService: db.prepare<[string]>("DELETE FROM services WHERE id = ?"),
    putCaller: db.prepare<[string, string, number, string | null, string | null]>(
      `INSERT INTO callers (id, display_name, created_at_ms, managed_by, token_hash) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, created_at_ms = excluded.created_at_ms,
         managed_by = excluded.managed_by, token_hash = excluded.token_hash`,
    ),
    deleteCaller: db.prepare<[string]>("DELETE FROM callers WHERE id = ?"),
    putSubscription: db.prepare<[string, string, number, number, string | null, number | null, number | null]>(
      `INSERT INTO subscriptions (caller_id, service_id, polling_interval_ms, grace_period_ms, managed_by, alert_window_ms,
         alert_threshold)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (caller_id, service_id) DO UPDATE SET polling_interval_ms = excluded.polling_interval_ms,
         grace_period_ms = excluded.grace_period_ms, managed_by = excluded.managed_by,
         alert_window_ms = excluded.alert_window_ms, alert_threshold = excluded.alert_threshold`,
    ),
    deleteSubscription: db.prepare<[string, string]>("DELETE FROM subscriptions WHERE caller_id = ? AND service_id = ?"),
    putOutage: db.prepare<[string, string, number, number, string, string | null]>(
      `INSERT INTO outages (id, service_id, start_ms, end_ms, reason, managed_by) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET service_id = excluded.service_id, start_ms = excluded.start_ms,
         end_ms = excluded.end_ms, reason = excluded.reason, managed_by = excluded.managed_by`,
    ),
    deleteOutage: db.prepare<[string]>("DELETE FROM outages WHERE id = ?"),
    putObservation: db.prepare<[string, string, number, number | null, number, string, string | null, string | null]>(
      `INSERT INTO observations (service_id, status, since_ms, last_check_at_ms, last_latency_ms, detail, http, note)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (service_id) DO UPDATE SET status = excluded.status, since_ms = excluded.since_ms,
         last_check_at_ms = excluded.last_check_at_ms, last_latency_ms = excluded.last_latency_ms, detail = excluded.detail,
         http = excluded.http, note = excluded.note`,
    ),
    deleteObservation: db.prepare<[string]>("DELETE FROM observations WHERE service_id = ?"),
    insertEvent: db.prepare<[string, number, number, string]>(
      "INSERT INTO events (caller_id, sequence, time_ms, payload) VALUES (?, ?, ?, ?)",
    ),
    // max(): a counter is never lowered, by an event or by an import.
    raiseCounter: db.prepare<[string, number]>(
      `INSERT INTO caller_counters (caller_id, last_sequence) VALUES (?, ?)
       ON CONFLICT (caller_id) DO UPDATE SET last_sequence = max(last_sequence, excluded.last_sequence)`,
    ),
    prune: db.prepare<[string, number]>("DELETE FROM events WHERE caller_id = ? AND sequence <= ?"),
    // The whole row (an import, or a row deleted and made again in one write).
    putAnnounced: db.prepare<[string, string, string, number, number]>(
      `INSERT INTO announced (caller_id, service_id, status, since_ms, alerting) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (caller_id, service_id) DO UPDATE SET status = excluded.status, since_ms = excluded.since_ms,
         alerting = excluded.alerting`,
    ),
    // A status change: alerting stays as it was (not alerting for a new row).
    announceStatus: db.prepare<[string, string, string, number]>(
      `INSERT INTO announced (caller_id, service_id, status, since_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT (caller_id, service_id) DO UPDATE SET status = excluded.status, since_ms = excluded.since_ms`,
    ),
    // An availability event: the status stays as it was ("unknown" since 0 for a new row).
    announceAlerting: db.prepare<[string, string, number]>(
      `INSERT INTO announced (caller_id, service_id, status, since_ms, alerting) VALUES (?, ?, 'unknown', 0, ?)
       ON CONFLICT (caller_id, service_id) DO UPDATE SET alerting = excluded.alerting`,
    ),
    deleteAnnounced: db.prepare<[string, string]>("DELETE FROM announced WHERE caller_id = ? AND service_id = ?"),
    deleteCallerEvents: db.prepare<[string]>("DELETE FROM events WHERE caller_id = ?"),
    deleteCallerAnnounced: db.prepare<[string]>("DELETE FROM announced WHERE caller_id = ?"),
    readEvents: db
      .prepare<[string, number, number], EventRow<string>>(
        `SELECT ${EVENT_COLUMNS} FROM events
         WHERE caller_id = ? AND sequence > ? ORDER BY sequence LIMIT ?`,
      )
      .raw(),
    firstRetained: db.prepare<[string], number | null>("SELECT min(sequence) FROM events WHERE caller_id = ?").pluck(),
    allServices: db.prepare<[], ServiceRow<string>>(`SELECT ${SERVICE_COLUMNS} FROM services`).raw(),
    allCallers: db.prepare<[], CallerRow>(`SELECT ${CALLER_COLUMNS} FROM callers`).raw(),
    allSubscriptions: db.prepare<[], SubscriptionRow>(`SELECT ${SUBSCRIPTION_COLUMNS} FROM subscriptions`).raw(),
    allOutages: db.prepare<[], OutageRow>(`SELECT ${OUTAGE_COLUMNS} FROM outages`).raw(),
    allObservations: db.prepare<[], ObservationRow<string>>(`SELECT ${OBSERVATION_COLUMNS} FROM observations`).raw(),
    allAnnounced: db.prepare<[], AnnouncedRow>(`SELECT ${ANNOUNCED_COLUMNS} FROM announced`).raw(),
    allCounters: db.prepare<[], CounterRow>(`SELECT ${COUNTER_COLUMNS} FROM caller_counters`).raw(),
  };
}
