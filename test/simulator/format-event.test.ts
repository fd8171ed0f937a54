import { describe, expect, it } from "vitest";
import { formatEventJson, formatEventText } from "../../simulator/format-event.js";

const AT = Date.UTC(2025, 0, 2, 3, 4, 5, 678);

describe("formatEventText", () => {
  it("formats each kind of event on one line", () => {
    expect(formatEventText({ type: "open", atMs: AT, listener: "db", host: "127.0.0.1", port: 5432, state: "up" })).toBe(
      "2025-01-02T03:04:05.678Z       open  db listening on 127.0.0.1:5432, initially up",
    );
    expect(formatEventText({ type: "open", atMs: AT, listener: "v6", host: "::1", port: 80, state: "down" })).toBe(
      "2025-01-02T03:04:05.678Z       open  v6 listening on [::1]:80, initially down",
    );
    expect(
      formatEventText({ type: "transition", atMs: AT, offsetMs: 5_003, scheduledMs: 5_000, listener: "db", port: 5432, state: "down" }),
    ).toBe("2025-01-02T03:04:05.678Z    +5.003s  db down");
    expect(
      formatEventText({
        type: "response",
        atMs: AT,
        offsetMs: 4_000,
        scheduledMs: 4_000,
        listener: "web",
        response: { status: 503, body: "maintenance", headers: { "retry-after": "5" }, delayMs: 1_500 },
        changed: { status: 503, body: "maintenance", headers: { "retry-after": "5" }, delayMs: 1_500 },
      }),
    ).toBe('2025-01-02T03:04:05.678Z    +4.000s  web responds 503, body "maintenance", headers {"retry-after":"5"}, delay 1.5s');
    expect(
      formatEventText({
        type: "response",
        atMs: AT,
        offsetMs: 6_000,
        scheduledMs: 6_000,
        listener: "web",
        response: { status: 200, body: "x".repeat(100), headers: {}, delayMs: 3_000 },
        changed: { body: "x".repeat(100), delayMs: 3_000 },
      }),
    ).toBe(`2025-01-02T03:04:05.678Z    +6.000s  web body "${"x".repeat(38)}…, delay 3s`);
    expect(
      formatEventText({
        type: "certificate",
        atMs: AT,
        offsetMs: 8_000,
        scheduledMs: 8_000,
        listener: "site",
        expiresInMs: -86_400_000,
        notAfterMs: Date.UTC(2025, 0, 1, 3, 4, 5),
      }),
    ).toBe("2025-01-02T03:04:05.678Z    +8.000s  site tls renewed, expires in -1 days (2025-01-01T03:04:05.000Z)");
    expect(formatEventText({ type: "error", atMs: AT, offsetMs: 12_000, listener: "db", message: "port in use" })).toBe(
      "2025-01-02T03:04:05.678Z   +12.000s  db error: port in use",
    );
    expect(formatEventText({ type: "end", atMs: AT, offsetMs: 60_001, reason: "stopped" })).toBe(
      "2025-01-02T03:04:05.678Z   +60.001s  scenario ended (stopped)",
    );
  });
});

describe("formatEventJson", () => {
  it("adds an ISO time to the event", () => {
    expect(JSON.parse(formatEventJson({ type: "end", atMs: AT, offsetMs: 1, reason: "duration" }))).toEqual({
      type: "end",
      atMs: AT,
      offsetMs: 1,
      reason: "duration",
      time: "2025-01-02T03:04:05.678Z",
    });
  });
});
