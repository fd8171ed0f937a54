import { describe, expect, it } from "vitest";
import { formatConfigIssues } from "../../server/config/format-config-issues.js";
import { parseConfigFile, type ParsedConfigFile } from "../../server/config/parse-config-file.js";
import type { HttpProbeConfig } from "../../server/domain/types.js";
import type { RegistryData } from "../../server/store/registry.js";
import { apiCaller, apiService } from "../support/fake-registry.js";

const EMPTY: RegistryData = { services: [], callers: [], subscriptions: [], outages: [] };

const issues = (parsed: ParsedConfigFile) => (parsed.ok ? [] : parsed.issues.map((i) => `${i.path}: ${i.rule}`));
const desired = (parsed: ParsedConfigFile) => {
  if (!parsed.ok) throw new Error(`refused: ${formatConfigIssues("test.json", parsed.issues)}`);
  return parsed.desired;
};

const db = { id: "payments-db", host: "10.0.0.5", port: 5432 };

describe("parseConfigFile", () => {
  it("reads every field into domain values marked managed, with the API's defaults filled in", () => {
    const parsed = parseConfigFile(
      {
        version: 1,
        services: [
          { ...db, displayName: "Payments DB", checkInterval: "1m", checkTimeout: "500ms", probe: { tcp: { close: "reset" } } },
          { id: "web", host: "WEB.Example.com", port: 443 },
          { id: "v6", host: "[::1]", port: 80, probe: { tcp: {} } },
        ],
        callers: [{ id: "pager", displayName: "Pager" }, { id: "report" }],
        subscriptions: [
          { caller: "pager", service: "payments-db", pollingInterval: "5s", gracePeriod: "30s" },
          { caller: "report", service: "payments-db" },
        ],
        outages: [{ id: "db-upgrade", service: "payments-db", start: "2030-01-01T22:00:00Z", end: "2030-01-01T23:30:00+01:00", reason: "upgrade" }],
      },
      EMPTY,
    );
    expect(desired(parsed)).toEqual({
      services: [
        {
          id: "payments-db",
          host: "10.0.0.5",
          port: 5432,
          displayName: "Payments DB",
          checkIntervalMs: 60_000,
          checkTimeoutMs: 500,
          probe: { kind: "tcp", closeMode: "reset" },
          managedBy: "config",
        },
        // Host names are stored lower-case, as RegisterService stores them; no probe: the server's --tcp-close.
        { id: "web", host: "web.example.com", port: 443, displayName: "", checkIntervalMs: 30_000, checkTimeoutMs: 2_000, managedBy: "config" },
        { id: "v6", host: "::1", port: 80, displayName: "", checkIntervalMs: 30_000, checkTimeoutMs: 2_000, managedBy: "config" },
      ],
      callers: [
        { id: "pager", displayName: "Pager", managedBy: "config" },
        { id: "report", displayName: "", managedBy: "config" },
      ],
      subscriptions: [
        { callerId: "pager", serviceId: "payments-db", pollingIntervalMs: 5_000, gracePeriodMs: 30_000, managedBy: "config" },
        // By default the service's own interval and no grace, as Subscribe.
        { callerId: "report", serviceId: "payments-db", pollingIntervalMs: 60_000, gracePeriodMs: 0, managedBy: "config" },
      ],
      outages: [
        {
          id: "db-upgrade",
          serviceId: "payments-db",
          startMs: Date.parse("2030-01-01T22:00:00Z"),
          endMs: Date.parse("2030-01-01T22:30:00Z"),
          reason: "upgrade",
          managedBy: "config",
        },
      ],
    });
  });

  it("takes a file with only a version as an empty declaration", () => {
    expect(desired(parseConfigFile({ version: 1 }, EMPTY))).toEqual({ services: [], callers: [], subscriptions: [], outages: [] });
  });

  it("refuses a value outside the API's limits with the JSON path and the field rule", () => {
    const parsed = parseConfigFile(
      {
        version: 1,
        services: [
          db,
          { id: "b", host: "10.0.0.6", port: 1 },
          { id: "c", host: "10.0.0.7", port: 0 },
          { id: "d", host: "bad host!", port: 70000, checkInterval: "500ms", checkTimeout: "2m" },
        ],
      },
      EMPTY,
    );
    expect(issues(parsed)).toEqual([
      "$.services[2].port: must be between 1 and 65535, got 0",
      '$.services[3].host: "bad host!" is neither a valid hostname nor an IP address',
      "$.services[3].port: must be between 1 and 65535, got 70000",
      "$.services[3].checkInterval: must be between 1s and 24h, got 500ms",
      "$.services[3].checkTimeout: must be between 100ms and 60s, got 120s",
    ]);
    expect(formatConfigIssues("monitor.json", parsed.ok ? [] : parsed.issues)).toMatch(
      /^monitor\.json: \$\.services\[2\]\.port: must be between 1 and 65535, got 0; monitor\.json: \$\.services\[3\]\.host: /,
    );
  });

  it("refuses unknown keys at every level, so a typo never silently does nothing", () => {
    const parsed = parseConfigFile(
      {
        version: 1,
        service: [],
        services: [{ ...db, prot: 1, probe: { tcp: { clos: "fin" } } }],
        callers: [{ id: "pager", name: "Pager" }],
        subscriptions: [{ caller: "pager", service: "payments-db", grace: "10s" }],
        outages: [{ id: "o", service: "payments-db", start: "2030-01-01T00:00:00Z", end: "2030-01-02T00:00:00Z", "the reason": "x" }],
      },
      EMPTY,
    );
    expect(issues(parsed)).toEqual([
      "$.service: unknown key; expected one of version, services, callers, subscriptions, outages",
      "$.services[0].prot: unknown key; expected one of id, host, port, displayName, checkInterval, checkTimeout, probe",
      "$.services[0].probe.tcp.clos: unknown key; expected one of close",
      "$.callers[0].name: unknown key; expected one of id, displayName",
      "$.subscriptions[0].grace: unknown key; expected one of caller, service, pollingInterval, gracePeriod, availabilityAlert",
      '$.outages[0]["the reason"]: unknown key; expected one of id, service, start, end, reason',
    ]);
  });

  it("refuses wrong types, missing fields, bad durations and times, and another version", () => {
    const parsed = parseConfigFile(
      {
        version: 2,
        services: [{ id: 5, port: "5432", checkInterval: 30, probe: { udp: {} } }, "web", { ...db, probe: { tcp: { close: "rst" } } }],
        callers: {},
        subscriptions: [{ caller: "", service: "payments-db", pollingInterval: "5 s" }],
        outages: [
          { id: "o1", service: "payments-db", start: "2030-02-30T00:00:00Z", end: "tomorrow" },
          { id: "o2", service: "payments-db", start: "2030-01-02T00:00:00Z", end: "2030-01-01T00:00:00Z" },
        ],
      },
      EMPTY,
    );
    expect(issues(parsed)).toEqual([
      "$.version: must be 1 (the version this server reads), got 2",
      "$.services[0].id: must be a string, got 5",
      "$.services[0].probe.udp: unknown key; expected one of tcp, http",
      "$.services[0].probe: must name one kind of check: tcp or http",
      "$.services[0].host: is required",
      '$.services[0].port: must be a number, got "5432"',
      '$.services[0].checkInterval: must be a duration like "30s", got 30',
      '$.services[1]: must be an object, got "web"',
      '$.services[2].probe.tcp.close: must be "fin" or "reset", got "rst"',
      "$.callers: must be an array, got an object",
      "$.subscriptions[0].caller: must not be empty",
      '$.subscriptions[0].pollingInterval: expected a duration like "5s", got "5 s"',
      '$.outages[0].start: must be an RFC 3339 time like "2026-11-23T22:00:00Z", got "2030-02-30T00:00:00Z"',
      '$.outages[0].end: must be an RFC 3339 time like "2026-11-23T22:00:00Z", got "tomorrow"',
      "$.outages[1].end: must be after start",
    ]);
  });

  it("refuses ids outside the safe alphabet, and ids, addresses and subscriptions declared twice", () => {
    const parsed = parseConfigFile(
      {
        version: 1,
        services: [db, { ...db, port: 5433 }, { id: "other", host: "10.0.0.5", port: 5432 }, { id: "a b", host: "10.0.0.9", port: 1 }],
        callers: [{ id: "pager" }, { id: "pager" }, { id: "pa/ger" }],
        subscriptions: [
          { caller: "pager", service: "payments-db" },
          { caller: "pager", service: "payments-db", gracePeriod: "1s" },
        ],
        outages: [
          { id: "o", service: "payments-db", start: "2030-01-01T00:00:00Z", end: "2030-01-02T00:00:00Z" },
          { id: "o", service: "payments-db", start: "2030-01-03T00:00:00Z", end: "2030-01-04T00:00:00Z" },
        ],
      },
      EMPTY,
    );
    expect(issues(parsed)).toEqual([
      '$.services[1].id: the id "payments-db" is declared twice; first at $.services[0].id',
      "$.services[2]: the target 10.0.0.5:5432 is declared twice; first at $.services[0]",
      "$.services[3].id: may contain only letters, digits and . _ : @ -",
      '$.callers[1].id: the id "pager" is declared twice; first at $.callers[0].id',
      "$.callers[2].id: may contain only letters, digits and . _ : @ -",
      '$.subscriptions[1]: the subscription "pager" → "payments-db" is declared twice; first at $.subscriptions[0]',
      '$.outages[1].id: the id "o" is declared twice; first at $.outages[0].id',
    ]);
  });

  it("resolves references against the file and the API-created objects, not against what the file used to manage", () => {
    const current: RegistryData = {
      services: [apiService("svc_api", 6000, { checkIntervalMs: 10_000 }), apiService("old-db", 6001, { managedBy: "config" })],
      callers: [apiCaller("api-caller"), apiCaller("old-caller", { managedBy: "config" })],
      subscriptions: [],
      outages: [],
    };
    const parsed = parseConfigFile(
      {
        version: 1,
        services: [db],
        subscriptions: [
          { caller: "api-caller", service: "svc_api" },
          { caller: "old-caller", service: "old-db" },
          { caller: "nobody", service: "payments-db" },
        ],
        outages: [{ id: "o", service: "nothing", start: "2030-01-01T00:00:00Z", end: "2030-01-02T00:00:00Z" }],
      },
      current,
    );
    expect(issues(parsed)).toEqual([
      '$.subscriptions[1].caller: no caller "old-caller": not in the file, nor registered through the API',
      '$.subscriptions[1].service: no service "old-db": not in the file, nor registered through the API',
      '$.subscriptions[2].caller: no caller "nobody": not in the file, nor registered through the API',
      '$.outages[0].service: no service "nothing": not in the file, nor registered through the API',
    ]);
    // Without the dangling ones, a subscription to an API service takes that service's interval by default.
    const ok = parseConfigFile({ version: 1, subscriptions: [{ caller: "api-caller", service: "svc_api" }] }, current);
    expect(desired(ok).subscriptions).toEqual([
      { callerId: "api-caller", serviceId: "svc_api", pollingIntervalMs: 10_000, gracePeriodMs: 0, managedBy: "config" },
    ]);
  });

  it("does not report a reference to a service of the file that is itself invalid a second time", () => {
    const parsed = parseConfigFile(
      { version: 1, services: [{ ...db, port: 0 }], callers: [{ id: "pager" }], subscriptions: [{ caller: "pager", service: "payments-db" }] },
      EMPTY,
    );
    expect(issues(parsed)).toEqual(["$.services[0].port: must be between 1 and 65535, got 0"]);
  });

  it("refuses a service at an address an API-created service of another id holds, and says how to adopt it", () => {
    const current: RegistryData = { ...EMPTY, services: [apiService("svc_9a2a", 5432, { host: "10.0.0.5" })] };
    expect(issues(parseConfigFile({ version: 1, services: [db] }, current))).toEqual([
      '$.services[0]: 10.0.0.5:5432 is already registered through the API as "svc_9a2a"; give this service that id to adopt it',
    ]);
    // The same id adopts it; a managed service at that address is the file's to move.
    expect(parseConfigFile({ version: 1, services: [{ ...db, id: "svc_9a2a" }] }, current).ok).toBe(true);
    const managed: RegistryData = { ...EMPTY, services: [apiService("old", 5432, { host: "10.0.0.5", managedBy: "config" })] };
    expect(parseConfigFile({ version: 1, services: [db] }, managed).ok).toBe(true);
  });

  it("refuses a document that is not an object", () => {
    expect(issues(parseConfigFile([], EMPTY))).toEqual(["$: must be an object, got an array"]);
    expect(issues(parseConfigFile(null, EMPTY))).toEqual(["$: must be an object, got null"]);
  });

  it("quotes hostile input briefly, so a refusal stays a short, printable log line", () => {
    const parsed = parseConfigFile({ version: 1, callers: [{ id: "x", displayName: 7 }], services: [{ ...db, host: `a\u202e${"b".repeat(500)}` }] }, EMPTY);
    const [hostIssue, nameIssue] = issues(parsed);
    expect(hostIssue).toMatch(/^\$\.services\[0\]\.host: must be at most 253 characters, got 502$/);
    expect(nameIssue).toBe("$.callers[0].displayName: must be a string, got 7");
  });
});

