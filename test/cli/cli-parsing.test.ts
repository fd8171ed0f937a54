import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { ServiceStatus } from "../../sdk/gen/monitor/v1/resources_pb.js";
import { WatchResponseSchema } from "../../sdk/gen/monitor/v1/watch_service_pb.js";
import { formatTable } from "../../sdk/cli/format-table.js";
import { createPaint, humanSpan, relativeTime } from "../../sdk/cli/format-values.js";
import { formatWatchEvent } from "../../sdk/cli/format-watch-event.js";
import { parseCommandLine } from "../../sdk/cli/parse-command-line.js";
import { parseCountFlag, parseDurationFlag, parseHostPort, parseTimeFlag } from "../../sdk/cli/parse-human-input.js";

describe("parseCommandLine", () => {
  const spec = { name: "value", json: "switch" } as const;

  it("takes --flag value, --flag=value, switches and positionals in any order", () => {
    const parsed = parseCommandLine(["a", "--name", "db", "b", "--json"], spec);
    expect(parsed.positionals).toEqual(["a", "b"]);
    expect(Object.fromEntries(parsed.flags)).toEqual({ name: "db", json: "true" });
    expect(parseCommandLine(["--name=x=y"], spec).flags.get("name")).toBe("x=y");
  });

  it("treats everything after -- as positionals", () => {
    expect(parseCommandLine(["--", "--json"], spec).positionals).toEqual(["--json"]);
  });

  it("names the flag in every error", () => {
    expect(() => parseCommandLine(["--nmae", "db"], spec)).toThrow("unknown flag --nmae");
    expect(() => parseCommandLine(["--name"], spec)).toThrow("--name needs a value");
    expect(() => parseCommandLine(["--name", "--json"], spec)).toThrow("--name needs a value");
    expect(() => parseCommandLine(["--json=yes"], spec)).toThrow("--json takes no value");
  });
});

describe("human input", () => {
  const now = Date.parse("2026-11-23T12:00:00Z");

  it("reads durations with units and rejects bare numbers, naming the flag", () => {
    expect(parseDurationFlag("grace", "10s")).toBe(10_000);
    expect(parseDurationFlag("interval", "1.5s")).toBe(1500);
    expect(parseDurationFlag("for", "2h")).toBe(7_200_000);
    expect(() => parseDurationFlag("grace", "10")).toThrow(/^--grace: expected a duration like "5s"/);
    expect(() => parseDurationFlag("grace", "-1s")).toThrow(/^--grace:/);
  });

  it("reads times as now, +DURATION, -DURATION or ISO 8601", () => {
    expect(parseTimeFlag("start", "now", now)).toBe(now);
    expect(parseTimeFlag("start", "+10m", now)).toBe(now + 600_000);
    expect(parseTimeFlag("start", "-2h", now)).toBe(now - 7_200_000);
    expect(() => parseTimeFlag("start", "-later", now)).toThrow(/^--start:/);
    expect(parseTimeFlag("end", "2026-11-23T14:00:00Z", now)).toBe(Date.parse("2026-11-23T14:00:00Z"));
    expect(parseTimeFlag("end", "2026-11-23T14:00:00+01:00", now)).toBe(Date.parse("2026-11-23T13:00:00Z"));
    expect(() => parseTimeFlag("end", "tomorrow", now)).toThrow(/^--end: expected "now", "\+DURATION"/);
    expect(() => parseTimeFlag("end", "2026-13-45T99:00:00Z", now)).toThrow(/^--end:/);
    expect(() => parseTimeFlag("start", "+soon", now)).toThrow(/^--start:/);
  });

  it("reads HOST:PORT, with brackets for IPv6", () => {
    expect(parseHostPort("db.internal:5432")).toEqual({ host: "db.internal", port: 5432 });
    expect(parseHostPort("[::1]:8080")).toEqual({ host: "::1", port: 8080 });
    expect(() => parseHostPort("::1:8080")).toThrow(/expected HOST:PORT/);
    expect(() => parseHostPort("db")).toThrow(/expected HOST:PORT/);
  });

  it("reads counts", () => {
    expect(parseCountFlag("after", "42")).toBe(42);
    expect(() => parseCountFlag("after", "-1")).toThrow(/^--after: expected a whole number/);
    expect(() => parseCountFlag("after", "1e3")).toThrow(/^--after:/);
  });
});

