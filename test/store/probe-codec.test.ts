import { describe, expect, it } from "vitest";
import type { HttpProbeConfig } from "../../server/domain/types.js";
import { decodeObservation, decodeService } from "../../server/store/postgres-store-rows.js";
import { encodeProbe } from "../../server/store/probe-codec.js";
import { RowError, type ObservationRow, type ServiceRow } from "../../server/store/store-rows.js";

/**
 * The probe column's HTTP variant and the observation's http column, as
 * both backends decode them (here through PostgreSQL's decoders, which take
 * the parsed JSON; SQLite parses the text first and shares the same check).
 */

const probe: HttpProbeConfig = {
  kind: "http",
  url: "https://127.0.0.1:8443/health",
  method: "POST",
  headers: { "X-A": "1", Accept: "*/*" },
  body: Uint8Array.from([0, 1, 254, 255]),
  acceptedStatuses: [
    { min: 200, max: 299 },
    { min: 418, max: 418 },
  ],
  bodyRegex: "ok",
  bodyKeyword: "",
  invertBodyMatch: false,
  maxRedirects: 3,
  skipTlsVerify: false,
};

const stored = JSON.parse(encodeProbe(probe)!) as Record<string, unknown>;
const row = (p: unknown): ServiceRow<unknown> => ["s1", "127.0.0.1", 8443, "", 1000, 500, 0, p, null, null];

describe("probe column: HTTP", () => {
  it("is stored with every field, the body in base64 and the headers as pairs in order", () => {
    expect(stored).toEqual({
      kind: "http",
      url: "https://127.0.0.1:8443/health",
      method: "POST",
      headers: [
        ["X-A", "1"],
        ["Accept", "*/*"],
      ],
      body: "AAH+/w==",
      acceptedStatuses: [
        { min: 200, max: 299 },
        { min: 418, max: 418 },
      ],
      bodyRegex: "ok",
      bodyKeyword: "",
      invertBodyMatch: false,
      maxRedirects: 3,
      skipTlsVerify: false,
    });
    expect(decodeService(row({ ...stored, extra: "dropped" })).probe).toEqual(probe);
  });

  it.each([
    ["url", 7, /probe url 7 is not a string/],
    ["url", undefined, /probe url \(missing\) is not a string/],
    ["method", "PUT", /probe method "PUT" is not GET, HEAD or POST/],
    ["headers", { "X-A": "1" }, /probe headers \{"X-A":"1"\} is not an array of \[name, value\] pairs/],
    ["headers", [["X-A", 1]], /probe headers\[0\] \["X-A",1\] is not a \[name, value\] pair of strings/],
    ["headers", [["X-A"]], /probe headers\[0\] \["X-A"\] is not a \[name, value\] pair/],
    ["headers", [["X-A", "1"], ["X-A", "2"]], /probe headers\[1\] names "X-A" a second time/],
    ["body", "not base64!", /probe body "not base64!" is not base64/],
    ["body", "AAH", /probe body "AAH" is not base64/],
    ["body", [0, 1], /probe body \[0,1\] is not a string/],
    ["acceptedStatuses", [], /probe acceptedStatuses \[\] is not a non-empty array/],
    ["acceptedStatuses", [{ min: 300, max: 200 }], /probe acceptedStatuses\[0\] \{"min":300,"max":200\} is not \{min, max\}/],
    ["acceptedStatuses", [{ min: 200 }], /probe acceptedStatuses\[0\] \{"min":200\} is not \{min, max\}/],
    ["acceptedStatuses", [{ min: 200.5, max: 300 }], /probe acceptedStatuses\[0\]/],
    ["bodyRegex", null, /probe bodyRegex null is not a string/],
    ["bodyKeyword", undefined, /probe bodyKeyword \(missing\) is not a string/],
    ["invertBodyMatch", "false", /probe invertBodyMatch "false" is not true or false/],
    ["maxRedirects", -1, /probe maxRedirects -1 is not a non-negative integer/],
    ["maxRedirects", 1.5, /probe maxRedirects 1.5 is not a non-negative integer/],
    ["skipTlsVerify", 0, /probe skipTlsVerify 0 is not true or false/],
  ])("a row whose %s is %j fails naming the table, key and rule", (field, value, message) => {
    const bad = { ...stored, [field]: value };
    if (value === undefined) delete bad[field];
    expect(() => decodeService(row(bad))).toThrow(RowError);
    expect(() => decodeService(row(bad))).toThrow(/^table services, id "s1": /);
    expect(() => decodeService(row(bad))).toThrow(message);
  });

  it("a header named __proto__ stays a header", () => {
    const decoded = decodeService(row({ ...stored, headers: [["__proto__", "x"]] })).probe as HttpProbeConfig;
    expect(Object.entries(decoded.headers)).toEqual([["__proto__", "x"]]);
    expect(Object.getPrototypeOf(decoded.headers)).toBe(Object.prototype);
  });
});

describe("observation http column", () => {
  const details = {
    statusCode: null,
    phases: { dnsMs: 0, connectMs: 1, tlsMs: 0, firstByteMs: 0, totalMs: 1 },
    tlsExpiresAt: null,
    captures: [null, "a"],
    namedCaptures: { x: null },
  };
  const obs = (http: unknown): ObservationRow<unknown> => ["s1", "down", 0, null, 0, "refused", http, null];

  it("reads null status code and expiry as undefined", () => {
    expect(decodeObservation(obs(details)).observation.http).toEqual({
      statusCode: undefined,
      phases: details.phases,
      tlsExpiresAt: undefined,
      captures: [null, "a"],
      namedCaptures: { x: null },
    });
  });

  it.each([
    [{ ...details, statusCode: "200" }, /http.statusCode: expected a non-negative integer or null, got "200"/],
    [{ ...details, phases: { ...details.phases, tlsMs: -1 } }, /http.phases.tlsMs: expected a non-negative number, got -1/],
    [{ ...details, phases: { dnsMs: 0 } }, /http.phases.connectMs: expected a non-negative number, got nothing/],
    [{ ...details, tlsExpiresAt: "soon" }, /http.tlsExpiresAt: expected a finite number or null/],
    [{ ...details, captures: [1] }, /http.captures\[0\]: expected a string or null, got 1/],
    [{ ...details, namedCaptures: { x: 2 } }, /http.namedCaptures\["x"\]: expected a string or null, got 2/],
    [[], /http: expected an object/],
  ])("refuses %j naming the table and key", (http, message) => {
    expect(() => decodeObservation(obs(http))).toThrow(/^table observations, service_id "s1": /);
    expect(() => decodeObservation(obs(http))).toThrow(message);
  });
});
