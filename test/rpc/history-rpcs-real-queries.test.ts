import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ServiceStatusFilter } from "../../sdk/gen/monitor/v1/management_service_pb.js";
import { ServiceStatus } from "../../sdk/gen/monitor/v1/resources_pb.js";
import type { HistoryRecord } from "../../server/domain/history-types.js";
import { createHistoryQueries } from "../../server/history/create-history-queries.js";
import type { HistoryStore } from "../../server/store/history-store.js";
import { createInMemoryMonitor, type InMemoryMonitor } from "../support/in-memory-monitor.js";
import { createMemoryHistoryStore } from "../support/memory-history-store.js";

/**
 * The history RPCs over the real HistoryQueries (on the in-memory history
 * store): the handlers' tokens and the queries' cursors agree, so paging
 * walks every row once while rows keep arriving.
 */
let m: InMemoryMonitor;
let store: HistoryStore;
let serviceId: string;
beforeEach(async () => {
  store = createMemoryHistoryStore();
  let now = () => Date.now();
  m = await createInMemoryMonitor({
    history: createHistoryQueries({
      store,
      current: () => undefined,
      now: () => now(),
      retention: { minuteMs: 86_400_000, hourMs: 30 * 86_400_000, dayMs: 730 * 86_400_000 },
    }),
  });
  now = m.clock.now;
  const { service } = await m.management.registerService({ host: "db.internal", port: 5432 });
  serviceId = service!.id;
});
afterEach(() => m.close());

const check = (at: number, status: "up" | "down"): HistoryRecord => ({
  kind: "check",
  serviceId,
  at,
  status,
  latencyMs: 1,
  detail: status === "down" ? "connection refused" : "",
  inOutage: false,
  maxSpanMs: 2_000,
});

describe("history RPCs over createHistoryQueries", () => {
  it("ListCheckResults pages through every row once, newest first, while newer rows are appended", async () => {
    const t0 = m.clock.now() - 1_000_000;
    await store.append(
      Array.from({ length: 450 }, (_, i) => check(t0 + i * 1000, i % 10 === 0 ? "down" : "up")),
      [],
    );
    const seen: number[] = [];
    let pageToken = "";
    do {
      const res = await m.management.listCheckResults({ serviceId, pageSize: 100, pageToken });
      seen.push(...res.results.map((r) => Number(r.checkTime!.seconds)));
      pageToken = res.nextPageToken;
      await m.time.advance(1000);
      await store.append([check(m.clock.now() - 1, "up")], []); // newer than every cursor: never on a later page
    } while (pageToken !== "");
    expect(seen).toHaveLength(450);
    expect(new Set(seen).size).toBe(450);
    expect(seen[0]).toBe(Math.floor((t0 + 449_000) / 1000));

    const down = await m.management.listCheckResults({ serviceId, statusFilter: [ServiceStatusFilter.DOWN], pageSize: 1000 });
    expect(down.results).toHaveLength(45);
    expect(down.results.every((r) => r.status === ServiceStatus.DOWN)).toBe(true);
  });

  it("ListStatusChanges: newest first, the newest ongoing; GetServiceStats answers for the window", async () => {
    const t0 = m.clock.now() - 100_000;
    await store.append(
      [check(t0, "up"), check(t0 + 50_000, "down"), check(t0 + 60_000, "up")],
      [
        { serviceId, at: t0, previous: "unknown", status: "up", detail: "" },
        { serviceId, at: t0 + 50_000, previous: "up", status: "down", detail: "connection refused" },
        { serviceId, at: t0 + 60_000, previous: "down", status: "up", detail: "" },
      ],
    );
    const first = await m.management.listStatusChanges({ serviceId, pageSize: 2 });
    expect(first.changes.map((c) => [ServiceStatus[c.status], c.ongoing])).toEqual([
      ["UP", true],
      ["DOWN", false],
    ]);
    const rest = await m.management.listStatusChanges({ serviceId, pageSize: 2, pageToken: first.nextPageToken });
    expect(rest.changes.map((c) => ServiceStatus[c.status])).toEqual(["UP"]);
    expect(rest.nextPageToken).toBe("");

    const { stats } = await m.management.getServiceStats({ serviceId, startTime: timestampFromMs(t0) });
    expect(stats!.serviceId).toBe(serviceId);
    expect(stats!.checks).toBe(3n);
    expect(stats!.incidents).toBe(1);
  });
});
