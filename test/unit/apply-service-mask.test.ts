import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { ServiceSchema, TcpCloseMode } from "../../sdk/gen/monitor/v1/resources_pb.js";
import { MonitorError } from "../../server/domain/monitor-error.js";
import type { ServiceConfig } from "../../server/domain/types.js";
import { applyServiceMask } from "../../server/rpc/apply-service-mask.js";
import { checkServiceSettings } from "../../server/rpc/check-service-settings.js";
import { settingsOf } from "../../server/rpc/service-settings.js";

/**
 * UpdateService's mask as a pure function: current settings + masked fields
 * of the request → the settings to check. Each case checks the result the
 * way the handler does (checkServiceSettings with "service."), so what is
 * asserted is what would be stored.
 */

const TCP: ServiceConfig = {
  id: "svc_1",
  host: "db.internal",
  port: 5432,
  displayName: "db",
  checkIntervalMs: 30_000,
  checkTimeoutMs: 2_000,
  createdAt: 0,
  probe: { kind: "tcp", closeMode: "reset" },
};

const HTTP: ServiceConfig = {
  id: "svc_2",
  host: "web.test",
  port: 443,
  displayName: "web",
  checkIntervalMs: 10_000,
  checkTimeoutMs: 3_000,
  createdAt: 0,
  probe: {
    kind: "http",
    url: "https://web.test/health",
    method: "GET",
    headers: { accept: "text/plain" },
    body: new Uint8Array(),
    acceptedStatuses: [{ min: 200, max: 299 }],
    bodyRegex: "",
    bodyKeyword: "ok",
    invertBodyMatch: false,
    maxRedirects: 3,
    skipTlsVerify: true,
  },
};

const patch = (init: MessageInitShape<typeof ServiceSchema>) => create(ServiceSchema, init);
const apply = (current: ServiceConfig, p: MessageInitShape<typeof ServiceSchema>, paths: string[]) =>
  checkServiceSettings(applyServiceMask(settingsOf(current), patch(p), paths), "service.");

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MonitorError);
    expect((error as MonitorError).kind).toBe("invalid_argument");
    return (error as MonitorError).message;
  }
  throw new Error("expected a refusal");
}

const { id: _i, createdAt: _c, ...TCP_SETTINGS } = TCP;
const { id: _j, createdAt: _d, ...HTTP_SETTINGS } = HTTP;

