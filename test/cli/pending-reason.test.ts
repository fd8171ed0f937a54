import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ConnectError, Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { PlannedOutageSchema, ServiceStateSchema, ServiceStatus } from "../../sdk/gen/monitor/v1/resources_pb.js";
import { WatchResponseSchema } from "../../sdk/gen/monitor/v1/watch_service_pb.js";
import { createPaint, humanSpan } from "../../sdk/cli/format-values.js";
import { formatWatchEvent } from "../../sdk/cli/format-watch-event.js";
import { pendingReason } from "../../sdk/cli/pending-reason.js";
import { isConnectFailure } from "../../sdk/cli/watch-command.js";
import { formatDuration } from "../../sdk/parse-duration.js";

/** Why a subscription has announced nothing yet, from the service's state, the grace and the outages. */

const now = Date.parse("2026-11-23T11:00:00.000Z");
const t = (offsetMs: number) => timestampFromMs(now + offsetMs);
const state = (init: Parameters<typeof create<typeof ServiceStateSchema>>[1]) => create(ServiceStateSchema, init);

describe("pendingReason", () => {
  it("not checked yet, with the first check's time when planned", () => {
    expect(pendingReason({ state: undefined, gracePeriodMs: 0, outages: [], now })).toBe("not checked yet");
    expect(pendingReason({ state: state({ nextCheckTime: t(2000) }), gracePeriodMs: 0, outages: [], now })).toBe(
      "not checked yet (first check at 2026-11-23T11:00:02.000Z)",
    );
  });

  it("inside a planned outage, until the end of the one that holds now", () => {
    const outages = [
      create(PlannedOutageSchema, { id: "out_later", startTime: t(3_600_000), endTime: t(7_200_000) }),
      create(PlannedOutageSchema, { id: "out_now", startTime: t(-60_000), endTime: t(600_000) }),
    ];
    const inOutage = state({ inPlannedOutage: true, status: ServiceStatus.DOWN, sinceTime: t(-5000), lastCheckTime: t(-1000) });
    expect(pendingReason({ state: inOutage, gracePeriodMs: 0, outages, now })).toBe(
      "inside a planned outage until 2026-11-23T11:10:00.000Z",
    );
    expect(pendingReason({ state: inOutage, gracePeriodMs: 0, outages: [], now })).toBe("inside a planned outage");
  });

  it("down inside its grace: when DOWN will be announced", () => {
    const down = state({ status: ServiceStatus.DOWN, sinceTime: t(-5000), lastCheckTime: t(-1000), detail: "connection refused" });
    expect(pendingReason({ state: down, gracePeriodMs: 60_000, outages: [], now })).toBe(
      "down since 2026-11-23T10:59:55.000Z, DOWN at 2026-11-23T11:00:55.000Z",
    );
    expect(pendingReason({ state: down, gracePeriodMs: undefined, outages: [], now })).toBe(
      "down since 2026-11-23T10:59:55.000Z, inside its grace period",
    );
  });

  it("checked and up: on its way", () => {
    const up = state({ status: ServiceStatus.UP, sinceTime: t(-1000), lastCheckTime: t(-1000) });
    expect(pendingReason({ state: up, gracePeriodMs: 0, outages: [], now })).toBe("up since 2026-11-23T10:59:59.000Z, not announced yet");
  });
});

describe("snapshot lines", () => {
  const snapshot = create(WatchResponseSchema, {
    sequence: 0n,
    eventTime: t(0),
    event: {
      case: "snapshot",
      value: {
        subscriptions: [
          { serviceId: "svc_1", host: "h", port: 1, status: ServiceStatus.UNSPECIFIED },
          { serviceId: "svc_2", host: "h", port: 2, status: ServiceStatus.UNSPECIFIED },
          { serviceId: "svc_3", host: "h", port: 3, status: ServiceStatus.UP, sinceTime: t(0) },
        ],
      },
    },
  });

  it("shows PENDING and why instead of UNKNOWN since -", () => {
    const text = formatWatchEvent(snapshot, createPaint(false), new Map([["svc_1", "not checked yet"]]));
    expect(text).toBe(
      "2026-11-23T11:00:00.000Z  #0  snapshot: 3 subscriptions\n" +
        "    PENDING  svc_1 h:1  not checked yet\n" +
        "    PENDING  svc_2 h:2  nothing announced yet\n" +
        "    UP  svc_3 h:3  since 2026-11-23T11:00:00.000Z\n",
    );
    expect(text).not.toContain("UNKNOWN");
  });
});

describe("small things", () => {
  it("writes zero as 0s, not 0ms", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(humanSpan(0)).toBe("0s");
  });

  it("counts only failures to open a connection towards --give-up-after", () => {
    const refused = new ConnectError("connect ECONNREFUSED 127.0.0.1:1", Code.Unavailable, undefined, undefined, Object.assign(new Error("x"), { code: "ECONNREFUSED" }));
    const dropped = new ConnectError("stream closed", Code.Unavailable, undefined, undefined, Object.assign(new Error("x"), { code: "ECONNRESET" }));
    expect(isConnectFailure(refused)).toBe(true);
    expect(isConnectFailure(dropped)).toBe(false);
    expect(isConnectFailure(new ConnectError("server shutting down", Code.Unavailable))).toBe(false);
    expect(isConnectFailure(undefined)).toBe(false);
  });
});
