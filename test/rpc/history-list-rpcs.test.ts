import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ListCheckResultsRequestSchema,
  ServiceStatusFilter,
} from "../../sdk/gen/monitor/v1/management_service_pb.js";
import type { HistoryRecord, Stored } from "../../server/domain/history-types.js";
import { createInMemoryMonitor, type InMemoryMonitor } from "../support/in-memory-monitor.js";
import { refusalText } from "../support/refusal.js";

/** The code and message a call failed with. */

const ts = timestampFromMs;

let m: InMemoryMonitor;
let serviceId: string;
beforeEach(async () => {
  m = await createInMemoryMonitor();
  const { service } = await m.management.registerService({ host: "db.internal", port: 5432 });
  serviceId = service!.id;
});
afterEach(() => m.close());

let nextId = 1;
function check(at: number, status: "up" | "down" = "up", service = serviceId): Stored<HistoryRecord> {
  return { id: nextId++, kind: "check", serviceId: service, at, status, latencyMs: 1, detail: "", inOutage: false, maxSpanMs: 60_000 };
}
function pause(at: number): Stored<HistoryRecord> {
  return { id: nextId++, kind: "pause", serviceId, at };
}

describe("ListCheckResults: validation", () => {
  it.each([
    [{ serviceId: "" }, "InvalidArgument: service_id: must not be empty"],
    [{ serviceId: "x".repeat(129) }, "InvalidArgument: service_id: must be at most 128 characters, got 129"],
    [{ pageSize: -1 }, "InvalidArgument: page_size: must be between 1 and 1000 (0 for 100), got -1"],
    [{ pageSize: 1001 }, "InvalidArgument: page_size: must be between 1 and 1000 (0 for 100), got 1001"],
    [{ startTime: ts(5000), endTime: ts(5000) }, "InvalidArgument: end_time: must be after start_time"],
    [{ startTime: ts(6000), endTime: ts(5000) }, "InvalidArgument: end_time: must be after start_time"],
    [{ startTime: ts(Date.parse("2030-01-01T00:00:00Z")) }, "InvalidArgument: end_time: must be after start_time (unset, end_time is now)"],
    [{ startTime: { seconds: 1n, nanos: -1 } }, "InvalidArgument: start_time: nanos must be within 0..999,999,999"],
    [{ endTime: { seconds: 10n ** 15n, nanos: 0 } }, "InvalidArgument: end_time: is not a valid time, got 1000000000000000000"],
    [{ statusFilter: [ServiceStatusFilter.UP, ServiceStatusFilter.UNKNOWN] }, "InvalidArgument: status_filter[1]: UNKNOWN selects no check result (every check is UP or DOWN)"],
    [{ statusFilter: [42 as ServiceStatusFilter] }, "InvalidArgument: status_filter[0]: is not a ServiceStatusFilter this server knows, got 42"],
    [{ pageToken: "bm9wZQ" }, "InvalidArgument: page_token: is not a token returned by this server"],
    [{ pageToken: "x".repeat(513) }, "InvalidArgument: page_token: must be at most 512 characters, got 513"],
  ])("refuses %o, naming the field", async (fields, message) => {
    const req = create(ListCheckResultsRequestSchema, { serviceId, ...fields });
    expect(await refusalText(m.management.listCheckResults(req))).toBe(message);
    expect(m.fakeHistory.queries).toEqual([]);
  });

  it("answers NOT_FOUND for an unknown service (rows of a service since unregistered are not shown)", async () => {
    m.fakeHistory.checkResults.push(check(1000, "up", "svc_gone"));
    expect(await refusalText(m.management.listCheckResults({ serviceId: "svc_gone" }))).toBe('NotFound: service "svc_gone" not found');
    await m.management.unregisterService({ serviceId });
    expect(await refusalText(m.management.listCheckResults({ serviceId }))).toBe(`NotFound: service "${serviceId}" not found`);
  });

  it("refuses bad input before looking the service up", async () => {
    expect(await refusalText(m.management.listCheckResults({ serviceId: "svc_gone", pageSize: -5 }))).toMatch(/^InvalidArgument: page_size/);
  });

  it("defaults: start 0 (the oldest kept), end now, 100 a page, every row; UNSPECIFIED filters are ignored", async () => {
    await m.management.listCheckResults({ serviceId, statusFilter: [ServiceStatusFilter.UNSPECIFIED] });
    await m.management.listCheckResults({ serviceId, pageSize: 1000, startTime: ts(10), endTime: ts(20) });
    await m.management.listCheckResults({ serviceId, pageSize: 1, statusFilter: [ServiceStatusFilter.DOWN, ServiceStatusFilter.PAUSED, ServiceStatusFilter.DOWN] });
    expect(m.fakeHistory.queries.map((q) => q.query)).toEqual([
      { serviceId, startMs: 0, endMs: m.clock.now(), pageSize: 100 },
      { serviceId, startMs: 10, endMs: 20, pageSize: 1000 },
      { serviceId, startMs: 0, endMs: m.clock.now(), pageSize: 1, statuses: new Set(["down", "pause"]) },
    ]);
  });
});

