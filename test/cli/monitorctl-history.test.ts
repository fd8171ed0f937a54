import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs, timestampDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createRouterTransport } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { runMonitorctl } from "../../sdk/cli/run-monitorctl.js";
import {
  ManagementService,
  ServiceStatusFilter,
  type GetServiceStatsRequest,
  type ListCheckResultsRequest,
  type SubscribeRequest,
} from "../../sdk/gen/monitor/v1/management_service_pb.js";
import { CheckResultSchema, ServiceStatsSchema, ServiceStatus, SubscriptionSchema, type CheckResult } from "../../sdk/gen/monitor/v1/resources_pb.js";
import { toMillis } from "../../sdk/to-millis.js";

/**
 * monitorctl history, stats and subscribe's alert flags against a fake
 * ManagementService over connect's in-memory transport: which request each
 * command line sends (times, filters, page sizes, tokens), what it prints
 * of the answer, and that bad flags stop it with exit code 2 before any call.
 */

const NOW = Date.parse("2026-12-02T04:00:00Z");

/** `count` results one second apart, newest first: every 10th DOWN, the oldest a pause marker. */
function results(count: number): CheckResult[] {
  return Array.from({ length: count }, (_, i) =>
    create(CheckResultSchema, {
      checkTime: timestampFromMs(NOW - 1000 * (i + 1)),
      ...(i === count - 1
        ? { paused: true, detail: "paused" }
        : i % 10 === 9
          ? { status: ServiceStatus.DOWN, latency: durationFromMs(1.5), detail: "connection refused" }
          : { status: ServiceStatus.UP, latency: durationFromMs(0.25) }),
    }),
  );
}

const STATS: MessageInitShape<typeof ServiceStatsSchema> = {
  serviceId: "svc_db",
  startTime: timestampFromMs(NOW - 3_600_000),
  endTime: timestampFromMs(NOW),
  availability: 0.975,
  upTime: durationFromMs(3_510_000),
  downTime: durationFromMs(90_000),
  checks: 3600n,
  upChecks: 3510n,
  downChecks: 90n,
  incidents: 3,
  currentStreak: { status: ServiceStatus.DOWN, duration: durationFromMs(192_000) },
  bucketWidth: durationFromMs(600_000),
  buckets: [1, 1, 0.85, undefined, 1, 1].map((a, i) => ({
    startTime: timestampFromMs(NOW - 3_600_000 + i * 600_000),
    ...(a === undefined ? {} : { availability: a, latencyP95: durationFromMs(a === 1 ? 0.5 : 2) }),
  })),
};

/** A fake server holding `history` (served at most 30 a page), recording every request. */
function fakeMonitor(history: readonly CheckResult[]) {
  const listed: ListCheckResultsRequest[] = [];
  const statsAsked: GetServiceStatsRequest[] = [];
  const subscribed: SubscribeRequest[] = [];
  const transport = createRouterTransport(({ service }) =>
    service(ManagementService, {
      listCheckResults(request) {
        listed.push(request);
        if (request.serviceId !== "svc_db") throw new ConnectError(`service "${request.serviceId}" not found`, Code.NotFound);
        const from = request.pageToken === "" ? 0 : Number(request.pageToken);
        const to = Math.min(from + Math.min(request.pageSize, 30), history.length);
        return { results: history.slice(from, to), nextPageToken: to < history.length ? String(to) : "" };
      },
      getServiceStats(request) {
        statsAsked.push(request);
        return { stats: STATS };
      },
      subscribe(request) {
        subscribed.push(request);
        const { callerId, serviceId } = request;
        const rule = request.availabilityAlertRule;
        return {
          subscription: {
            callerId,
            serviceId,
            pollingInterval: durationFromMs(30_000),
            gracePeriod: durationFromMs(0),
            // The server stores a rule fully defaulted.
            ...(rule === undefined ? {} : { availabilityAlertRule: { window: rule.window ?? durationFromMs(120_000), threshold: rule.threshold || 0.8 } }),
          },
        };
      },
      listSubscriptions() {
        return {
          subscriptions: [
            create(SubscriptionSchema, { callerId: "ops", serviceId: "svc_db", pollingInterval: durationFromMs(5000), gracePeriod: durationFromMs(0) }),
            create(SubscriptionSchema, {
              callerId: "pager",
              serviceId: "svc_db",
              pollingInterval: durationFromMs(1000),
              gracePeriod: durationFromMs(10_000),
              availabilityAlertRule: { window: durationFromMs(300_000), threshold: 0.9 },
            }),
          ],
        };
      },
    }),
  );
  async function ctl(args: string[]) {
    let stdout = "";
    let stderr = "";
    const code = await runMonitorctl(args, {
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      env: {},
      isTty: false,
      signal: new AbortController().signal,
      now: () => NOW,
      transport,
    });
    return { code, stdout, stderr };
  }
  return { ctl, listed, statsAsked, subscribed };
}

