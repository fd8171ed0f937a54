import { describe, expect, it } from "vitest";
import type { HttpProbeConfig, ServiceConfig } from "../../server/domain/types.js";
import type { StoreContents } from "../../server/store/store.js";
import { StoreError } from "../../server/store/store.js";
import { MAX_REPORTED_PROBLEMS, validateStoreContents } from "../../server/store/validate-store-contents.js";

const T = Date.UTC(2026, 10, 1);

/** A small store that passes every rule; each test breaks one thing. */
function valid(): StoreContents {
  return {
    services: [
      { id: "svc_a", host: "db.example", port: 5432, displayName: "db", checkIntervalMs: 30_000, checkTimeoutMs: 2000, createdAt: T },
      { id: "svc_b", host: "::1", port: 80, displayName: "", checkIntervalMs: 1000, checkTimeoutMs: 100, createdAt: T, probe: { kind: "tcp", closeMode: "reset" }, managedBy: "config" },
    ],
    callers: [{ id: "bot", displayName: "Bot", createdAt: T }],
    subscriptions: [{ callerId: "bot", serviceId: "svc_a", pollingIntervalMs: 30_000, gracePeriodMs: 0 }],
    outages: [{ id: "out_1", serviceId: "svc_a", startMs: T, endMs: T + 1000, reason: "upgrade" }],
    observations: [{ serviceId: "svc_a", observation: { status: "up", sinceMs: T, lastCheckAt: T, lastLatencyMs: 1.5, detail: "connected" } }],
    announced: [{ callerId: "bot", serviceId: "svc_a", announced: { status: "up", sinceMs: T } }],
    sequences: [{ callerId: "bot", lastSequence: 3 }, { callerId: "gone", lastSequence: 0 }],
  };
}

/** The StoreError message for `contents` with `change` applied. */
function refusal(change: (c: StoreContents) => StoreContents): string {
  try {
    validateStoreContents(change(valid()), "/data/monitor.db");
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).kind).toBe("corrupt");
    return (error as StoreError).message;
  }
  throw new Error("expected a refusal");
}

const ADVICE = " — fix or remove the record, or restore a backup";
const withService = (patch: object) => (c: StoreContents): StoreContents => ({
  ...c,
  services: [{ ...c.services[0]!, ...patch }, c.services[1]!],
});