describe("ListCheckResults: paging", () => {
  it("pages through every row once, newest first, however the page size changes", async () => {
    const start = m.clock.now() - 300_000;
    for (let i = 0; i < 250; i++) m.fakeHistory.checkResults.push(check(start + i * 1000, i % 3 === 0 ? "down" : "up"));
    // Two rows at the same instant: the id breaks the tie.
    m.fakeHistory.checkResults.push(check(start + 100_000, "up"));
    const seen: number[] = [];
    let pageToken = "";
    const sizes = [100, 7, 1000];
    for (let page = 0; ; page++) {
      const res = await m.management.listCheckResults({ serviceId, pageSize: sizes[page % 3]!, pageToken });
      seen.push(...res.results.map((r) => Number(r.checkTime!.seconds) * 1000 + r.checkTime!.nanos / 1e6));
      pageToken = res.nextPageToken;
      if (pageToken === "") break;
    }
    expect(seen).toHaveLength(251);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    expect(m.fakeHistory.queries.map((q) => (q.rpc === "listCheckResults" ? q.query.pageSize : 0))).toEqual([100, 7, 1000]);
  });

  it("pins an unset end_time to the first page's now: a row written later never shows on a later page", async () => {
    const t0 = m.clock.now();
    for (let i = 0; i < 5; i++) m.fakeHistory.checkResults.push(check(t0 - 5000 + i * 1000));
    const first = await m.management.listCheckResults({ serviceId, pageSize: 2 });
    await m.time.advance(60_000);
    m.fakeHistory.checkResults.push(check(t0 + 1000));
    const rest = [];
    let pageToken = first.nextPageToken;
    while (pageToken !== "") {
      const res = await m.management.listCheckResults({ serviceId, pageSize: 2, pageToken });
      rest.push(...res.results);
      pageToken = res.nextPageToken;
    }
    expect(first.results.length + rest.length).toBe(5);
    const ends = m.fakeHistory.queries.map((q) => q.query.endMs);
    expect(new Set(ends)).toEqual(new Set([t0]));
    // A new first page sees it.
    const fresh = await m.management.listCheckResults({ serviceId, pageSize: 2 });
    expect(Number(fresh.results[0]!.checkTime!.seconds) * 1000).toBe(t0 + 1000);
  });

  it("refuses a token reused with another filter, start, end, service or RPC, naming page_token", async () => {
    const { service: other } = await m.management.registerService({ host: "db.internal", port: 5433 });
    for (let i = 0; i < 3; i++) m.fakeHistory.checkResults.push(check(1000 + i, "down"));
    const base = { serviceId, pageSize: 1, statusFilter: [ServiceStatusFilter.DOWN], startTime: ts(500) };
    const { nextPageToken } = await m.management.listCheckResults(base);
    expect(nextPageToken).not.toBe("");
    // The same query, filters in another order or repeated, is the same query.
    const same = await m.management.listCheckResults({
      ...base,
      statusFilter: [ServiceStatusFilter.DOWN, ServiceStatusFilter.UNSPECIFIED, ServiceStatusFilter.DOWN],
      pageToken: nextPageToken,
    });
    expect(same.results).toHaveLength(1);
    const reused = "InvalidArgument: page_token: was made for another query (service_id, start_time, end_time or status_filter differ); start again without it";
    for (const changed of [
      { statusFilter: [ServiceStatusFilter.UP] },
      { statusFilter: [] },
      { statusFilter: [ServiceStatusFilter.DOWN, ServiceStatusFilter.PAUSED] },
      { startTime: ts(501) },
      { startTime: undefined },
      { endTime: ts(m.clock.now()) },
      { serviceId: other!.id },
    ]) {
      expect(await refusalText(m.management.listCheckResults({ ...base, ...changed, pageToken: nextPageToken })), Object.keys(changed)[0]).toBe(reused);
    }
    expect(await refusalText(m.management.listStatusChanges({ serviceId, startTime: ts(500), pageToken: nextPageToken }))).toBe(reused);
  });

  it("refuses a token that was tampered with", async () => {
    for (let i = 0; i < 3; i++) m.fakeHistory.checkResults.push(check(1000 + i));
    const { nextPageToken } = await m.management.listCheckResults({ serviceId, pageSize: 1 });
    const text = Buffer.from(nextPageToken, "base64url").toString("utf8");
    const parts = text.split("|");
    for (const forged of [
      [...parts.slice(0, 4), "1.5"].join("|"),
      [...parts.slice(0, 2), "NaN", ...parts.slice(3)].join("|"),
      [...parts, "x"].join("|"),
      ["h2", ...parts.slice(1)].join("|"),
      parts.join("|") + " ",
    ]) {
      const token = Buffer.from(forged, "utf8").toString("base64url");
      expect(await refusalText(m.management.listCheckResults({ serviceId, pageSize: 1, pageToken: token })), forged).toBe(
        "InvalidArgument: page_token: is not a token returned by this server",
      );
    }
  });

  it("selects by status: UP and DOWN checks, PAUSED pause markers", async () => {
    m.fakeHistory.checkResults.push(check(1000, "up"), check(2000, "down"), pause(3000), check(4000, "up"));
    const statuses = async (statusFilter: ServiceStatusFilter[]) =>
      (await m.management.listCheckResults({ serviceId, statusFilter })).results.map((r) => (r.paused ? "paused" : r.detail === "" ? "check" : r.detail));
    expect(await statuses([ServiceStatusFilter.PAUSED])).toEqual(["paused"]);
    expect(await statuses([ServiceStatusFilter.UP])).toHaveLength(2);
    expect(await statuses([])).toHaveLength(4);
  });
});

