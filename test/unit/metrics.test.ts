import { describe, expect, it } from "vitest";
import type { ServiceConfig } from "../../server/domain/types.js";
import type { ServiceState } from "../../server/domain/service-state.js";
import { createMetrics } from "../../server/metrics/create-metrics.js";
import { isLoopbackHost } from "../../server/metrics/is-loopback-host.js";

/** What the observer and the scrape-time gauges turn into (issue 8, item 7); the endpoint itself is tested end to end. */

const service = (id: string): ServiceConfig => ({
  id,
  host: "127.0.0.1",
  port: 1,
  displayName: "",
  checkIntervalMs: 1000,
  checkTimeoutMs: 1000,
  createdAt: 0,
});

const state = (status: "up" | "down"): ServiceState => ({
  observation: { status, sinceMs: 0, lastCheckAt: 0, lastLatencyMs: 0, detail: "" },
  effectiveIntervalMs: 1000,
  inPlannedOutage: false,
  nextCheckAt: undefined,
});

/** The sample lines of one metric, e.g. `monitor_checks_total{result="up"} 2`. */
const samples = (text: string, name: string) => text.split("\n").filter((line) => line.startsWith(name));

describe("createMetrics", () => {
  it("counts checks by result and records lateness, duration, events and store writes in seconds", async () => {
    const metrics = createMetrics();
    const { observer } = metrics;
    observer.checkStarted?.("svc_a", 1000, 1003);
    observer.checkFinished?.(service("svc_a"), { status: "up", at: 1003, latencyMs: 2, detail: "" });
    observer.checkFinished?.(service("svc_a"), { status: "up", at: 2003, latencyMs: 4, detail: "" });
    observer.checkFinished?.(service("svc_a"), { status: "down", at: 3003, latencyMs: 20_000, detail: "timed out" });
    observer.announced?.(service("svc_a"), "down", "timed out", 3);
    metrics.storeWritten({ ops: 4, plans: 2, events: 3, durationMs: 1.5 });
    metrics.storeWritten({ ops: 1, plans: 1, events: 0, durationMs: 0.5 });

    const text = await metrics.registry.metrics();
    expect(samples(text, "monitor_checks_total")).toEqual(['monitor_checks_total{result="up"} 2', 'monitor_checks_total{result="down"} 1']);
    expect(samples(text, "monitor_check_lateness_seconds_bucket")).toContain('monitor_check_lateness_seconds_bucket{le="0.005"} 1');
    expect(samples(text, "monitor_check_lateness_seconds_bucket")).toContain('monitor_check_lateness_seconds_bucket{le="0.0025"} 0');
    expect(samples(text, "monitor_check_duration_seconds_bucket")).toContain('monitor_check_duration_seconds_bucket{le="0.001"} 0');
    expect(samples(text, "monitor_check_duration_seconds_bucket")).toContain('monitor_check_duration_seconds_bucket{le="0.005"} 2');
    expect(samples(text, "monitor_check_duration_seconds_bucket")).toContain('monitor_check_duration_seconds_bucket{le="10"} 2');
    expect(samples(text, "monitor_check_duration_seconds_bucket")).toContain('monitor_check_duration_seconds_bucket{le="+Inf"} 3');
    expect(samples(text, "monitor_announcements_total")).toEqual(['monitor_announcements_total{status="down"} 3']);
    expect(samples(text, "monitor_events_appended_total")).toEqual(["monitor_events_appended_total 3"]);
    expect(samples(text, "monitor_store_write_seconds_count")).toEqual(["monitor_store_write_seconds_count 2"]);
    expect(samples(text, "monitor_store_write_seconds_bucket")).toContain('monitor_store_write_seconds_bucket{le="0.001"} 1');
    expect(text).toContain("# TYPE nodejs_eventloop_lag_seconds gauge");
  });

  it("reads services by status and open streams at scrape time", async () => {
    const metrics = createMetrics();
    const before = await metrics.registry.metrics();
    expect(samples(before, "monitor_services")).toEqual(['monitor_services{status="up"} 0', 'monitor_services{status="down"} 0', 'monitor_services{status="unknown"} 0']);
    expect(samples(before, "monitor_watch_streams")).toEqual(["monitor_watch_streams 0"]);

    const states = new Map([["svc_a", state("up")], ["svc_b", state("up")], ["svc_c", state("down")]]);
    let streams = 2;
    metrics.readFrom({
      registry: { listServices: () => ["svc_a", "svc_b", "svc_c", "svc_d"].map(service) },
      states: { stateOf: (id) => states.get(id) },
      hub: { streamCount: () => streams },
    });
    const text = await metrics.registry.metrics();
    expect(samples(text, "monitor_services")).toEqual(['monitor_services{status="up"} 2', 'monitor_services{status="down"} 1', 'monitor_services{status="unknown"} 1']);
    expect(samples(text, "monitor_watch_streams")).toEqual(["monitor_watch_streams 2"]);
    streams = 0;
    states.set("svc_c", state("up"));
    const later = await metrics.registry.metrics();
    expect(samples(later, "monitor_services")[0]).toBe('monitor_services{status="up"} 3');
    expect(samples(later, "monitor_watch_streams")).toEqual(["monitor_watch_streams 0"]);
  });

  it("keeps two servers' metrics apart in one process", async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.storeWritten({ ops: 5, plans: 1, events: 5, durationMs: 1 });
    expect(samples(await a.registry.metrics(), "monitor_events_appended_total")).toEqual(["monitor_events_appended_total 5"]);
    expect(samples(await b.registry.metrics(), "monitor_events_appended_total")).toEqual(["monitor_events_appended_total 0"]);
  });
});

describe("isLoopbackHost", () => {
  it.each(["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"])("%s is loopback", (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });
  it.each(["0.0.0.0", "::", "10.0.0.1", "192.168.1.1", "example.com", "128.0.0.1", "::2"])("%s is not", (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });

  it("counts auth refusals by gRPC code and reason", async () => {
    const metrics = createMetrics();
    for (const reason of ["missing", "missing", "unknown_token", "permission_denied"]) metrics.authRefused(reason);
    expect(samples(await metrics.registry.metrics(), "monitor_auth_refusals_total").sort()).toEqual([
      'monitor_auth_refusals_total{code="permission_denied",reason="permission_denied"} 1',
      'monitor_auth_refusals_total{code="unauthenticated",reason="missing"} 2',
      'monitor_auth_refusals_total{code="unauthenticated",reason="unknown_token"} 1',
    ]);
  });
});