const ms = (t: Parameters<typeof timestampDate>[0] | undefined) => (t === undefined ? undefined : timestampDate(t).getTime());

describe("monitorctl history", () => {
  it("prints the newest 50 by default, one line per check, page by page, and says the limit cut it short", async () => {
    const m = fakeMonitor(results(120));
    const run = await m.ctl(["history", "svc_db"]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^TIME +STATUS +LATENCY +DETAIL$/);
    expect(lines).toHaveLength(51);
    expect(lines[1]).toBe("2026-12-02T03:59:59.000Z  UP      0.25ms");
    expect(lines[10]).toBe("2026-12-02T03:59:50.000Z  DOWN    1.50ms   connection refused");
    expect(run.stderr).toBe("the 50 newest shown; --limit N shows more, --start/--end a narrower window\n");
    // Each page asks only for what is still wanted; the token of the last page goes back unchanged.
    expect(m.listed.map((r) => [r.pageSize, r.pageToken])).toEqual([
      [50, ""],
      [20, "30"],
    ]);
    expect(m.listed.every((r) => r.serviceId === "svc_db" && r.startTime === undefined && r.endTime === undefined && r.statusFilter.length === 0)).toBe(true);
  });

  it("pages to the end when the history holds fewer than --limit; a pause marker shows as PAUSED", async () => {
    const m = fakeMonitor(results(65));
    const run = await m.ctl(["history", "svc_db", "--limit", "1000"]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(66);
    expect(lines[65]).toBe("2026-12-02T03:58:55.000Z  PAUSED  -        paused");
    expect(m.listed.map((r) => [r.pageSize, r.pageToken])).toEqual([
      [1000, ""],
      [970, "30"],
      [940, "60"],
    ]);
  });

  it("--since, --start/--end and --status become the request's times and filter", async () => {
    const m = fakeMonitor(results(5));
    expect((await m.ctl(["history", "svc_db", "--since", "1h", "--status", "down"])).code).toBe(0);
    expect((await m.ctl(["history", "svc_db", "--start", "-2h", "--end", "2026-12-02T03:30:00Z", "--status", "DOWN,paused"])).code).toBe(0);
    expect((await m.ctl(["history", "svc_db", "--status", "up", "--status", "paused", "--limit", "3"])).code).toBe(0);
    const [since, range, repeated] = m.listed;
    expect([ms(since!.startTime), ms(since!.endTime), since!.statusFilter]).toEqual([NOW - 3_600_000, undefined, [ServiceStatusFilter.DOWN]]);
    expect([ms(range!.startTime), ms(range!.endTime), range!.statusFilter]).toEqual([
      NOW - 7_200_000,
      Date.parse("2026-12-02T03:30:00Z"),
      [ServiceStatusFilter.DOWN, ServiceStatusFilter.PAUSED],
    ]);
    expect([repeated!.statusFilter, repeated!.pageSize]).toEqual([[ServiceStatusFilter.UP, ServiceStatusFilter.PAUSED], 3]);
  });

  it("--json prints one CheckResult per line (NDJSON), newest first, with the API's JSON names", async () => {
    const m = fakeMonitor(results(10));
    const run = await m.ctl(["history", "svc_db", "--json"]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const rows = run.stdout.trimEnd().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows).toHaveLength(10);
    expect(rows[0]).toEqual({ checkTime: "2026-12-02T03:59:59Z", status: "SERVICE_STATUS_UP", latency: "0.000250s" });
    expect(rows[9]).toEqual({ checkTime: "2026-12-02T03:59:50Z", detail: "paused", paused: true });
  });

  it.each([
    [["--since", "1h", "--start", "-2h"], "give either --since or --start (and --end), not both"],
    [["--end", "now"], "--end needs --start"],
    [["--start", "-1h", "--end", "-2h"], "--end (2026-12-02T02:00:00.000Z) must be after --start (2026-12-02T03:00:00.000Z)"],
    [["--since", "soon"], '--since: expected a duration like "5s", got "soon"'],
    [["--since", "0s"], "--since: must be more than 0s"],
    [["--status", "sideways"], '--status: expected up, down, paused (or several, comma-separated), got "sideways"'],
    [["--limit", "0"], "--limit: must be at least 1"],
    [["--limit", "ten"], '--limit: expected a whole number, got "ten"'],
    [["--statuses", "down"], "unknown flag --statuses"],
  ])("refuses %j with exit code 2, naming the flag, before any call", async (flags, message) => {
    const m = fakeMonitor(results(5));
    const run = await m.ctl(["history", "svc_db", ...flags]);
    expect(run).toMatchObject({ code: 2, stdout: "" });
    expect(run.stderr).toBe(`monitorctl: ${message}\nSee: monitorctl history SERVICE_ID --help\n`);
    expect(m.listed).toEqual([]);
  });

  it("an unknown service is the server's NOT_FOUND, exit code 1", async () => {
    const run = await fakeMonitor([]).ctl(["history", "svc_nope"]);
    expect(run).toEqual({ code: 1, stdout: "", stderr: 'monitorctl: NOT_FOUND: service "svc_nope" not found\n' });
  });
});

describe("monitorctl stats", () => {
  it("prints the stats page with its sparklines", async () => {
    const m = fakeMonitor([]);
    const run = await m.ctl(["stats", "svc_db"]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toContain("Availability:  97.500%\n");
    expect(run.stdout).toContain("Now:           down for 3m 12s\n");
    expect(run.stdout).toContain("Chart:         6 buckets of 10m, oldest first\n  availability ██▁ ██  85.000% to 100.000%\n  p95 latency  ▁▁█ ▁▁  0.50ms to 2.00ms\n");
    // No flags: the server's default window (24h).
    expect([m.statsAsked[0]!.window, m.statsAsked[0]!.startTime, m.statsAsked[0]!.endTime]).toEqual([undefined, undefined, undefined]);
  });

  it("--window is the request's window; --start/--end its times", async () => {
    const m = fakeMonitor([]);
    await m.ctl(["stats", "svc_db", "--window", "168h"]);
    await m.ctl(["stats", "svc_db", "--start", "2026-12-01T00:00:00Z", "--end", "-1h"]);
    await m.ctl(["stats", "svc_db", "--start", "-30m"]);
    const [week, range, open] = m.statsAsked;
    expect([toMillis(week!.window), week!.startTime]).toEqual([168 * 3_600_000, undefined]);
    expect([range!.window, ms(range!.startTime), ms(range!.endTime)]).toEqual([undefined, Date.parse("2026-12-01T00:00:00Z"), NOW - 3_600_000]);
    expect([ms(open!.startTime), open!.endTime]).toEqual([NOW - 1_800_000, undefined]);
  });

  it("--json prints the GetServiceStatsResponse as proto JSON", async () => {
    const run = await fakeMonitor([]).ctl(["stats", "svc_db", "--json"]);
    const json = JSON.parse(run.stdout) as { stats: Record<string, unknown> };
    expect(run.stdout.trimEnd().split("\n")).toHaveLength(1);
    expect(json.stats).toMatchObject({ serviceId: "svc_db", availability: 0.975, checks: "3600", incidents: 3, bucketWidth: "600s" });
    expect(json.stats["buckets"]).toHaveLength(6);
  });

  it("refuses a window and times together, exit code 2", async () => {
    const m = fakeMonitor([]);
    expect(await m.ctl(["stats", "svc_db", "--window", "1h", "--end", "now"])).toMatchObject({
      code: 2,
      stderr: "monitorctl: give either --window or --start (and --end), not both\nSee: monitorctl stats SERVICE_ID --help\n",
    });
    expect(m.statsAsked).toEqual([]);
  });
});

describe("monitorctl subscribe with an availability alert", () => {
  it("sends the rule from --alert-window and --alert-threshold (0.8 or 80%), and prints it", async () => {
    const m = fakeMonitor([]);
    expect(await m.ctl(["subscribe", "ops", "svc_db", "--alert-window", "5m", "--alert-threshold", "90%"])).toEqual({
      code: 0,
      stdout: "ops subscribed to svc_db: every 30s, grace 0s, availability alert below 90% over 5m\n",
      stderr: "",
    });
    // One flag alone: the other is the server's default.
    expect((await m.ctl(["subscribe", "ops", "svc_db", "--alert-threshold", "0.95"])).stdout).toBe(
      "ops subscribed to svc_db: every 30s, grace 0s, availability alert below 95% over 2m\n",
    );
    expect((await m.ctl(["subscribe", "ops", "svc_db"])).stdout).toBe("ops subscribed to svc_db: every 30s, grace 0s\n");
    const [both, thresholdOnly, none] = m.subscribed;
    expect([toMillis(both!.availabilityAlertRule!.window), both!.availabilityAlertRule!.threshold]).toEqual([300_000, 0.9]);
    expect([thresholdOnly!.availabilityAlertRule!.window, thresholdOnly!.availabilityAlertRule!.threshold]).toEqual([undefined, 0.95]);
    expect(none!.availabilityAlertRule).toBeUndefined();
  });

  it.each([
    [["--alert-threshold", "80"], '--alert-threshold: expected a fraction above 0 and at most 1 (e.g. 0.8) or a percentage (e.g. 80%), got "80"'],
    [["--alert-threshold", "0"], '--alert-threshold: expected a fraction above 0 and at most 1 (e.g. 0.8) or a percentage (e.g. 80%), got "0"'],
    [["--alert-threshold", "101%"], '--alert-threshold: expected a fraction above 0 and at most 1 (e.g. 0.8) or a percentage (e.g. 80%), got "101%"'],
    [["--alert-window", "2 minutes"], '--alert-window: expected a duration like "5s", got "2 minutes"'],
  ])("refuses %j with exit code 2", async (flags, message) => {
    const m = fakeMonitor([]);
    expect(await m.ctl(["subscribe", "ops", "svc_db", ...flags])).toMatchObject({ code: 2, stderr: expect.stringContaining(`monitorctl: ${message}\n`) });
    expect(m.subscribed).toEqual([]);
  });

  it("subscriptions ls shows an ALERT column when some subscription has a rule", async () => {
    expect((await fakeMonitor([]).ctl(["subscriptions", "ls"])).stdout).toBe(
      ["CALLER  SERVICE  INTERVAL  GRACE  ALERT", "ops     svc_db   5s        0s     -", "pager   svc_db   1s        10s    below 90% over 5m", ""].join("\n"),
    );
  });
});