/** An HTTP probe as the rules store it: every default filled in. */
const httpProbe = (url: string, extra: Partial<HttpProbeConfig> = {}): HttpProbeConfig => ({
  kind: "http",
  url,
  method: "GET",
  headers: {},
  body: new Uint8Array(),
  acceptedStatuses: [{ min: 200, max: 399 }],
  bodyRegex: "",
  bodyKeyword: "",
  invertBodyMatch: false,
  maxRedirects: 10,
  skipTlsVerify: false,
  ...extra,
});

const shop = (http: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ id: "shop", probe: { http }, ...extra });

describe("parseConfigFile, HTTP checks", () => {
  it("reads every setting of probe.http, with the host and port from the URL and the API's defaults filled in", () => {
    const parsed = parseConfigFile(
      {
        version: 1,
        services: [
          shop(
            {
              url: "https://Shop.Example.com/health#top",
              method: "post",
              headers: { Accept: "application/json", "X-Token": "s3cret" },
              body: '{"ping":1}',
              expect: "200-299, 304",
              bodyRegex: "status: (?<status>\\w+)",
              invert: true,
              maxRedirects: 0,
              skipTlsVerify: true,
            },
            { displayName: "Shop", checkInterval: "10s", checkTimeout: "5s" },
          ),
          { id: "min", probe: { http: { url: "http://127.0.0.1:8080/" } } },
          { id: "v6", probe: { http: { url: "http://[::1]/ready", method: "HEAD" } } },
          { id: "bytes", probe: { http: { url: "http://127.0.0.1:8080/", method: "POST", bodyBase64: "AP8Q" } } },
        ],
      },
      EMPTY,
    );
    expect(desired(parsed).services).toEqual([
      {
        id: "shop",
        // The URL as the API stores it: lower-case host, no fragment; 443 is https's.
        host: "shop.example.com",
        port: 443,
        displayName: "Shop",
        checkIntervalMs: 10_000,
        checkTimeoutMs: 5_000,
        probe: httpProbe("https://shop.example.com/health", {
          method: "POST",
          headers: { Accept: "application/json", "X-Token": "s3cret" },
          body: new TextEncoder().encode('{"ping":1}'),
          acceptedStatuses: [
            { min: 200, max: 299 },
            { min: 304, max: 304 },
          ],
          bodyRegex: "status: (?<status>\\w+)",
          invertBodyMatch: true,
          maxRedirects: 0,
          skipTlsVerify: true,
        }),
        managedBy: "config",
      },
      { id: "min", host: "127.0.0.1", port: 8080, displayName: "", checkIntervalMs: 30_000, checkTimeoutMs: 2_000, probe: httpProbe("http://127.0.0.1:8080/"), managedBy: "config" },
      {
        id: "v6",
        host: "::1",
        port: 80,
        displayName: "",
        checkIntervalMs: 30_000,
        checkTimeoutMs: 2_000,
        probe: httpProbe("http://[::1]/ready", { method: "HEAD" }),
        managedBy: "config",
      },
      {
        id: "bytes",
        host: "127.0.0.1",
        port: 8080,
        displayName: "",
        checkIntervalMs: 30_000,
        checkTimeoutMs: 2_000,
        probe: httpProbe("http://127.0.0.1:8080/", { method: "POST", body: new Uint8Array([0x00, 0xff, 0x10]) }),
        managedBy: "config",
      },
    ]);
  });

  it("refuses the file's own shape errors in probe.http at their JSON paths, all at once", () => {
    const parsed = parseConfigFile(
      {
        version: 1,
        services: [
          shop({ urll: "http://a.test/", headers: { "X-A": 1 }, expect: "2xy", invert: "yes", maxRedirects: "3", skipTlsVerify: 1 }),
          { id: "b", probe: { http: { url: "http://b.test/", method: "POST", body: "x", bodyBase64: "eA==" } } },
          { id: "c", probe: { http: { url: "http://c.test/", method: "POST", bodyBase64: "not base64!" } } },
          { id: "d", host: "10.0.0.5", port: 80, probe: { http: { url: "http://d.test/" } } },
          { id: "e", host: "10.0.0.5", port: 80, probe: { tcp: {}, http: { url: "http://e.test/" } } },
          { id: "f", host: "10.0.0.6", port: 80, probe: {} },
          { id: "g", probe: { http: "http://g.test/" } },
        ],
      },
      EMPTY,
    );
    expect(issues(parsed)).toEqual([
      "$.services[0].probe.http.urll: unknown key; expected one of url, method, headers, body, bodyBase64, expect, bodyRegex, bodyKeyword, invert, maxRedirects, skipTlsVerify",
      "$.services[0].probe.http.url: is required",
      '$.services[0].probe.http.headers["X-A"]: must be a string, got 1',
      '$.services[0].probe.http.expect: expected status codes like "200-299,304" or "2xx", got "2xy"',
      '$.services[0].probe.http.invert: must be true or false, got "yes"',
      '$.services[0].probe.http.maxRedirects: must be a number, got "3"',
      "$.services[0].probe.http.skipTlsVerify: must be true or false, got 1",
      "$.services[1].probe.http.bodyBase64: must not be set beside body; give the body one way",
      "$.services[2].probe.http.bodyBase64: must be standard base64 (A–Z a–z 0–9 + /, padded with =)",
      "$.services[3].host: must be absent with probe.http; the URL names the host and port",
      "$.services[3].port: must be absent with probe.http; the URL names the host and port",
      "$.services[4].probe: must name one kind of check: tcp or http, got tcp and http",
      "$.services[5].probe: must name one kind of check: tcp or http",
      '$.services[6].probe.http: must be an object, got "http://g.test/"',
    ]);
  });

  // One case per rule of the API (domain/http-probe-rules.ts), each at the file's path for the field.
  const P = "$.services[0].probe.http";
  it.each([
    ["a URL that is not http(s)", { url: "ftp://a.test/" }, `${P}.url: must be an absolute http:// or https:// URL, got "ftp://a.test/"`],
    ["a URL with credentials", { url: "http://user:pw@a.test/" }, `${P}.url: must not contain user:password (send an Authorization header instead)`],
    ["another method", { url: "http://a.test/", method: "PUT" }, `${P}.method: must be GET, HEAD or POST, got "PUT"`],
    ["a header the check sets", { url: "http://a.test/", headers: { Host: "b.test" } }, `${P}.headers: "Host" is set by the check itself and may not be given`],
    ["a header name that is not a token", { url: "http://a.test/", headers: { "X A": "1" } }, `${P}.headers: "X A" is not a valid header name (an RFC 9110 token)`],
    [
      "a header value with CR LF",
      { url: "http://a.test/", headers: { "X-A": "1\r\nX-B: 2" } },
      `${P}.headers["X-A"]: must be visible ASCII, spaces and tabs only (no CR, LF, NUL or other control characters)`,
    ],
    ["a body on GET", { url: "http://a.test/", body: "x" }, `${P}.body: may only be sent with POST, method is GET`],
    ["a base64 body on GET", { url: "http://a.test/", bodyBase64: "eA==" }, `${P}.bodyBase64: may only be sent with POST, method is GET`],
    ["a body over 16 KiB", { url: "http://a.test/", method: "POST", body: "x".repeat(16 * 1024 + 1) }, `${P}.body: must be at most 16384 bytes, got 16385`],
    ["a status under 100", { url: "http://a.test/", expect: "99" }, `${P}.expect: must be between 100 and 599, got 99`],
    ["a reversed status range", { url: "http://a.test/", expect: "200-299,400-300" }, `${P}.expect: "400-300" ends before it starts`],
    ["a regex that does not compile", { url: "http://a.test/", bodyRegex: "(" }, `${P}.bodyRegex: does not compile (RE2 syntax): "missing closing ): \`(\`"`],
    ["both a regex and a keyword", { url: "http://a.test/", bodyRegex: "a", bodyKeyword: "b" }, `${P}.bodyKeyword: must be empty when ${P}.bodyRegex is set (one body check)`],
    ["invert without a body check", { url: "http://a.test/", invert: true }, `${P}.invert: needs ${P}.bodyRegex or ${P}.bodyKeyword to invert`],
    ["too many redirects", { url: "http://a.test/", maxRedirects: 21 }, `${P}.maxRedirects: must be between 0 and 20, got 21`],
  ])("refuses %s as the API does, at the file's path", (_what, http, message) => {
    expect(issues(parseConfigFile({ version: 1, services: [shop(http)] }, EMPTY))).toEqual([message]);
  });

  it("keys services by target: an HTTP check by method and URL (as normalised), a TCP one by host:port", () => {
    const parsed = parseConfigFile(
      {
        version: 1,
        services: [
          { id: "a", probe: { http: { url: "https://shop.example.com/health" } } },
          { id: "b", probe: { http: { url: "HTTPS://SHOP.example.com:443/health#x", method: "get" } } },
          // Another method of the URL, and a TCP check of its host:port, are other targets.
          { id: "c", probe: { http: { url: "https://shop.example.com/health", method: "HEAD" } } },
          { id: "d", host: "shop.example.com", port: 443 },
        ],
      },
      EMPTY,
    );
    expect(issues(parsed)).toEqual(["$.services[1]: the target https://shop.example.com/health is declared twice; first at $.services[0]"]);
  });

  it("refuses an HTTP check an API-created service of another id has, and says how to adopt it", () => {
    const url = "http://127.0.0.1:8080/health";
    const current: RegistryData = {
      ...EMPTY,
      services: [apiService("svc_web", 8080, { probe: httpProbe(url, { method: "HEAD" }) }), apiService("svc_tcp", 8080)],
    };
    expect(issues(parseConfigFile({ version: 1, services: [shop({ url, method: "HEAD" })] }, current))).toEqual([
      '$.services[0]: HEAD http://127.0.0.1:8080/health is already registered through the API as "svc_web"; give this service that id to adopt it',
    ]);
    // Its id adopts it; a GET of the URL, or the TCP service at its host:port, is another target.
    expect(parseConfigFile({ version: 1, services: [{ ...shop({ url, method: "HEAD" }), id: "svc_web" }] }, current).ok).toBe(true);
    expect(parseConfigFile({ version: 1, services: [shop({ url })] }, current).ok).toBe(true);
  });
});