describe("ListStatusChanges: validation and paging", () => {
  function change(at: number, status: "up" | "down") {
    return {
      change: { id: nextId++, serviceId, at, previous: status === "up" ? ("down" as const) : ("up" as const), status, detail: "" },
      durationMs: 1000,
      ongoing: false,
    };
  }

  it.each([
    [{ serviceId: "" }, "InvalidArgument: service_id: must not be empty"],
    [{ pageSize: -1 }, "InvalidArgument: page_size: must be between 1 and 1000 (0 for 100), got -1"],
    [{ pageSize: 5000 }, "InvalidArgument: page_size: must be between 1 and 1000 (0 for 100), got 5000"],
    [{ startTime: ts(9), endTime: ts(3) }, "InvalidArgument: end_time: must be after start_time"],
    [{ endTime: { seconds: 0n, nanos: 1_000_000_000 } }, "InvalidArgument: end_time: nanos must be within 0..999,999,999"],
    [{ pageToken: "garbage" }, "InvalidArgument: page_token: is not a token returned by this server"],
    [{ serviceId: "svc_gone" }, 'NotFound: service "svc_gone" not found'],
  ])("refuses %o", async (fields, message) => {
    expect(await refusalText(m.management.listStatusChanges({ serviceId, ...fields }))).toBe(message);
  });

  it("defaults and pages newest first with the end pinned; a token reused with another window is refused", async () => {
    const t0 = m.clock.now();
    for (let i = 0; i < 5; i++) m.fakeHistory.statusChanges.push(change(t0 - 10_000 + i * 1000, i % 2 === 0 ? "down" : "up"));
    const first = await m.management.listStatusChanges({ serviceId, pageSize: 3 });
    expect(first.changes.map((c) => Number(c.changeTime!.seconds) * 1000)).toEqual([t0 - 6000, t0 - 7000, t0 - 8000]);
    await m.time.advance(5000);
    const second = await m.management.listStatusChanges({ serviceId, pageSize: 3, pageToken: first.nextPageToken });
    expect(second.changes).toHaveLength(2);
    expect(second.nextPageToken).toBe("");
    expect(m.fakeHistory.queries.map((q) => q.query)).toEqual([
      { serviceId, startMs: 0, endMs: t0, pageSize: 3 },
      { serviceId, startMs: 0, endMs: t0, pageSize: 3, after: { at: t0 - 8000, id: expect.any(Number) } },
    ]);
    expect(await refusalText(m.management.listStatusChanges({ serviceId, pageSize: 3, endTime: ts(t0), pageToken: first.nextPageToken }))).toMatch(
      /^InvalidArgument: page_token: was made for another query/,
    );
  });
});
