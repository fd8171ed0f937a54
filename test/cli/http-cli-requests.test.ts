import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { buildRegisterRequest } from "../../sdk/cli/build-register-request.js";
import { buildServiceUpdate } from "../../sdk/cli/build-service-update.js";
import { HTTP_ADD_FLAGS, HTTP_UPDATE_FLAGS } from "../../sdk/cli/http-flags.js";
import { parseCommandLine } from "../../sdk/cli/parse-command-line.js";
import { parseCheckTarget, parseExpectFlag, parseHeaderFlags } from "../../sdk/cli/parse-human-input.js";
import { convertRequest } from "../../sdk/convert-request.js";
import { RegisterServiceRequestSchema, UpdateServiceRequestSchema } from "../../sdk/gen/monitor/v1/management_service_pb.js";
import { ServiceSchema, TcpCloseMode } from "../../sdk/gen/monitor/v1/resources_pb.js";

/** monitorctl's HTTP flags → RegisterService and UpdateService requests, without a server. */

const ADD_SPEC = { name: "value", interval: "value", timeout: "value", close: "value", json: "switch", ...HTTP_ADD_FLAGS } as const;
const UPDATE_SPEC = { name: "value", interval: "value", timeout: "value", address: "value", close: "value", json: "switch", ...HTTP_UPDATE_FLAGS } as const;

const add = (...args: string[]) => buildRegisterRequest(parseCommandLine(args, ADD_SPEC));
const bytes = (text: string) => new TextEncoder().encode(text);

const tcpService = create(ServiceSchema, { id: "svc_tcp", host: "db", port: 5432, probe: { case: "tcp", value: {} } });
const httpService = create(ServiceSchema, { id: "svc_web", host: "example.test", port: 443, probe: { case: "http", value: { url: "https://example.test/health" } } });
const update = (current: typeof tcpService, ...args: string[]) => buildServiceUpdate(current, parseCommandLine(["ID", ...args], UPDATE_SPEC));

describe("services add: the target picks the kind of check", () => {
  it("HOST:PORT is TCP as before, with --close", () => {
    expect(add("db.internal:5432", "--name", "db", "--interval", "10s", "--timeout", "500ms", "--close", "reset")).toEqual({
      displayName: "db",
      checkInterval: 10_000,
      checkTimeout: 500,
      host: "db.internal",
      port: 5432,
      tcp: { closeMode: TcpCloseMode.RESET },
    });
    expect(add("[::1]:8080")).toEqual({ displayName: "", host: "::1", port: 8080 });
  });

  it("a URL is HTTP; with no HTTP flags only the URL is sent (the server fills in the defaults)", () => {
    expect(add("https://example.test/health")).toEqual({ displayName: "", http: { url: "https://example.test/health" } });
    expect(add("HTTP://Example.test:8080/")).toEqual({ displayName: "", http: { url: "HTTP://Example.test:8080/" } });
  });

  it.each([
    [["--method", "post"], { method: "POST" }],
    [["--header", "Authorization: Bearer x", "--header", "X-Trace:1"], { headers: { Authorization: "Bearer x", "X-Trace": "1" } }],
    [["--body", '{"ping":1}'], { body: bytes('{"ping":1}') }],
    [["--expect", "200-299,304"], { acceptedStatuses: [{ min: 200, max: 299 }, { min: 304, max: 304 }] }],
    [["--match", "status: (\\w+)"], { bodyRegex: "status: (\\w+)", bodyKeyword: "" }],
    [["--keyword", "ok"], { bodyKeyword: "ok", bodyRegex: "" }],
    [["--invert"], { invertBodyMatch: true }],
    [["--max-redirects", "0"], { maxRedirects: 0 }],
    [["--insecure"], { skipTlsVerify: true }],
  ])("%j sets %j", (flags, settings) => {
    expect(add("https://example.test/health", ...flags)).toEqual({ displayName: "", http: { url: "https://example.test/health", ...settings } });
  });

  it("the issue's example makes a request the SDK turns into a valid RegisterServiceRequest", () => {
    const request = add("https://example.test/health", "--expect", "200-299", "--match", "ok", "--interval", "5s");
    const message = create(RegisterServiceRequestSchema, convertRequest(RegisterServiceRequestSchema, request));
    expect(message.probe.case).toBe("http");
    expect(message.probe.value).toMatchObject({ url: "https://example.test/health", bodyRegex: "ok", acceptedStatuses: [{ min: 200, max: 299 }] });
    expect(message.checkInterval?.seconds).toBe(5n);
  });

  it("refuses flags of the other kind, and what it cannot parse, naming the flag", () => {
    expect(() => add("db:5432", "--expect", "200")).toThrow("--expect: only for an HTTP check (give a URL, e.g. http://db:5432/)");
    expect(() => add("db:5432", "--insecure")).toThrow(/^--insecure: only for an HTTP check/);
    expect(() => add("https://x.test/", "--close", "fin")).toThrow("--close: only for a TCP check (HOST:PORT), not a URL");
    expect(() => add("https://x.test/", "--expect", "200-2x9")).toThrow('--expect: expected status codes like "200-299,304" or "2xx", got "200-2x9"');
    expect(() => add("https://x.test/", "--header", "no colon")).toThrow('--header: expected "NAME: VALUE" (e.g. "Authorization: Bearer x"), got "no colon"');
    expect(() => add("https://x.test/", "--max-redirects", "ten")).toThrow('--max-redirects: expected a whole number, got "ten"');
    expect(() => add("https://x.test/", "--match", "a", "--keyword", "b")).toThrow("--match and --keyword exclude each other");
    expect(() => add("ftp://x.test/")).toThrow('expected HOST:PORT or an http:// or https:// URL, got "ftp://x.test/"');
    expect(() => parseCommandLine(["https://x.test/", "--no-invert"], ADD_SPEC)).toThrow("unknown flag --no-invert");
  });
});