describe("parseConfigFile, availability alerts", () => {
  const file = (...subscriptions: unknown[]) => ({
    version: 1,
    services: [db],
    callers: [{ id: "pager" }, { id: "wall" }, { id: "ops" }, { id: "dev" }],
    subscriptions,
  });

  it("reads a subscription's rule fully defaulted (window 2m, threshold 0.8); no key, no rule", () => {
    const parsed = desired(
      parseConfigFile(
        file(
          { caller: "pager", service: "payments-db", availabilityAlert: { window: "10m", threshold: 0.99 } },
          { caller: "wall", service: "payments-db", availabilityAlert: {} },
          { caller: "ops", service: "payments-db" },
        ),
        EMPTY,
      ),
    );
    expect(parsed.subscriptions.map((s) => s.availabilityAlert)).toEqual([
      { windowMs: 600_000, threshold: 0.99 },
      { windowMs: 120_000, threshold: 0.8 },
      undefined,
    ]);
    expect(Object.keys(parsed.subscriptions[2]!)).not.toContain("availabilityAlert");
    // The limits themselves are allowed.
    const limits = desired(
      parseConfigFile(
        file(
          { caller: "pager", service: "payments-db", availabilityAlert: { window: "10s", threshold: 1 } },
          { caller: "wall", service: "payments-db", availabilityAlert: { window: "24h", threshold: 0.001 } },
        ),
        EMPTY,
      ),
    );
    expect(limits.subscriptions.map((s) => s.availabilityAlert)).toEqual([
      { windowMs: 10_000, threshold: 1 },
      { windowMs: 86_400_000, threshold: 0.001 },
    ]);
  });

  it("refuses a rule outside the API's limits, or of the wrong shape, at its JSON path, all at once", () => {
    const parsed = parseConfigFile(
      file(
        { caller: "pager", service: "payments-db", availabilityAlert: { window: "9s", threshold: 0 } },
        { caller: "wall", service: "payments-db", availabilityAlert: { window: "25h", threshold: 1.5 } },
        { caller: "ops", service: "payments-db", availabilityAlert: { window: 120, threshold: "0.8", windw: "2m" } },
        { caller: "dev", service: "payments-db", availabilityAlert: true },
      ),
      EMPTY,
    );
    expect(issues(parsed)).toEqual([
      "$.subscriptions[0].availabilityAlert.window: must be between 10s and 24h, got 9s",
      "$.subscriptions[0].availabilityAlert.threshold: must be above 0 and at most 1, got 0",
      "$.subscriptions[1].availabilityAlert.window: must be between 10s and 24h, got 25h",
      "$.subscriptions[1].availabilityAlert.threshold: must be above 0 and at most 1, got 1.5",
      "$.subscriptions[2].availabilityAlert.windw: unknown key; expected one of window, threshold",
      '$.subscriptions[2].availabilityAlert.window: must be a duration like "30s", got 120',
      '$.subscriptions[2].availabilityAlert.threshold: must be a number, got "0.8"',
      "$.subscriptions[3].availabilityAlert: must be an object, got true",
    ]);
  });
});
