import { describe, expect, it } from "vitest";
import {
  LIMITS,
  checkCallerId,
  checkCallerRef,
  checkDisplayName,
  checkHost,
  checkMs,
  checkOutageId,
  checkOutageWindow,
  checkPort,
  checkReason,
  checkServiceId,
  checkTimeMs,
  formatMs,
} from "../../server/domain/field-rules.js";
import { MonitorError } from "../../server/domain/monitor-error.js";

/** The message of the invalid_argument MonitorError `fn` throws. */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(MonitorError);
    expect((error as MonitorError).kind).toBe("invalid_argument");
    return (error as MonitorError).message;
  }
  throw new Error("expected a refusal");
}

describe("field rules", () => {
  it("hosts: hostnames lower-cased, IP literals unbracketed, the field named in every refusal", () => {
    expect(checkHost("DB.Example.")).toBe("db.example.");
    expect(checkHost("[::1]")).toBe("::1");
    expect(checkHost("127.0.0.1")).toBe("127.0.0.1");
    expect(refusal(() => checkHost(""))).toBe("host: must not be empty");
    expect(refusal(() => checkHost("", "services[0].host"))).toBe("services[0].host: must not be empty");
    expect(refusal(() => checkHost("a".repeat(254)))).toBe("host: must be at most 253 characters, got 254");
    expect(refusal(() => checkHost("bad_host!"))).toBe('host: "bad_host!" is neither a valid hostname nor an IP address');
  });

  it("ports: integers 1..65535", () => {
    expect(checkPort(1)).toBe(1);
    expect(checkPort(65535)).toBe(65535);
    expect(refusal(() => checkPort(0))).toBe("port: must be between 1 and 65535, got 0");
    expect(refusal(() => checkPort(999999, "p"))).toBe("p: must be between 1 and 65535, got 999999");
    expect(refusal(() => checkPort(80.5))).toBe("port: must be between 1 and 65535, got 80.5");
  });

  it("ids: required, bounded, and a new caller id limited to safe characters", () => {
    expect(refusal(() => checkServiceId(""))).toBe("service_id: must not be empty");
    expect(refusal(() => checkServiceId("s".repeat(129)))).toBe("service_id: must be at most 128 characters, got 129");
    expect(refusal(() => checkOutageId("", "id"))).toBe("id: must not be empty");
    expect(checkOutageId("o".repeat(LIMITS.outageIdLength))).toHaveLength(256);
    expect(checkCallerRef("any thing")).toBe("any thing");
    expect(checkCallerId("bot.1:a@b_c-d")).toBe("bot.1:a@b_c-d");
    expect(refusal(() => checkCallerId("has space"))).toBe("caller_id: may contain only letters, digits and . _ : @ -");
    expect(refusal(() => checkCallerId(""))).toBe("caller_id: must not be empty");
  });

  it("display names and reasons: may be empty, bounded", () => {
    expect(checkDisplayName("")).toBe("");
    expect(refusal(() => checkDisplayName("x".repeat(257)))).toBe("display_name: must be at most 256 characters, got 257");
    expect(checkReason("r".repeat(1024))).toHaveLength(1024);
    expect(refusal(() => checkReason("r".repeat(1025), "reason"))).toBe("reason: must be at most 1024 characters, got 1025");
  });

  it("spans: whole milliseconds within the range, shown in the unit that reads best", () => {
    expect(checkMs(1000, "check_interval", LIMITS.interval)).toBe(1000);
    expect(checkMs(0, "grace", LIMITS.grace)).toBe(0);
    expect(refusal(() => checkMs(0, "check_interval", LIMITS.interval))).toBe(
      "check_interval: must be between 1s and 24h, got 0ms",
    );
    expect(refusal(() => checkMs(99, "checkTimeoutMs", LIMITS.timeout))).toBe(
      "checkTimeoutMs: must be between 100ms and 60s, got 99ms",
    );
    expect(refusal(() => checkMs(1500.5, "x", LIMITS.interval))).toMatch(/^x: must be between 1s and 24h/);
    expect(refusal(() => checkMs(Number.NaN, "x", LIMITS.grace))).toMatch(/^x: must be between 0ms and 24h/);
    expect(formatMs(3_600_000)).toBe("1h");
    expect(formatMs(-1000)).toBe("-1s");
    expect(formatMs(1500)).toBe("1500ms");
  });

  it("times and outage windows", () => {
    expect(checkTimeMs(0, "t")).toBe(0);
    expect(checkTimeMs(1796166349705.25, "t")).toBe(1796166349705.25);
    expect(checkTimeMs(-8.64e15, "t")).toBe(-8.64e15);
    expect(refusal(() => checkTimeMs(Number.NaN, "createdAt"))).toBe("createdAt: is not a valid time, got NaN");
    expect(refusal(() => checkTimeMs(Number.POSITIVE_INFINITY, "t"))).toBe("t: is not a valid time, got Infinity");
    expect(refusal(() => checkTimeMs(9e15, "t"))).toBe("t: is not a valid time, got 9000000000000000");
    expect(() => checkOutageWindow(1, 2)).not.toThrow();
    expect(refusal(() => checkOutageWindow(2, 2))).toBe("end_time: must be after start_time");
    expect(refusal(() => checkOutageWindow(3, 2, "end", "start"))).toBe("end: must be after start");
  });
});

describe("text the store keeps", () => {
  it("refuses NUL (PostgreSQL cannot store it, SQLite can), naming the field", () => {
    expect(refusal(() => checkDisplayName("a\u0000b"))).toBe("display_name: must not contain NUL (U+0000)");
    expect(refusal(() => checkReason("x\u0000"))).toBe("reason: must not contain NUL (U+0000)");
    expect(checkDisplayName("tab\tand é")).toBe("tab\tand é");
  });
});