describe("human input for HTTP checks", () => {
  it("reads targets, headers and status lists", () => {
    expect(parseCheckTarget("https://a.test/x?y=1")).toEqual({ kind: "http", url: "https://a.test/x?y=1" });
    expect(parseCheckTarget("a.test:80")).toEqual({ kind: "tcp", host: "a.test", port: 80 });
    expect(parseHeaderFlags(["Accept: text/html", "accept: x", "Accept:  application/json ", "X-Empty:"])).toEqual({
      Accept: "text/html, application/json",
      accept: "x",
      "X-Empty": "",
    });
    expect(parseHeaderFlags(["Link: <a:b>"])).toEqual({ Link: "<a:b>" });
    expect(() => parseHeaderFlags([": v"])).toThrow(/^--header:/);
    expect(parseExpectFlag("200")).toEqual([{ min: 200, max: 200 }]);
    expect(parseExpectFlag(" 200-204 , 404 ")).toEqual([{ min: 200, max: 204 }, { min: 404, max: 404 }]);
    expect(parseExpectFlag("")).toEqual([]);
    expect(parseExpectFlag("2xx,304")).toEqual([{ min: 200, max: 299 }, { min: 304, max: 304 }]);
    // 100-599 is the server's rule, worded once there; a written range that ends before it starts is refused here.
    expect(parseExpectFlag("600-700")).toEqual([{ min: 600, max: 700 }]);
    expect(() => parseExpectFlag("600-100")).toThrow('--expect: "600-100" ends before it starts');
    expect(() => parseExpectFlag("6xx")).toThrow(/^--expect:/);
  });

  it("collects a repeatable flag's values in order, keeping the last as its value", () => {
    const parsed = parseCommandLine(["--header", "A: 1", "--header=B: 2"], { header: "values" });
    expect(parsed.lists.get("header")).toEqual(["A: 1", "B: 2"]);
    expect(parsed.flags.get("header")).toBe("B: 2");
  });
});

