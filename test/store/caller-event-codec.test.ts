import { describe, expect, it } from "vitest";
import type { CallerEvent } from "../../server/domain/types.js";
import {
  InvalidCallerEventError,
  callerEventToJson,
  decodeCallerEvent,
  toCallerEvent,
} from "../../server/store/caller-event-codec.js";

/** The payload of an event: the issue-10 kinds and fields, and payloads of the release before them. */

const tcpChange: CallerEvent = {
  kind: "status_change",
  serviceId: "s1",
  host: "127.0.0.1",
  port: 5432,
  previous: "up",
  status: "down",
  sinceMs: 5,
  detail: "connection refused",
};

const httpChange: CallerEvent = {
  kind: "status_change",
  serviceId: "s2",
  host: "example.test",
  port: 443,
  url: "https://example.test/health",
  previous: "unknown",
  status: "down",
  sinceMs: 6.5,
  detail: "timed out after 2000 ms while waiting for the response",
  http: {
    statusCode: undefined,
    phases: { dnsMs: 0, connectMs: 1, tlsMs: 2, firstByteMs: 0, totalMs: 2000 },
    tlsExpiresAt: 1_800_000_000_000,
    captures: [],
    namedCaptures: {},
  },
};

/** Through the stored form and back, as both stores do. */
const roundTrip = (event: CallerEvent): CallerEvent => decodeCallerEvent(JSON.stringify(callerEventToJson(toCallerEvent(event))));

describe("caller-event-codec: issue 10", () => {
  it("decodes a payload of the previous release unchanged, and encodes a TCP change to the same text as before", () => {
    const before = '{"kind":"status_change","serviceId":"s1","host":"127.0.0.1","port":5432,"previous":"up","status":"down","sinceMs":5,"detail":"connection refused"}';
    expect(decodeCallerEvent(before)).toEqual(tcpChange);
    expect(Object.keys(decodeCallerEvent(before))).not.toContain("url");
    expect(Object.keys(decodeCallerEvent(before))).not.toContain("http");
    expect(JSON.stringify(callerEventToJson(toCallerEvent(tcpChange)))).toBe(before);
  });

  it("round-trips pause, resume and an HTTP change with url and details; an undefined status code is stored as null", () => {
    for (const event of [httpChange, { kind: "service_paused", serviceId: "s2" }, { kind: "service_resumed", serviceId: "s2" }] as CallerEvent[]) {
      expect(roundTrip(event)).toEqual(event);
    }
    const json = callerEventToJson(toCallerEvent(httpChange)) as { http: { statusCode: unknown } };
    expect(json.http.statusCode).toBeNull();
  });

  it("keeps only the known fields of the new kinds", () => {
    expect(toCallerEvent({ kind: "service_paused", serviceId: "s1", by: "ops" })).toEqual({ kind: "service_paused", serviceId: "s1" });
    expect(Object.keys(toCallerEvent({ ...httpChange, extra: 1 }))).not.toContain("extra");
  });

  it.each([
    [{ kind: "service_paused" }, "serviceId: expected a string"],
    [{ kind: "service_resumed", serviceId: 3 }, "serviceId: expected a string"],
    [{ ...tcpChange, url: 5 }, "url: expected a string"],
    [{ ...tcpChange, url: null }, "url: expected a string"],
    [{ ...httpChange, http: "fast" }, "http: expected an object"],
    [{ ...httpChange, http: { ...httpChange.http, phases: {} } }, "http.phases.dnsMs: expected a non-negative number, got nothing"],
    [{ ...httpChange, http: { ...httpChange.http, statusCode: -1 } }, "http.statusCode: expected a non-negative integer or null, got -1"],
    [{ ...httpChange, http: { ...httpChange.http, captures: {} } }, "http.captures: expected an array"],
  ])("refuses %j", (value, message) => {
    expect(() => toCallerEvent(value)).toThrow(InvalidCallerEventError);
    expect(() => toCallerEvent(value)).toThrow(message);
  });
});

const alert: CallerEvent = {
  kind: "availability_alert",
  serviceId: "s1",
  host: "127.0.0.1",
  port: 5432,
  availability: 2 / 3,
  threshold: 0.8,
  windowMs: 120_000,
};

describe("caller-event-codec: issue 11", () => {
  it("round-trips alerts and recoveries, with and without a url, their figures exact", () => {
    const events: CallerEvent[] = [
      alert,
      { ...alert, kind: "availability_recovered", availability: 1, threshold: 1, url: "https://example.test/", windowMs: 10_000.5 },
      { ...alert, availability: 0, threshold: 0.1 + 0.2 },
    ];
    for (const event of events) expect(roundTrip(event)).toEqual(event);
    expect(Object.keys(roundTrip(alert))).not.toContain("url");
    expect(Object.keys(toCallerEvent({ ...alert, extra: 1 }))).not.toContain("extra");
  });

  it.each([
    [{ ...alert, availability: 1.01 }, "availability: expected a number from 0 to 1"],
    [{ ...alert, availability: -0.1 }, "availability: expected a number from 0 to 1"],
    [{ ...alert, availability: "0.5" }, "availability: expected a finite number"],
    [{ ...alert, threshold: 0 }, "threshold: expected a number above 0 and at most 1"],
    [{ ...alert, threshold: 1.5 }, "threshold: expected a number above 0 and at most 1"],
    [{ ...alert, windowMs: 0 }, "windowMs: expected a positive number"],
    [{ ...alert, port: 1.5 }, "port: expected an integer"],
    [{ ...alert, url: 7 }, "url: expected a string"],
    [{ kind: "availability_recovered", serviceId: "s1" }, "port: expected a finite number"],
  ])("refuses %j", (value, message) => {
    expect(() => toCallerEvent(value)).toThrow(InvalidCallerEventError);
    expect(() => toCallerEvent(value)).toThrow(message);
  });
});
