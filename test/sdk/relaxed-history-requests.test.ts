import { timestampDate } from "@bufbuild/protobuf/wkt";
import { createRouterTransport } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
// The package root, as a user imports it.
import {
  Code,
  createMonitorClient,
  ManagementService,
  ServiceStatusFilter,
  toMillis,
  type GetServiceStatsRequest,
  type ListCheckResultsRequest,
  type ListStatusChangesRequest,
  type SubscribeRequest,
} from "@service-monitor/sdk";

/** The history RPCs and the availability alert rule through the SDK's relaxed requests: what reaches the server. */

function recordingClient() {
  const seen: { list?: ListCheckResultsRequest; stats?: GetServiceStatsRequest; changes?: ListStatusChangesRequest; subscribe?: SubscribeRequest } = {};
  const transport = createRouterTransport(({ service }) =>
    service(ManagementService, {
      listCheckResults: (r) => ((seen.list = r), {}),
      getServiceStats: (r) => ((seen.stats = r), { stats: { serviceId: r.serviceId, availability: 1 } }),
      listStatusChanges: (r) => ((seen.changes = r), {}),
      subscribe: (r) => ((seen.subscribe = r), {}),
    }),
  );
  return { client: createMonitorClient({ transport }), seen };
}

const ms = (t: Parameters<typeof timestampDate>[0] | undefined) => (t === undefined ? undefined : timestampDate(t).getTime());

describe("the history RPCs take relaxed requests", () => {
  it("ListCheckResults: times as a Date or epoch ms, status filters by name in any case", async () => {
    const { client, seen } = recordingClient();
    await client.management.listCheckResults({
      serviceId: "svc_db",
      startTime: new Date("2026-12-01T00:00:00Z"),
      endTime: Date.parse("2026-12-02T00:00:00Z"),
      statusFilter: ["down", "PAUSED"],
      pageSize: 10,
    });
    expect([ms(seen.list!.startTime), ms(seen.list!.endTime), seen.list!.statusFilter, seen.list!.pageSize]).toEqual([
      Date.parse("2026-12-01T00:00:00Z"),
      Date.parse("2026-12-02T00:00:00Z"),
      [ServiceStatusFilter.DOWN, ServiceStatusFilter.PAUSED],
      10,
    ]);
  });

  it("GetServiceStats: a window in milliseconds; ListStatusChanges: a start as a Date", async () => {
    const { client, seen } = recordingClient();
    const { stats } = await client.management.getServiceStats({ serviceId: "svc_db", window: 3_600_000 });
    expect([toMillis(seen.stats!.window), stats?.availability]).toEqual([3_600_000, 1]);
    await client.management.listStatusChanges({ serviceId: "svc_db", startTime: new Date(0), pageSize: 5 });
    expect([ms(seen.changes!.startTime), seen.changes!.pageSize]).toEqual([0, 5]);
  });

  it("Subscribe: an availability alert rule with its window in milliseconds", async () => {
    const { client, seen } = recordingClient();
    await client.management.subscribe({ callerId: "ops", serviceId: "svc_db", availabilityAlertRule: { window: 120_000, threshold: 0.8 } });
    expect([toMillis(seen.subscribe!.availabilityAlertRule!.window), seen.subscribe!.availabilityAlertRule!.threshold]).toEqual([120_000, 0.8]);
  });

  it("refuses, before sending, an unknown status name or a duration as text, naming the field", async () => {
    const { client, seen } = recordingClient();
    await expect(client.management.listCheckResults({ serviceId: "svc_db", statusFilter: ["sideways"] })).rejects.toMatchObject({
      code: Code.InvalidArgument,
      rawMessage: 'status_filter[0]: expected one of up, down, paused, unknown (or a ServiceStatusFilter number), got "sideways"',
    });
    // Durations are milliseconds throughout the SDK; "2m" is monitorctl's form, parsed there.
    await expect(client.management.subscribe({ callerId: "ops", serviceId: "svc_db", availabilityAlertRule: { window: "2m" as never } })).rejects.toMatchObject({
      code: Code.InvalidArgument,
      rawMessage: 'availability_alert_rule.window: expected milliseconds (a number) or a google.protobuf.Duration, got "2m"',
    });
    expect(seen).toEqual({});
  });
});
