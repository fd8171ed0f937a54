import { join } from "node:path";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { ServiceStatus } from "../../sdk/gen/monitor/v1/resources_pb.js";
import { loadScenarioFile, startScenario } from "../../simulator/index.js";
import { durationMs, listAllCheckResults, msOf, spanTotals } from "../support/history-rows.js";
import { ROOT } from "../support/spawn-server.js";
import { forEachBackend, startMonitorOn } from "../support/store-backends.js";
import { sleep, waitUntil } from "../support/wait-until.js";

/**
 * Issue 11's history, end to end: the compiled server checks a simulated TCP
 * service every second through a script of known availability (up, then down
 * 6 s three times, the second time inside a planned outage scheduled through
 * the API), with the rollup job running every 5 s, so GetServiceStats adds up
 * rolled-up buckets and rows not rolled up yet. Then GetServiceStats,
 * ListCheckResults (grpc-js) and ListStatusChanges (Connect) are checked two
 * ways: against the script, within a tolerance derived below, and against the
 * check results the server itself lists, exactly.
 *
 * The tolerance. A status boundary in the history is the first check at or
 * after the listener's real change (the simulator stamps that after the
 * socket is bound or closed). Checks are planned 1 s apart (CHECK_MS); on a
 * busy machine one may start late, by SLACK_MS at most (generous: a shared
 * machine). So each boundary is observed within [0, CHECK_MS + SLACK_MS) of
 * the script's, and a span between two boundaries is within ±BOUNDARY_MS of
 * the script's span; a total of n such spans within ±n × BOUNDARY_MS. A check
 * started a moment before the simulator's stamp may already see the new state
 * (the socket was closing), which EARLY_MS allows for.
 */

const CHECK_MS = 1000;
const SLACK_MS = 1000;
const BOUNDARY_MS = CHECK_MS + SLACK_MS;
const EARLY_MS = 100;
/** The stats' cap on a row's span: 2 × interval + timeout (default check timeout 2 s). */
const MAX_SPAN_MS = 2 * CHECK_MS + 2000;
/** The planned outage, from the scenario's start: the second down piece (34-40 s) falls in it. */
const OUTAGE = { fromMs: 28_000, toMs: 48_000 };
/** Measured from the scenario's start: 8 s after the last piece ended. */
const QUERY_AT_MS = 70_000;

const within = (actual: number, expected: number, tolerance: number) => {
  expect(actual).toBeGreaterThanOrEqual(expected - tolerance);
  expect(actual).toBeLessThanOrEqual(expected + tolerance);
};