describe("output", () => {
  it("aligns table columns by visible width, ignoring colour codes", () => {
    const paint = createPaint(true);
    const table = formatTable(["ID", "STATUS", "NOTE"], [["a", paint.green("UP"), "x"], ["long-id", paint.red("DOWN"), ""]]);
    const plain = table.replace(/\x1b\[[0-9;]*m/g, "");
    expect(plain).toBe("ID       STATUS  NOTE\na        UP      x\nlong-id  DOWN\n");
  });

  it("writes spans and relative times for people", () => {
    expect(humanSpan(250)).toBe("250ms");
    expect(humanSpan(1500)).toBe("1.5s");
    expect(humanSpan(90 * 60_000)).toBe("1h 30m");
    expect(humanSpan(50 * 3_600_000)).toBe("2d 2h");
    expect(relativeTime(1000, 13_000)).toBe("12s ago");
    expect(relativeTime(70_000, 10_000)).toBe("in 1m");
    expect(relativeTime(undefined, 0)).toBe("-");
  });

  it("prints one line per watch event, and a line per subscription for a snapshot", () => {
    const paint = createPaint(false);
    const at = Date.parse("2026-11-23T11:00:03.104Z");
    const change = create(WatchResponseSchema, {
      sequence: 7n,
      eventTime: timestampFromMs(at),
      event: {
        case: "statusChange",
        value: { serviceId: "svc_1", host: "::1", port: 5432, previousStatus: ServiceStatus.UP, status: ServiceStatus.DOWN, sinceTime: timestampFromMs(at - 3000), detail: "connection refused" },
      },
    });
    expect(formatWatchEvent(change, paint)).toBe(
      "2026-11-23T11:00:03.104Z  #7  DOWN  svc_1 [::1]:5432  was UP, since 2026-11-23T11:00:00.104Z  connection refused\n",
    );
    const resync = create(WatchResponseSchema, {
      sequence: 9n,
      eventTime: timestampFromMs(at),
      event: { case: "snapshot", value: { resync: true, subscriptions: [{ serviceId: "svc_1", host: "h", port: 1, status: ServiceStatus.UP, sinceTime: timestampFromMs(at) }] } },
    });
    expect(formatWatchEvent(resync, paint)).toBe(
      "2026-11-23T11:00:03.104Z  #9  RESYNC snapshot: events were missed and are no longer kept; this is the current state: 1 subscription\n" +
        "    UP  svc_1 h:1  since 2026-11-23T11:00:03.104Z\n",
    );
    const ended = create(WatchResponseSchema, { sequence: 10n, eventTime: timestampFromMs(at), event: { case: "subscriptionEnded", value: { serviceId: "svc_1", reason: "unsubscribed" } } });
    expect(formatWatchEvent(ended, paint)).toBe("2026-11-23T11:00:03.104Z  #10  ENDED  svc_1  unsubscribed\n");
  });

  it("prints availability alerts and recoveries with the availability, the rule's window and its threshold", () => {
    const paint = createPaint(false);
    const at = Date.parse("2026-11-23T11:02:00Z");
    const rule = { serviceId: "svc_1", host: "127.0.0.1", port: 5432, threshold: 0.8, window: durationFromMs(120_000) };
    const alert = create(WatchResponseSchema, { sequence: 11n, eventTime: timestampFromMs(at), event: { case: "availabilityAlert", value: { ...rule, availability: 0.725 } } });
    expect(formatWatchEvent(alert, paint)).toBe(
      "2026-11-23T11:02:00.000Z  #11  AVAILABILITY ALERT  svc_1 127.0.0.1:5432  availability 72.5% over 2m, below 80%\n",
    );
    const recovered = create(WatchResponseSchema, {
      sequence: 12n,
      eventTime: timestampFromMs(at),
      event: { case: "availabilityRecovered", value: { ...rule, url: "https://example.test/health", availability: 0.808_333 } },
    });
    expect(formatWatchEvent(recovered, paint)).toBe(
      "2026-11-23T11:02:00.000Z  #12  AVAILABILITY RECOVERED  svc_1 https://example.test/health  availability 80.833% over 2m, back at or above 80%\n",
    );
    const snapshot = create(WatchResponseSchema, {
      sequence: 12n,
      eventTime: timestampFromMs(at),
      event: { case: "snapshot", value: { subscriptions: [{ serviceId: "svc_1", host: "h", port: 1, status: ServiceStatus.UP, sinceTime: timestampFromMs(at), availabilityAlert: true }] } },
    });
    expect(formatWatchEvent(snapshot, paint)).toBe(
      "2026-11-23T11:02:00.000Z  #12  snapshot: 1 subscription\n    UP  svc_1 h:1  since 2026-11-23T11:02:00.000Z  (availability alert)\n",
    );
  });
});