describe("applyServiceMask", () => {
  it("round-trips: the current service with no field named is the current settings", () => {
    expect(apply(TCP, {}, [])).toEqual(TCP_SETTINGS);
    expect(apply(HTTP, {}, [])).toEqual(HTTP_SETTINGS);
    // A TCP service that follows the server's default keeps following it.
    const { probe: _p, ...plain } = TCP_SETTINGS;
    const { probe: _q, ...followsDefault } = TCP;
    expect(apply(followsDefault, {}, [])).toEqual(plain);
  });

  it("changes only the named top-level fields; a named unset field goes back to its default", () => {
    const p = { displayName: "main db", checkInterval: durationFromMs(5000), host: "other.internal", port: 1 };
    expect(apply(TCP, p, ["display_name"])).toEqual({ ...TCP_SETTINGS, displayName: "main db" });
    expect(apply(TCP, p, ["check_interval", "host", "port"])).toEqual({
      ...TCP_SETTINGS,
      checkIntervalMs: 5000,
      host: "other.internal",
      port: 1,
    });
    expect(apply(TCP, {}, ["check_interval", "check_timeout", "display_name"])).toEqual({
      ...TCP_SETTINGS,
      checkIntervalMs: 30_000,
      checkTimeoutMs: 2_000,
      displayName: "",
    });
  });

  it("an empty mask means the fields set in the request", () => {
    expect(apply(TCP, { displayName: "x", checkTimeout: durationFromMs(500) }, [])).toEqual({
      ...TCP_SETTINGS,
      displayName: "x",
      checkTimeoutMs: 500,
    });
    // Inside a probe of the same kind: only its set settings.
    expect(apply(HTTP, { probe: { case: "http", value: { url: "https://web.test/v2" } } }, [])).toEqual({
      ...HTTP_SETTINGS,
      probe: { ...HTTP.probe, url: "https://web.test/v2" },
    });
    expect(apply(TCP, { probe: { case: "tcp", value: { closeMode: TcpCloseMode.FIN } } }, [])).toEqual({
      ...TCP_SETTINGS,
      probe: { kind: "tcp", closeMode: "fin" },
    });
    // A probe of the other kind: the whole probe (a switch).
    expect(apply(TCP, { probe: { case: "http", value: { url: "http://db.internal:8080/" } } }, [])).toMatchObject({
      host: "db.internal",
      port: 8080,
      probe: { kind: "http", url: "http://db.internal:8080/", maxRedirects: 10 },
    });
  });

  it("tcp.close_mode changes the close mode; unset in the request: back to the server's default", () => {
    expect(apply(TCP, { probe: { case: "tcp", value: { closeMode: TcpCloseMode.FIN } } }, ["tcp.close_mode"]).probe).toEqual({
      kind: "tcp",
      closeMode: "fin",
    });
    expect(apply(TCP, {}, ["tcp.close_mode"]).probe).toBeUndefined();
  });

  it.each<[string, MessageInitShape<typeof ServiceSchema>, object]>([
    ["http.url", { probe: { case: "http", value: { url: "http://web.test:81/x" } } }, { url: "http://web.test:81/x" }],
    ["http.method", { probe: { case: "http", value: { method: "post" } } }, { method: "POST" }],
    ["http.headers", { probe: { case: "http", value: { headers: { "x-a": "1" } } } }, { headers: { "x-a": "1" } }],
    ["http.accepted_statuses", { probe: { case: "http", value: { acceptedStatuses: [{ min: 204 }] } } }, { acceptedStatuses: [{ min: 204, max: 204 }] }],
    ["http.body_keyword", {}, { bodyKeyword: "" }],
    ["http.invert_body_match", { probe: { case: "http", value: { invertBodyMatch: true } } }, { invertBodyMatch: true }],
    ["http.max_redirects", {}, { maxRedirects: 10 }],
    ["http.max_redirects", { probe: { case: "http", value: { maxRedirects: 0 } } }, { maxRedirects: 0 }],
    ["http.skip_tls_verify", {}, { skipTlsVerify: false }],
  ])("%s changes that setting alone", (path, p, changed) => {
    const got = apply(HTTP, p, [path]);
    expect(got.probe).toEqual({ ...HTTP.probe, ...changed });
    expect(got).toMatchObject({ displayName: "web", checkIntervalMs: 10_000 });
  });

  it("http.url moves host and port with the URL", () => {
    const got = apply(HTTP, { probe: { case: "http", value: { url: "http://[::1]:8080/h" } } }, ["http.url"]);
    expect(got).toMatchObject({ host: "::1", port: 8080 });
  });

  it("http.body_regex, http.body and http.method together (a POST with a regex)", () => {
    const got = apply(
      HTTP,
      { probe: { case: "http", value: { method: "POST", body: new Uint8Array([7]), bodyRegex: "(ok)" } } },
      ["http.method", "http.body", "http.body_regex", "http.body_keyword"],
    );
    expect(got.probe).toMatchObject({ method: "POST", body: new Uint8Array([7]), bodyRegex: "(ok)", bodyKeyword: "" });
  });

  it("switches TCP → HTTP with `http` (host and port come from the URL)", () => {
    const got = apply(TCP, { probe: { case: "http", value: { url: "https://db.internal/ping" } } }, ["http"]);
    expect(got).toMatchObject({ host: "db.internal", port: 443, displayName: "db", probe: { kind: "http", method: "GET" } });
  });

  it("switches HTTP → TCP with `tcp`, which then needs host and port", () => {
    expect(refusal(() => apply(HTTP, { probe: { case: "tcp", value: {} } }, ["tcp"]))).toBe("service.host: must not be empty");
    expect(refusal(() => apply(HTTP, { host: "web.test", probe: { case: "tcp", value: {} } }, ["tcp", "host"]))).toBe(
      "service.port: must be between 1 and 65535, got 0",
    );
    const got = apply(HTTP, { host: "web.test", port: 443, probe: { case: "tcp", value: {} } }, ["tcp", "host", "port"]);
    const { probe: _p, ...rest } = HTTP_SETTINGS;
    expect(got).toEqual({ ...rest, host: "web.test", port: 443 });
    expect("probe" in got).toBe(false);
  });

  it("replaces everything with *", () => {
    expect(apply(HTTP, { host: "db.internal", port: 5432 }, ["*"])).toEqual({
      host: "db.internal",
      port: 5432,
      displayName: "",
      checkIntervalMs: 30_000,
      checkTimeoutMs: 2_000,
    });
  });

  it("ignores output-only fields", () => {
    expect(apply(TCP, { id: "svc_other", paused: true }, ["id", "state", "state.status", "create_time", "paused", "pause_time"])).toEqual(
      TCP_SETTINGS,
    );
  });

  it.each<[ServiceConfig, MessageInitShape<typeof ServiceSchema>, string[], string | RegExp]>([
    [TCP, {}, ["display_name", "displayName"], /^update_mask\.paths\[1\]: "displayName" is not a field UpdateService can change/],
    [TCP, {}, ["http.nope"], /^update_mask\.paths\[0\]: "http\.nope" is not a field/],
    [TCP, {}, [""], /^update_mask\.paths\[0\]: "" is not a field/],
    [TCP, {}, ["tcp", "http"], 'update_mask.paths[1]: names both "tcp" and "http": a service has one kind of check'],
    [TCP, {}, ["http.url"], /^update_mask\.paths\[0\]: "http\.url" changes an HTTP check, but the service is checked by TCP; name "http" to switch/],
    [HTTP, {}, ["display_name", "tcp.close_mode"], /^update_mask\.paths\[1\]: "tcp\.close_mode" changes a TCP check, but the service is checked by HTTP; name "tcp" to switch/],
    [HTTP, { host: "web.test" }, ["host"], "service.host: must be empty with http; the URL names the host"],
    [HTTP, { port: 80 }, [], "service.port: must be 0 with http; the URL names the port"],
    [HTTP, { probe: { case: "http", value: { bodyRegex: "ok" } } }, ["http.body_regex"], "service.http.body_keyword: must be empty when service.http.body_regex is set (one body check)"],
    [HTTP, { probe: { case: "http", value: { bodyRegex: "(" } } }, ["http.body_regex", "http.body_keyword"], /^service\.http\.body_regex: does not compile/],
    [HTTP, {}, ["http"], "service.http.url: must not be empty"],
    [TCP, { checkInterval: durationFromMs(10) }, [], "service.check_interval: must be between 1s and 24h, got 10ms"],
  ])("refuses %#: %j", (current, p, paths, message) => {
    const got = refusal(() => apply(current, p, paths));
    if (typeof message === "string") expect(got).toBe(message);
    else expect(got).toMatch(message);
  });
});