describe("validateStoreContents", () => {
  it("accepts a store this server wrote, including an empty one", () => {
    expect(() => validateStoreContents(valid(), "x")).not.toThrow();
    const empty: StoreContents = { services: [], callers: [], subscriptions: [], outages: [], observations: [], announced: [], sequences: [] };
    expect(() => validateStoreContents(empty, "x")).not.toThrow();
  });

  it("accepts fractional times, as an outage scheduled with a Timestamp's nanos has", () => {
    const c = valid();
    const fractional = { ...c, outages: [{ ...c.outages[0]!, startMs: T + 0.25, endMs: T + 1000.5 }] };
    expect(() => validateStoreContents(fractional, "x")).not.toThrow();
  });

  it("refuses port 999999 naming the store, the record, the field and the rule", () => {
    expect(refusal(withService({ port: 999_999 }))).toBe(
      `/data/monitor.db: service "svc_a": port: must be between 1 and 65535, got 999999${ADVICE}`,
    );
  });

  it("refuses an interval of 0, an empty host, a short timeout, a bad probe, a bad time", () => {
    expect(refusal(withService({ checkIntervalMs: 0 }))).toBe(
      `/data/monitor.db: service "svc_a": checkIntervalMs: must be between 1s and 24h, got 0ms${ADVICE}`,
    );
    expect(refusal(withService({ host: "" }))).toBe(`/data/monitor.db: service "svc_a": host: must not be empty${ADVICE}`);
    expect(refusal(withService({ host: "not a host" }))).toContain('service "svc_a": host: "not a host" is neither');
    expect(refusal(withService({ checkTimeoutMs: 50 }))).toContain("checkTimeoutMs: must be between 100ms and 60s, got 50ms");
    expect(refusal(withService({ probe: { kind: "tcp", closeMode: "rst" } }))).toContain('probe.closeMode: must be "fin" or "reset", got "rst"');
    expect(refusal(withService({ createdAt: Number.NaN }))).toContain("createdAt: is not a valid time");
    expect(refusal(withService({ displayName: "x".repeat(257) }))).toContain("displayName: must be at most 256 characters");
    expect(refusal(withService({ managedBy: "file" }))).toContain('managedBy: must be "config" or absent, got "file"');
    expect(refusal(withService({ id: "" }))).toContain('service "": id: must not be empty');
    expect(refusal(withService({ host: 42 }))).toContain('service "svc_a": host: has the wrong type');
  });

  it("refuses a duplicate id, and two services on one host:port whatever the host's case", () => {
    expect(refusal((c) => ({ ...c, services: [c.services[0]!, { ...c.services[1]!, id: "svc_a" }] }))).toBe(
      `/data/monitor.db: service "svc_a": id: is used by another service${ADVICE}`,
    );
    expect(refusal((c) => ({ ...c, services: [...c.services, { ...c.services[0]!, id: "svc_c", host: "DB.Example" }] }))).toBe(
      `/data/monitor.db: service "svc_c": host, port: "db.example:5432" is also service "svc_a"${ADVICE}`,
    );
    expect(refusal((c) => ({ ...c, services: [...c.services, { ...c.services[1]!, id: "svc_c", host: "[::1]" }] }))).toContain(
      'service "svc_c": host, port: "[::1]:80" is also service "svc_b"',
    );
    expect(refusal((c) => ({ ...c, callers: [...c.callers, { ...c.callers[0]! }] }))).toContain('caller "bot": id: is used by another caller');
    expect(refusal((c) => ({ ...c, outages: [...c.outages, { ...c.outages[0]! }] }))).toContain('outage "out_1": id: is used by another outage');
    expect(refusal((c) => ({ ...c, subscriptions: [...c.subscriptions, { ...c.subscriptions[0]! }] }))).toContain(
      'subscription of caller "bot" to service "svc_a": is listed twice',
    );
  });

  it("refuses callers with ids the API would refuse", () => {
    expect(refusal((c) => ({ ...c, callers: [{ ...c.callers[0]!, id: "has space" }] }))).toContain(
      'caller "has space": id: may contain only letters, digits and . _ : @ -',
    );
  });

  it("accepts a caller with a SHA-256 token hash or none, and refuses any other hash naming the caller, never repeating it", () => {
    const hashed = (tokenHash: unknown) => (c: StoreContents): StoreContents => ({
      ...c,
      callers: [{ ...c.callers[0]!, tokenHash: tokenHash as string }],
    });
    const good = "0123456789abcdef".repeat(4);
    expect(() => validateStoreContents(hashed(good)(valid()), "x")).not.toThrow();
    expect(() => validateStoreContents(valid(), "x")).not.toThrow();
    const rule = "tokenHash: must be a SHA-256 as 64 lowercase hex digits, or absent; got";
    expect(refusal(hashed(good.toUpperCase()))).toBe(
      `/data/monitor.db: caller "bot": ${rule} 64 character(s), not all lowercase hex digits${ADVICE}`,
    );
    expect(refusal(hashed(good.slice(1)))).toBe(`/data/monitor.db: caller "bot": ${rule} 63 character(s)${ADVICE}`);
    expect(refusal(hashed(`${good}0`))).toContain(`caller "bot": ${rule} 65 character(s)`);
    expect(refusal(hashed(""))).toContain(`caller "bot": ${rule} 0 character(s)`);
    expect(refusal(hashed(`sha256:${good.slice(7)}`))).toContain(`${rule} 64 character(s), not all lowercase hex digits`);
    expect(refusal(hashed(42))).toContain(`caller "bot": ${rule} a number`);
    expect(refusal(hashed(good.toUpperCase()))).not.toContain(good.toUpperCase());
  });

  it("refuses subscriptions whose caller or service is missing, or whose spans are out of range", () => {
    const sub = (patch: object) => (c: StoreContents): StoreContents => ({ ...c, subscriptions: [{ ...c.subscriptions[0]!, ...patch }] });
    expect(refusal(sub({ callerId: "nobody" }))).toBe(
      `/data/monitor.db: subscription of caller "nobody" to service "svc_a": callerId: no such caller${ADVICE}`,
    );
    expect(refusal(sub({ serviceId: "svc_x" }))).toContain('to service "svc_x": serviceId: no such service');
    expect(refusal(sub({ pollingIntervalMs: 999 }))).toContain("pollingIntervalMs: must be between 1s and 24h, got 999ms");
    expect(refusal(sub({ gracePeriodMs: -1 }))).toContain("gracePeriodMs: must be between 0ms and 24h, got -1ms");
  });

  it("accepts an availability alert rule within its limits and refuses one outside them, naming the field", () => {
    const sub = (rule: { windowMs: number; threshold: number }) => (c: StoreContents): StoreContents => ({
      ...c,
      subscriptions: [{ ...c.subscriptions[0]!, availabilityAlert: rule }],
    });
    for (const rule of [{ windowMs: 10_000, threshold: 1 }, { windowMs: 86_400_000, threshold: 0.001 }, { windowMs: 120_000, threshold: 0.8 }]) {
      expect(() => validateStoreContents(sub(rule)(valid()), "x")).not.toThrow();
    }
    const record = 'subscription of caller "bot" to service "svc_a"';
    expect(refusal(sub({ windowMs: 9_999, threshold: 0.8 }))).toBe(
      `/data/monitor.db: ${record}: availabilityAlert.windowMs: must be between 10s and 24h, got 9999ms${ADVICE}`,
    );
    expect(refusal(sub({ windowMs: 86_400_001, threshold: 0.8 }))).toContain(`${record}: availabilityAlert.windowMs: must be between 10s and 24h`);
    // Stored fully defaulted: 0 is not "the default" here.
    expect(refusal(sub({ windowMs: 0, threshold: 0.8 }))).toContain(`${record}: availabilityAlert.windowMs: must be between`);
    expect(refusal(sub({ windowMs: 120_000, threshold: 0 }))).toContain(`${record}: availabilityAlert.threshold: must be above 0 and at most 1, got 0`);
    expect(refusal(sub({ windowMs: 120_000, threshold: 1.5 }))).toContain("availabilityAlert.threshold: must be above 0 and at most 1, got 1.5");
    expect(refusal(sub({ windowMs: 120_000, threshold: Number.NaN }))).toContain("availabilityAlert.threshold: must be above 0 and at most 1, got NaN");
  });

  it("refuses outages of a missing service, ending before they start, or with a long reason", () => {
    const outage = (patch: object) => (c: StoreContents): StoreContents => ({ ...c, outages: [{ ...c.outages[0]!, ...patch }] });
    expect(refusal(outage({ serviceId: "svc_x" }))).toContain('outage "out_1": serviceId: no such service "svc_x"');
    expect(refusal(outage({ endMs: T }))).toBe(`/data/monitor.db: outage "out_1": endMs: must be after startMs${ADVICE}`);
    expect(refusal(outage({ reason: "r".repeat(1025) }))).toContain("reason: must be at most 1024 characters, got 1025");
    expect(refusal(outage({ id: "" }))).toContain('outage "": id: must not be empty');
  });

  it("refuses observations and announced states with a status that does not exist", () => {
    expect(
      refusal((c) => ({ ...c, observations: [{ serviceId: "svc_a", observation: { ...c.observations[0]!.observation, status: "sideways" as "up" } }] })),
    ).toContain('observation of service "svc_a": status: must be "unknown", "up" or "down", got "sideways"');
    expect(
      refusal((c) => ({ ...c, observations: [{ serviceId: "svc_a", observation: { ...c.observations[0]!.observation, lastLatencyMs: -1 } }] })),
    ).toContain("lastLatencyMs: must be a non-negative number, got -1");
    expect(
      refusal((c) => ({ ...c, announced: [{ callerId: "bot", serviceId: "svc_a", announced: { status: "UP" as "up", sinceMs: T } }] })),
    ).toContain('announced state of caller "bot" for service "svc_a": status: must be "unknown", "up" or "down", got "UP"');
  });

  it("refuses sequences that are negative, fractional or listed twice", () => {
    expect(refusal((c) => ({ ...c, sequences: [{ callerId: "bot", lastSequence: -1 }] }))).toBe(
      `/data/monitor.db: sequence of caller "bot": lastSequence: must be a non-negative integer, got -1${ADVICE}`,
    );
    expect(refusal((c) => ({ ...c, sequences: [{ callerId: "bot", lastSequence: 1.5 }] }))).toContain("got 1.5");
    expect(refusal((c) => ({ ...c, sequences: [...c.sequences, { callerId: "bot", lastSequence: 4 }] }))).toContain(
      'sequence of caller "bot": is listed twice',
    );
  });

  it("reports every problem at once, up to a limit, and counts the rest", () => {
    const message = refusal((c) => ({ ...c, services: [{ ...c.services[0]!, port: 0, host: "" }, c.services[1]!] }));
    expect(message).toBe(
      [
        "/data/monitor.db: 2 invalid records — fix or remove each, or restore a backup:",
        '  service "svc_a": host: must not be empty',
        '  service "svc_a": port: must be between 1 and 65535, got 0',
      ].join("\n"),
    );
    const many = refusal((c) => ({
      ...c,
      callers: Array.from({ length: 30 }, (_, i) => ({ id: `bad id ${i}`, displayName: "", createdAt: T })),
      subscriptions: [],
      announced: [],
    }));
    const lines = many.split("\n");
    expect(lines[0]).toBe("/data/monitor.db: 30 invalid records — fix or remove each, or restore a backup:");
    expect(lines).toHaveLength(1 + MAX_REPORTED_PROBLEMS + 1);
    expect(lines.at(-1)).toBe("  … and 10 more");
  });

  describe("HTTP services, pause times, HTTP details and notes (issue 10)", () => {
    const probe: HttpProbeConfig = {
      kind: "http",
      url: "https://example.test:8443/health",
      method: "GET",
      headers: {},
      body: new Uint8Array(0),
      acceptedStatuses: [{ min: 200, max: 399 }],
      bodyRegex: "",
      bodyKeyword: "",
      invertBodyMatch: false,
      maxRedirects: 10,
      skipTlsVerify: false,
    };
    const web = (over: Partial<HttpProbeConfig> = {}, service: object = {}) => ({
      id: "svc_web",
      host: "example.test",
      port: 8443,
      displayName: "web",
      checkIntervalMs: 30_000,
      checkTimeoutMs: 2000,
      createdAt: T,
      probe: { ...probe, ...over },
      ...service,
    });
    const withWeb = (...services: object[]) => (c: StoreContents): StoreContents => ({
      ...c,
      services: [...c.services, ...(services as ServiceConfig[])],
    });
    const accepts = (change: (c: StoreContents) => StoreContents) => expect(() => validateStoreContents(change(valid()), "x")).not.toThrow();

    it("accepts an HTTP service, a paused one, and an HTTP and a TCP check of one host:port", () => {
      accepts(withWeb(web(), web({ method: "POST" }, { id: "svc_post" }), web({}, { id: "svc_tcp", probe: { kind: "tcp", closeMode: "fin" } })));
      accepts(withWeb(web({}, { pausedAt: T + 0.5 })));
      accepts(withWeb(web({ url: "http://[::1]/" }, { host: "::1", port: 80 })));
    });

    it("refuses a URL that is not http(s), or whose host or port is not the service's", () => {
      expect(refusal(withWeb(web({ url: "ftp://example.test:8443/" })))).toBe(
        `/data/monitor.db: service "svc_web": probe.url: must be an absolute http:// or https:// URL, got "ftp://example.test:8443/"${ADVICE}`,
      );
      expect(refusal(withWeb(web({}, { host: "other.test" })))).toBe(
        `/data/monitor.db: service "svc_web": host, port: must be the URL's ("example.test", 8443), got "other.test", 8443${ADVICE}`,
      );
      expect(refusal(withWeb(web({ url: "https://example.test/health" })))).toContain(
        `host, port: must be the URL's ("example.test", 443), got "example.test", 8443`,
      );
    });

    it("refuses what the API's rules refuse, and a URL or method not in the form the API stores", () => {
      expect(refusal(withWeb(web({ acceptedStatuses: [{ min: 200, max: 700 }] })))).toContain('service "svc_web": probe.accepted_statuses');
      expect(refusal(withWeb(web({ url: "https://EXAMPLE.test:8443/health" })))).toContain(
        'probe.url: is not in its normal form ("https://example.test:8443/health"), got "https://EXAMPLE.test:8443/health"',
      );
      expect(refusal(withWeb(web({ method: "get" as "GET" })))).toContain('probe.method: must be GET, HEAD or POST, got "get"');
      expect(refusal(withWeb(web({ kind: "icmp" as "http" })))).toContain('probe.kind: must be "tcp" or "http", got "icmp"');
      // Compiled by the checks' own engine, as at the API: a stored pattern that would never run is refused at load.
      expect(refusal(withWeb(web({ bodyRegex: "(" })))).toContain('service "svc_web": probe.body_regex: does not compile (RE2 syntax)');
    });

    it("refuses two checks of one method and URL, naming the target", () => {
      expect(refusal(withWeb(web(), web({}, { id: "svc_dup" })))).toBe(
        `/data/monitor.db: service "svc_dup": probe.method, probe.url: "https://example.test:8443/health" is also service "svc_web"${ADVICE}`,
      );
    });

    it("refuses a pause time that is not a time", () => {
      expect(refusal(withService({ pausedAt: Number.NaN }))).toBe(
        `/data/monitor.db: service "svc_a": pausedAt: is not a valid time, got NaN${ADVICE}`,
      );
    });

    it("refuses an observation whose note is not text or whose HTTP details are malformed", () => {
      const observed = (patch: object) => (c: StoreContents): StoreContents => ({
        ...c,
        observations: [{ serviceId: "svc_a", observation: { ...c.observations[0]!.observation, ...patch } }],
      });
      const http = {
        statusCode: 200,
        phases: { dnsMs: 0, connectMs: 1, tlsMs: 0, firstByteMs: 1, totalMs: 2 },
        tlsExpiresAt: undefined,
        captures: [],
        namedCaptures: {},
      };
      accepts(observed({ http, note: "check target changed from a to b" }));
      expect(refusal(observed({ note: 5 }))).toContain('observation of service "svc_a": note: must be text');
      expect(refusal(observed({ http: { ...http, phases: { ...http.phases, totalMs: -2 } } }))).toContain(
        'observation of service "svc_a": http.phases.totalMs: expected a non-negative number, got -2',
      );
    });
  });

  it("quotes hostile ids instead of repeating them", () => {
    const message = refusal(withService({ id: `x\n${"y".repeat(500)}`, port: 0 }));
    expect(message).not.toContain("\nyyy");
    expect(message).not.toContain("y".repeat(100));
    expect(message).toContain('service "x\\nyyy');
  });
});
