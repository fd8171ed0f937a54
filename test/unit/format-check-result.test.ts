import { clone, create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { formatCheckResults } from "../../sdk/cli/format-check-result.js";
import { createPaint } from "../../sdk/cli/format-values.js";
import { CheckResultSchema, HttpCheckResultSchema, ServiceStatus, type CheckResult } from "../../sdk/gen/monitor/v1/resources_pb.js";

const paint = createPaint(false);
const t = (iso: string) => timestampFromMs(Date.parse(iso));

const up = create(CheckResultSchema, { checkTime: t("2026-12-02T04:10:05.001Z"), status: ServiceStatus.UP, latency: durationFromMs(0.412) });
const down = create(CheckResultSchema, {
  checkTime: t("2026-12-02T04:10:04.001Z"),
  status: ServiceStatus.DOWN,
  latency: durationFromMs(12.4),
  detail: "connection refused",
});
const inOutage = create(CheckResultSchema, {
  checkTime: t("2026-12-02T04:09:30.000Z"),
  status: ServiceStatus.DOWN,
  latency: durationFromMs(2000),
  detail: "timed out after 2s",
  inPlannedOutage: true,
});
const paused = create(CheckResultSchema, { checkTime: t("2026-12-02T04:09:00.000Z"), paused: true, detail: "paused" });

describe("formatCheckResults", () => {
  it("prints one row per result in the order given: time, status, latency, detail; a pause marker as PAUSED", () => {
    expect(formatCheckResults([up, down, inOutage, paused], paint)).toBe(
      [
        "TIME                      STATUS         LATENCY  DETAIL",
        "2026-12-02T04:10:05.001Z  UP             0.41ms",
        "2026-12-02T04:10:04.001Z  DOWN           12ms     connection refused",
        "2026-12-02T04:09:30.000Z  DOWN (outage)  2000ms   timed out after 2s",
        "2026-12-02T04:09:00.000Z  PAUSED         -        paused",
        "",
      ].join("\n"),
    );
  });

  it("adds the HTTP column when a row is an HTTP check; a check with no response shows none", () => {
    const withHttp = (result: CheckResult, statusCode: number, detail = result.detail) => {
      const copy = clone(CheckResultSchema, result);
      copy.http = create(HttpCheckResultSchema, { statusCode });
      copy.detail = detail;
      return copy;
    };
    const ok = withHttp(up, 200);
    const refused = withHttp(down, 0);
    const bad = withHttp(down, 503, "status 503 not in 200-399");
    expect(formatCheckResults([ok, bad, refused, paused], paint)).toBe(
      [
        "TIME                      STATUS  LATENCY  HTTP  DETAIL",
        "2026-12-02T04:10:05.001Z  UP      0.41ms   200",
        "2026-12-02T04:10:04.001Z  DOWN    12ms     503   status 503 not in 200-399",
        "2026-12-02T04:10:04.001Z  DOWN    12ms     none  connection refused",
        "2026-12-02T04:09:00.000Z  PAUSED  -        -     paused",
        "",
      ].join("\n"),
    );
  });

  it("prints only the header for no results", () => {
    expect(formatCheckResults([], paint)).toBe("TIME  STATUS  LATENCY  DETAIL\n");
  });

  it("colours the status on a terminal", () => {
    expect(formatCheckResults([down], createPaint(true))).toContain("\x1b[31mDOWN\x1b[0m");
  });
});