describe("services update: the mask names exactly the flags given", () => {
  it.each([
    [["--name", "web"], { displayName: "web" }, ["display_name"]],
    [["--interval", "10s"], { checkInterval: 10_000 }, ["check_interval"]],
    [["--timeout", "3s"], { checkTimeout: 3000 }, ["check_timeout"]],
    [["--url", "https://example.test/v2"], { http: { url: "https://example.test/v2" } }, ["http.url"]],
    [["--method", "HEAD"], { http: { method: "HEAD" } }, ["http.method"]],
    [["--header", "A: 1"], { http: { headers: { A: "1" } } }, ["http.headers"]],
    [["--no-headers"], { http: { headers: {} } }, ["http.headers"]],
    [["--body", "x"], { http: { body: bytes("x") } }, ["http.body"]],
    [["--expect", "200-204"], { http: { acceptedStatuses: [{ min: 200, max: 204 }] } }, ["http.accepted_statuses"]],
    [["--expect", ""], { http: { acceptedStatuses: [] } }, ["http.accepted_statuses"]],
    [["--match", "ok"], { http: { bodyRegex: "ok", bodyKeyword: "" } }, ["http.body_regex", "http.body_keyword"]],
    [["--keyword", "ok"], { http: { bodyKeyword: "ok", bodyRegex: "" } }, ["http.body_keyword", "http.body_regex"]],
    [["--match", ""], { http: { bodyRegex: "", bodyKeyword: "" } }, ["http.body_regex", "http.body_keyword"]],
    [["--invert"], { http: { invertBodyMatch: true } }, ["http.invert_body_match"]],
    [["--no-invert"], { http: { invertBodyMatch: false } }, ["http.invert_body_match"]],
    [["--max-redirects", "3"], { http: { maxRedirects: 3 } }, ["http.max_redirects"]],
    [["--insecure"], { http: { skipTlsVerify: true } }, ["http.skip_tls_verify"]],
    [["--no-insecure"], { http: { skipTlsVerify: false } }, ["http.skip_tls_verify"]],
  ])("an HTTP check: %j", (flags, fields, mask) => {
    expect(update(httpService, ...flags)).toEqual({ service: { id: "svc_web", ...fields }, updateMask: mask });
  });

  it("combines flags into one mask, in a stable order", () => {
    expect(update(httpService, "--interval", "5s", "--expect", "200", "--name", "web", "--insecure")).toEqual({
      service: { id: "svc_web", displayName: "web", checkInterval: 5000, http: { acceptedStatuses: [{ min: 200, max: 200 }], skipTlsVerify: true } },
      updateMask: ["display_name", "check_interval", "http.accepted_statuses", "http.skip_tls_verify"],
    });
  });

  it("a TCP check: --address changes host and port, --close the close mode", () => {
    expect(update(tcpService, "--address", "db2:6432")).toEqual({ service: { id: "svc_tcp", host: "db2", port: 6432 }, updateMask: ["host", "port"] });
    expect(update(tcpService, "--close", "fin")).toEqual({ service: { id: "svc_tcp", tcp: { closeMode: TcpCloseMode.FIN } }, updateMask: ["tcp.close_mode"] });
  });

  it("switches the kind only when told what the new check is: --url (TCP → HTTP), --address (HTTP → TCP)", () => {
    expect(update(tcpService, "--url", "http://db:8080/health", "--expect", "200")).toEqual({
      service: { id: "svc_tcp", http: { url: "http://db:8080/health", acceptedStatuses: [{ min: 200, max: 200 }] } },
      updateMask: ["http"],
    });
    expect(update(httpService, "--address", "example.test:443", "--close", "reset")).toEqual({
      service: { id: "svc_web", host: "example.test", port: 443, tcp: { closeMode: TcpCloseMode.RESET } },
      updateMask: ["host", "port", "tcp"],
    });
    expect(update(httpService, "--address", "example.test:443").service).toMatchObject({ tcp: {} });
  });

  it("what it makes is a valid UpdateServiceRequest once the SDK converts it", () => {
    const message = create(UpdateServiceRequestSchema, convertRequest(UpdateServiceRequestSchema, update(httpService, "--expect", "200-299,304", "--timeout", "1s")));
    expect(message.updateMask?.paths).toEqual(["check_timeout", "http.accepted_statuses"]);
    expect(message.service?.probe).toMatchObject({ case: "http", value: { acceptedStatuses: [{ min: 200, max: 299 }, { min: 304, max: 304 }] } });
  });

  it("refuses what would need a mask the operator did not type, and an update that changes nothing", () => {
    expect(() => update(tcpService, "--expect", "200")).toThrow("--expect: svc_tcp is a TCP check; give --url too to switch it to an HTTP check");
    expect(() => update(httpService, "--close", "reset")).toThrow("--close: svc_web is an HTTP check; give --address HOST:PORT too to switch it to a TCP check");
    expect(() => update(httpService, "--address", "a:1", "--expect", "200")).toThrow(/^--address and --expect exclude each other/);
    expect(() => update(httpService, "--invert", "--no-invert")).toThrow("--invert and --no-invert exclude each other");
    expect(() => update(httpService, "--header", "A: 1", "--no-headers")).toThrow("--header and --no-headers exclude each other");
    expect(() => update(httpService, "--expect", "200-2x9")).toThrow(/^--expect: expected status codes/);
    expect(() => update(httpService)).toThrow(/^nothing to change: give at least one of --name/);
  });
});
