import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry as MetricsRegistry } from "prom-client";
import type { ServiceStateSource } from "../domain/service-state.js";
import type { EngineObserver } from "../engine/engine-observer.js";
import type { EventHub } from "../engine/event-hub.js";
import type { HistoryMetrics } from "../history/start-history.js";
import type { BatchWritten } from "../store/commit-queue.js";
import type { Registry } from "../store/registry.js";

/** Seconds, 1 ms to 10 s: a loopback connect takes well under 1 ms, a timed-out one up to the 10 s a check may wait. */
export const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What the scrape-time gauges read: the registered services, their observed state, the open streams. */
export interface MetricsSources {
  readonly registry: Pick<Registry, "listServices">;
  readonly states: ServiceStateSource;
  readonly hub: Pick<EventHub, "streamCount">;
}

export interface Metrics {
  /** Every metric of this server, Node's defaults included; what /metrics serves. */
  readonly registry: MetricsRegistry;
  /** Counts and times checks and announcements. */
  readonly observer: EngineObserver;
  /** Counts and times one durable store write (a commit-queue batch). */
  storeWritten(batch: BatchWritten): void;
  /** Where the gauges read from; called once the registry, engine and hub exist. */
  readFrom(sources: MetricsSources): void;
  /** The history writer's, rollup job's and retention job's figures. */
  readonly history: HistoryMetrics;
  /** Counts one request refused by a limit or the target policy. */
  refused(reason: string): void;
  /** Counts one call refused by auth, by why (the auth failure log's reason). */
  authRefused(reason: string): void;
}

/**
 * The server's Prometheus metrics on a registry of its own, not prom-client's
 * global one, so two servers in one process (tests) do not collide. Gauges
 * of state (services by status, open streams) are read at scrape time rather
 * than kept up to date on every change: a scrape every 15 s costs less than
 * bookkeeping at every check.
 */
export function createMetrics(): Metrics {
  const registry = new MetricsRegistry();
  collectDefaultMetrics({ register: registry });
  let sources: MetricsSources | undefined;

  const checks = new Counter({
    name: "monitor_checks_total",
    help: "Checks finished, by result",
    labelNames: ["result"] as const,
    registers: [registry],
  });
  const lateness = new Histogram({
    name: "monitor_check_lateness_seconds",
    help: "How long after its planned time a check started",
    buckets: SECONDS_BUCKETS,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "monitor_check_duration_seconds",
    help: "How long a check took, connect to result",
    buckets: SECONDS_BUCKETS,
    registers: [registry],
  });
  const announcements = new Counter({
    name: "monitor_announcements_total",
    help: "Status changes announced, counted once per caller that heard one",
    labelNames: ["status"] as const,
    registers: [registry],
  });
  const eventsAppended = new Counter({
    name: "monitor_events_appended_total",
    help: "Events appended to the callers' event logs",
    registers: [registry],
  });
  const storeWrites = new Histogram({
    name: "monitor_store_write_seconds",
    help: "How long a durable store write (one transaction of a batch of mutations and events) took",
    buckets: SECONDS_BUCKETS,
    registers: [registry],
  });
  const services = new Gauge({
    name: "monitor_services",
    help: "Registered services, by observed status",
    labelNames: ["status"] as const,
    registers: [registry],
    collect() {
      const counts = { up: 0, down: 0, unknown: 0 };
      for (const service of sources?.registry.listServices() ?? []) {
        counts[sources?.states.stateOf(service.id)?.observation.status ?? "unknown"]++;
      }
      for (const [status, count] of Object.entries(counts)) services.set({ status }, count);
    },
  });
  const streams = new Gauge({
    name: "monitor_watch_streams",
    help: "Open Watch streams",
    registers: [registry],
    collect() {
      streams.set(sources?.hub.streamCount() ?? 0);
    },
  });

  let historyBuffered: (() => number) | undefined;
  const historyBufferedGauge = new Gauge({
    name: "monitor_history_rows_buffered",
    help: "History rows (checks, pauses, status changes) waiting in memory for their batch",
    registers: [registry],
    collect() {
      historyBufferedGauge.set(historyBuffered?.() ?? 0);
    },
  });
  const historyDropped = new Counter({
    name: "monitor_history_rows_dropped_total",
    help: "History rows dropped because the buffer was full (the database did not keep up)",
    registers: [registry],
  });
  const historyAppend = new Histogram({
    name: "monitor_history_append_seconds",
    help: "How long one batch append of history rows (one transaction) took",
    buckets: SECONDS_BUCKETS,
    registers: [registry],
  });
  const rollupPass = new Histogram({
    name: "monitor_history_rollup_pass_seconds",
    help: "How long one rollup pass (read rows, fold, read-merge-write buckets) took",
    buckets: SECONDS_BUCKETS,
    registers: [registry],
  });
  const rollupRows = new Counter({
    name: "monitor_history_rows_rolled_up_total",
    help: "History rows folded into the minute/hour/day rollups",
    registers: [registry],
  });
  const retentionDeleted = new Counter({
    name: "monitor_history_retention_deleted_total",
    help: "History rows, status changes and rollup buckets deleted by retention (or for unregistered services)",
    registers: [registry],
  });

  const requestsRefused = new Counter({
    name: "monitor_requests_refused_total",
    help: "Requests refused by a limit (max_services, max_callers, max_subscriptions, mutation_rate) or by --allow-targets (target_not_allowed)",
    labelNames: ["reason"] as const,
    registers: [registry],
  });

  const authRefusals = new Counter({
    name: "monitor_auth_refusals_total",
    help: "Calls refused by auth, by gRPC code and reason (missing, not_bearer, unknown_token, permission_denied)",
    labelNames: ["code", "reason"],
    registers: [registry],
  });

  return {
    registry,
    refused: (reason) => requestsRefused.inc({ reason }),
    // A refusal for the RPC's policy is PERMISSION_DENIED; every failure to authenticate is UNAUTHENTICATED.
    authRefused: (reason) => authRefusals.inc({ code: reason === "permission_denied" ? "permission_denied" : "unauthenticated", reason }),
    history: {
      writer: {
        appended: ({ durationMs }) => historyAppend.observe(durationMs / 1000),
        dropped: (rows) => historyDropped.inc(rows),
      },
      rollupPassed({ rows, durationMs }) {
        rollupRows.inc(rows);
        rollupPass.observe(durationMs / 1000);
      },
      retentionDeleted: (rows) => retentionDeleted.inc(rows),
      readBufferedFrom(buffered) {
        historyBuffered = buffered;
      },
    },
    observer: {
      checkStarted(_serviceId, plannedAt, startedAt) {
        lateness.observe(Math.max(0, startedAt - plannedAt) / 1000);
      },
      checkFinished(_service, result) {
        checks.inc({ result: result.status });
        duration.observe(result.latencyMs / 1000);
      },
      announced(_service, status, _detail, callers) {
        announcements.inc({ status }, callers);
      },
    },
    storeWritten({ events, durationMs }) {
      eventsAppended.inc(events);
      storeWrites.observe(durationMs / 1000);
    },
    readFrom(next) {
      sources = next;
    },
  };
}