describe.concurrent("check history, stats and status changes end to end", () => forEachBackend((backend) => {
  it("adds up a script of known availability with one down piece inside a planned outage (excluded), rolled up and not", { timeout: 150_000 }, async ({ onTestFinished, onTestFailed }) => {
    const store = await backend.freshStore(onTestFinished);
    const scenario = await loadScenarioFile(join(ROOT, "simulator/scenarios/history-stats.json"));
    // debug: the rollup job logs each pass that folded rows.
    const m = await startMonitorOn(store, ["--rollup-interval", "5s", "--log-level", "debug"]);
    onTestFinished(async () => void (await m.close()));
    onTestFailed(() => console.log(`${backend.name} server log:\n${m.server.output().slice(-20_000)}`));
    // The script starts once the server is up, so the service is registered well before its first change.
    const running = await startScenario(scenario);
    onTestFinished(async () => void (await running.stop()));
    const t0 = running.startedAtMs;

    const askedFromMs = Date.now();
    const serviceId = await m.registerService(running.ports["svc"]!, CHECK_MS);
    const registeredAtMs = Date.now();
    await m.management.schedulePlannedOutage({
      serviceId,
      startTime: timestampFromMs(t0 + OUTAGE.fromMs),
      endTime: timestampFromMs(t0 + OUTAGE.toMs),
      reason: "maintenance",
    });
    // Not a timing check: the script's first change is at 12 s, and a registration after it would make the test meaningless.
    expect(registeredAtMs).toBeLessThan(t0 + 10_000);

    await sleep(t0 + QUERY_AT_MS - Date.now());
    await waitUntil(() => /rolled up \d+ row/.test(m.server.output()), 10_000, "a rollup pass");

    const transitions = running.events().flatMap((e) => (e.type === "transition" ? [{ atMs: e.atMs, state: e.state }] : []));
    expect(transitions.map((t) => t.state)).toEqual(["down", "up", "down", "up", "down", "up"]);
    const pieces = [0, 2, 4].map((i) => ({ downMs: transitions[i]!.atMs, upMs: transitions[i + 1]!.atMs }));
    const outside = [pieces[0]!, pieces[2]!];
    const outage = { fromMs: t0 + OUTAGE.fromMs, toMs: t0 + OUTAGE.toMs };

    // --- GetServiceStats (Connect) over a window from just before the registration to now.
    const { stats } = await m.management.getServiceStats({ serviceId, startTime: timestampFromMs(askedFromMs) });
    expect(stats).toBeDefined();
    const s = stats!;
    const startMs = timestampMs(s.startTime!);
    const endMs = timestampMs(s.endTime!);
    expect(startMs).toBeLessThanOrEqual(askedFromMs); // rounded down to the minute
    expect(endMs).toBeGreaterThan(t0 + QUERY_AT_MS - 1); // an unset end is now
    const up = durationMs(s.upTime);
    const down = durationMs(s.downTime);
    const excluded = durationMs(s.excludedTime);
    const unknown = durationMs(s.unknownTime);

    // Against the script.
    const downExpected = outside.reduce((sum, p) => sum + (p.upMs - p.downMs), 0);
    const excludedExpected = outage.toMs - outage.fromMs;
    const coveredExpected = endMs - registeredAtMs;
    const upExpected = coveredExpected - downExpected - excludedExpected;
    within(down, downExpected, 2 * BOUNDARY_MS); // two pieces, two boundaries each
    within(excluded, excludedExpected, BOUNDARY_MS); // the first check in the outage and the first after it
    // The first check, the two counted pieces and the outage: the up time is what they leave.
    within(up, upExpected, 4 * BOUNDARY_MS);
    expect(up + down + excluded + unknown).toBeCloseTo(endMs - startMs, 0);
    expect(s.availability).toBeCloseTo(up / (up + down), 9);
    const worst = (upExpected - 4 * BOUNDARY_MS) / (upExpected - 4 * BOUNDARY_MS + downExpected + 2 * BOUNDARY_MS);
    const best = (upExpected + 4 * BOUNDARY_MS) / (upExpected + 4 * BOUNDARY_MS + downExpected - 2 * BOUNDARY_MS);
    expect(s.availability!).toBeGreaterThanOrEqual(worst);
    expect(s.availability!).toBeLessThanOrEqual(best);
    expect(s.availability!).toBeLessThan(1);
    expect(s.incidents).toBe(3);
    // A 6 s piece is 5 to 7 checks; the whole covered time about one check a second.
    within(Number(s.downChecks), 3 * 6, 3);
    within(Number(s.checksInPlannedOutage), excludedExpected / CHECK_MS, 2);
    within(Number(s.checks), (endMs - registeredAtMs) / CHECK_MS, 3 + SLACK_MS / CHECK_MS);
    expect(Number(s.upChecks) + Number(s.downChecks)).toBe(Number(s.checks));
    expect(s.latency).toBeDefined();
    expect(durationMs(s.latency!.max)).toBeGreaterThanOrEqual(durationMs(s.latency!.min));
    const streak = s.currentStreak!;
    expect(streak.status).toBe(ServiceStatus.UP);
    expect(streak.paused).toBe(false);
    within(timestampMs(streak.sinceTime!), pieces[2]!.upMs + (BOUNDARY_MS - EARLY_MS) / 2, (BOUNDARY_MS + EARLY_MS) / 2);
    within(timestampMs(streak.lastFailureTime!), pieces[2]!.downMs + (BOUNDARY_MS - EARLY_MS) / 2, (BOUNDARY_MS + EARLY_MS) / 2);
    expect(timestampMs(streak.lastFailureEndTime!)).toBe(timestampMs(streak.sinceTime!));
    expect(s.buckets.length).toBeGreaterThan(0);
    expect(s.buckets.reduce((sum, b) => sum + Number(b.checks), 0)).toBe(Number(s.checks));

    // --- ListCheckResults over grpc-js (not our generated code): the rows themselves.
    const window = { service_id: serviceId, start_time: { seconds: Math.floor(startMs / 1000), nanos: 0 }, page_size: 1000 };
    const { results: rows } = await listAllCheckResults(m.grpcJs, window);
    const times = rows.map((r) => msOf(r.check_time));
    expect(times).toEqual([...times].sort((a, b) => b - a)); // newest first
    const inStats = rows.filter((r) => msOf(r.check_time) < endMs);
    // Exactly what the rows add up to: down and excluded spans ended long before the stats were read.
    const fromRows = spanTotals(inStats, startMs, endMs, MAX_SPAN_MS);
    expect(down).toBeCloseTo(fromRows.downMs, 0);
    expect(excluded).toBeCloseTo(fromRows.excludedMs, 0);
    // The writer appends about once a second, so the stats may not have had the last second's rows;
    // the last row they had stands until now (its cap is 4 s), so the up time is the same.
    expect(up).toBeCloseTo(fromRows.upMs, 0);
    expect(Number(s.downChecks)).toBe(inStats.filter((r) => r.status === "SERVICE_STATUS_DOWN").length);
    expect(Number(s.checksInPlannedOutage)).toBe(inStats.filter((r) => r.in_planned_outage).length);
    expect(Number(s.checks)).toBeLessThanOrEqual(inStats.length);
    expect(Number(s.checks)).toBeGreaterThanOrEqual(inStats.length - 3);
    within(unknown, msOf(inStats.at(-1)!.check_time) - startMs, 1);

    // Only the down checks, newest first, with their detail; the ones of the outage say so.
    const { results: downs } = await listAllCheckResults(m.grpcJs, { ...window, status_filter: ["SERVICE_STATUS_FILTER_DOWN"] });
    expect(downs.length).toBe(Number(s.downChecks));
    expect(downs.map((r) => msOf(r.check_time))).toEqual(times.filter((_, i) => rows[i]!.status === "SERVICE_STATUS_DOWN"));
    for (const row of downs) {
      expect(row).toMatchObject({ status: "SERVICE_STATUS_DOWN", detail: "connection refused", paused: false });
      const at = msOf(row.check_time);
      const piece = pieces.findIndex((p) => at >= p.downMs - EARLY_MS && at < p.upMs + BOUNDARY_MS);
      expect(piece, `down check at +${at - t0} ms is in no down piece`).toBeGreaterThanOrEqual(0);
      expect(row.in_planned_outage).toBe(at >= outage.fromMs && at < outage.toMs);
    }
    expect(downs.filter((r) => r.in_planned_outage).length).toBeGreaterThan(0);
    expect(new Set(downs.map((r) => pieces.findIndex((p) => msOf(r.check_time) < p.upMs + BOUNDARY_MS))).size).toBe(3);

    // --- ListStatusChanges (Connect): the observed changes, newest first, with their durations.
    const { changes, nextPageToken } = await m.management.listStatusChanges({ serviceId, startTime: timestampFromMs(startMs), pageSize: 100 });
    expect(nextPageToken).toBe("");
    const oldestFirst = [...changes].reverse();
    expect(oldestFirst.map((c) => [c.previousStatus, c.status])).toEqual([
      [ServiceStatus.UNSPECIFIED, ServiceStatus.UP],
      [ServiceStatus.UP, ServiceStatus.DOWN],
      [ServiceStatus.DOWN, ServiceStatus.UP],
      [ServiceStatus.UP, ServiceStatus.DOWN],
      [ServiceStatus.DOWN, ServiceStatus.UP],
      [ServiceStatus.UP, ServiceStatus.DOWN],
      [ServiceStatus.DOWN, ServiceStatus.UP],
    ]);
    expect(oldestFirst.map((c) => c.ongoing)).toEqual([false, false, false, false, false, false, true]);
    const boundaries = [registeredAtMs, ...transitions.map((t) => t.atMs)];
    oldestFirst.forEach((change, i) => {
      const at = timestampMs(change.changeTime!);
      // Each change is the first check of its status: a row of the list, at or just after the script's change.
      expect(times.some((t) => Math.abs(t - at) < 1), `no check result at the change's time +${at - t0} ms`).toBe(true);
      expect(at).toBeGreaterThanOrEqual(boundaries[i]! - EARLY_MS - (i === 0 ? 1000 : 0));
      expect(at).toBeLessThan(boundaries[i]! + BOUNDARY_MS);
      const next = oldestFirst[i + 1];
      if (next !== undefined) {
        expect(durationMs(change.duration)).toBeCloseTo(timestampMs(next.changeTime!) - at, 0);
        if (i > 0) within(durationMs(change.duration), boundaries[i + 1]! - boundaries[i]!, BOUNDARY_MS + EARLY_MS);
      }
      if (change.status === ServiceStatus.DOWN) expect(change.detail).toBe("connection refused");
    });
    expect(timestampMs(oldestFirst.at(-1)!.changeTime!)).toBe(timestampMs(streak.sinceTime!));
  });
}));
