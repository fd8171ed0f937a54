import { describe, expect, it } from "vitest";
import { MonitorError } from "../../server/domain/monitor-error.js";
import { checkHttpProbe, type HttpProbeInput, HTTP_LIMITS } from "../../server/domain/http-probe-rules.js";

/** The pure rules of an HTTP probe's settings (the transport tests repeat the main ones end to end). */

const noRegexErrors = { regexError: () => undefined };
const check = (input: HttpProbeInput) => checkHttpProbe(input, noRegexErrors);

function refusal(input: HttpProbeInput, options: Parameters<typeof checkHttpProbe>[1] = noRegexErrors): string {
  try {
    checkHttpProbe(input, options);
  } catch (error) {
    expect(error).toBeInstanceOf(MonitorError);
    expect((error as MonitorError).kind).toBe("invalid_argument");
    return (error as MonitorError).message;
  }
  throw new Error("expected a refusal");
}

describe("checkHttpProbe", () => {
  it("fills every default and derives host and port from the URL", () => {
    expect(check({ url: "https://Example.TEST/health#top" })).toEqual({
      probe: {
        kind: "http",
        url: "https://example.test/health",
        method: "GET",
        headers: {},
        body: new Uint8Array(),
        acceptedStatuses: [{ min: 200, max: 399 }],
        bodyRegex: "",
        bodyKeyword: "",
        invertBodyMatch: false,
        maxRedirects: 10,
        skipTlsVerify: false,
      },
      host: "example.test",
      port: 443,
    });
    expect(check({ url: "http://[::1]:8080/x" })).toMatchObject({ host: "::1", port: 8080 });
    expect(check({ url: "HTTP://127.0.0.1/" })).toMatchObject({ host: "127.0.0.1", port: 80, probe: { url: "http://127.0.0.1/" } });
  });

  it("keeps what was given, upper-cases the method and stores max 0 as min alone", () => {
    const { probe } = check({
      url: "http://127.0.0.1:8080/hook",
      method: "post",
      headers: { "X-Token": "abc\tdef", Accept: "text/plain" },
      body: new Uint8Array([1, 2, 3]),
      acceptedStatuses: [{ min: 204, max: 0 }, { min: 300, max: 302 }],
      bodyKeyword: "ok",
      invertBodyMatch: true,
      maxRedirects: 0,
      skipTlsVerify: true,
    });
    expect(probe).toMatchObject({
      method: "POST",
      headers: { "X-Token": "abc\tdef", Accept: "text/plain" },
      acceptedStatuses: [{ min: 204, max: 204 }, { min: 300, max: 302 }],
      bodyKeyword: "ok",
      invertBodyMatch: true,
      maxRedirects: 0,
      skipTlsVerify: true,
    });
  });

  it("names fields through the given function (a config file says its own names)", () => {
    expect(
      refusal({ url: "ftp://x.test/" }, { ...noRegexErrors, field: (name) => `services[2].http.${name}` }),
    ).toMatch(/^services\[2\]\.http\.url: must be an absolute http/);
  });

  it("reports the regex engine's error, and only asks it about a non-empty regex", () => {
    const asked: string[] = [];
    const regexError = (pattern: string) => {
      asked.push(pattern);
      return pattern === "(" ? "missing closing )" : undefined;
    };
    expect(refusal({ url: "http://a.test/", bodyRegex: "(" }, { regexError })).toBe(
      'http.body_regex: does not compile (RE2 syntax): "missing closing )"',
    );
    checkHttpProbe({ url: "http://a.test/", bodyKeyword: "(" }, { regexError });
    expect(asked).toEqual(["("]);
  });

  it.each<[string, HttpProbeInput, string | RegExp]>([
    ["empty url", { url: "" }, "http.url: must not be empty"],
    ["relative url", { url: "/health" }, /^http\.url: must be an absolute http:\/\/ or https:\/\/ URL/],
    ["other scheme", { url: "ftp://a.test/" }, /^http\.url: must be an absolute/],
    ["scheme without slashes", { url: "http:a.test" }, /^http\.url: must be an absolute/],
    ["unparsable", { url: "http://a b/" }, /^http\.url: must be an absolute/],
    ["credentials", { url: "https://user:pw@a.test/" }, "http.url: must not contain user:password (send an Authorization header instead)"],
    ["user only", { url: "https://user@a.test/" }, /^http\.url: must not contain user:password/],
    ["too long", { url: `http://a.test/${"x".repeat(2048)}` }, "http.url: must be at most 2048 characters, got 2062"],
    ["longer once encoded", { url: `http://a.test/${" ".repeat(1000)}x` }, /^http\.url: must be at most 2048 characters once normalised/],
    ["bad host", { url: "http://a_b.test/" }, /^http\.url: "a_b.test" is neither a valid hostname nor an IP address/],
    ["port 0", { url: "http://a.test:0/" }, "http.url: port must be between 1 and 65535, got 0"],
    ["method", { url: "http://a.test/", method: "PUT" }, 'http.method: must be GET, HEAD or POST, got "PUT"'],
    ["header name", { url: "http://a.test/", headers: { "X Bad": "1" } }, 'http.headers: "X Bad" is not a valid header name (an RFC 9110 token)'],
    ["empty header name", { url: "http://a.test/", headers: { "": "1" } }, /^http\.headers: "" is not a valid header name/],
    ["header value CR LF", { url: "http://a.test/", headers: { "X-A": "1\r\nX-B: 2" } }, /^http\.headers\["X-A"\]: must be visible ASCII/],
    ["header value NUL", { url: "http://a.test/", headers: { "X-A": "a\u0000" } }, /^http\.headers\["X-A"\]: must be visible ASCII/],
    ["header value non-ASCII", { url: "http://a.test/", headers: { "X-A": "é" } }, /^http\.headers\["X-A"\]:/],
    ["Host header", { url: "http://a.test/", headers: { host: "b.test" } }, 'http.headers: "host" is set by the check itself and may not be given'],
    ["Content-Length", { url: "http://a.test/", headers: { "Content-Length": "1" } }, /"Content-Length" is set by the check itself/],
    ["Connection", { url: "http://a.test/", headers: { Connection: "keep-alive" } }, /"Connection" is set by the check itself/],
    ["Transfer-Encoding", { url: "http://a.test/", headers: { "transfer-encoding": "chunked" } }, /"transfer-encoding" is set by the check itself/],
    ["same name twice", { url: "http://a.test/", headers: { Accept: "a", accept: "b" } }, 'http.headers: "accept" is given twice (names ignore case)'],
    ["33 headers", { url: "http://a.test/", headers: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`x-${i}`, "1"])) }, "http.headers: at most 32 headers, got 33"],
    ["over 8 KiB", { url: "http://a.test/", headers: { "x-big": "v".repeat(8192) } }, "http.headers: must be at most 8192 bytes of names and values, got 8197"],
    ["body over 16 KiB", { url: "http://a.test/", method: "POST", body: new Uint8Array(16 * 1024 + 1) }, "http.body: must be at most 16384 bytes, got 16385"],
    ["body with GET", { url: "http://a.test/", body: new Uint8Array([1]) }, "http.body: may only be sent with POST, method is GET"],
    ["body with HEAD", { url: "http://a.test/", method: "HEAD", body: new Uint8Array([1]) }, "http.body: may only be sent with POST, method is HEAD"],
    ["status min low", { url: "http://a.test/", acceptedStatuses: [{ min: 99, max: 0 }] }, "http.accepted_statuses[0].min: must be between 100 and 599, got 99"],
    ["status min high", { url: "http://a.test/", acceptedStatuses: [{ min: 200, max: 0 }, { min: 600, max: 0 }] }, "http.accepted_statuses[1].min: must be between 100 and 599, got 600"],
    ["status reversed", { url: "http://a.test/", acceptedStatuses: [{ min: 300, max: 200 }] }, "http.accepted_statuses[0].max: must be 0 (min alone) or between min (300) and 599, got 200"],
    ["status max high", { url: "http://a.test/", acceptedStatuses: [{ min: 200, max: 600 }] }, /^http\.accepted_statuses\[0\]\.max: must be 0 \(min alone\)/],
    ["17 ranges", { url: "http://a.test/", acceptedStatuses: Array.from({ length: 17 }, () => ({ min: 200, max: 0 })) }, "http.accepted_statuses: at most 16 ranges, got 17"],
    ["regex too long", { url: "http://a.test/", bodyRegex: "a".repeat(1025) }, "http.body_regex: must be at most 1024 characters, got 1025"],
    ["keyword too long", { url: "http://a.test/", bodyKeyword: "a".repeat(1025) }, "http.body_keyword: must be at most 1024 characters, got 1025"],
    ["regex and keyword", { url: "http://a.test/", bodyRegex: "ok", bodyKeyword: "ok" }, "http.body_keyword: must be empty when http.body_regex is set (one body check)"],
    ["invert nothing", { url: "http://a.test/", invertBodyMatch: true }, "http.invert_body_match: needs http.body_regex or http.body_keyword to invert"],
    ["21 redirects", { url: "http://a.test/", maxRedirects: 21 }, "http.max_redirects: must be between 0 and 20, got 21"],
  ])("refuses %s", (_name, input, message) => {
    const got = refusal(input);
    if (typeof message === "string") expect(got).toBe(message);
    else expect(got).toMatch(message);
  });

  it("accepts each bound exactly", () => {
    expect(() =>
      check({
        url: `http://a.test/${"x".repeat(HTTP_LIMITS.urlLength - "http://a.test/".length)}`,
        method: "POST",
        headers: Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`x-${String(i).padStart(2, "0")}`, "v".repeat(250)])),
        body: new Uint8Array(HTTP_LIMITS.bodyBytes),
        acceptedStatuses: Array.from({ length: 16 }, () => ({ min: 100, max: 599 })),
        bodyRegex: "a".repeat(1024),
        maxRedirects: 20,
      }),
    ).not.toThrow();
  });
});

describe("checkHttpProbe: text the store keeps", () => {
  it("refuses NUL in a body regex or keyword, naming the field (a regex can say \\x00)", () => {
    expect(refusal({ url: "http://a.test/", bodyRegex: "ok\u0000" })).toBe("http.body_regex: must not contain NUL (U+0000)");
    expect(refusal({ url: "http://a.test/", bodyKeyword: "\u0000" })).toBe("http.body_keyword: must not contain NUL (U+0000)");
    expect(check({ url: "http://a.test/", bodyRegex: "ok\\x00" }).probe.bodyRegex).toBe("ok\\x00");
  });
});

describe("checkHttpProbe: settings that could never act", () => {
  it("refuses a body check on HEAD, whose response has no body", () => {
    expect(refusal({ url: "http://a.test/", method: "HEAD", bodyKeyword: "ok" })).toBe(
      "http.body_keyword: needs GET or POST: a HEAD response has no body",
    );
    expect(refusal({ url: "http://a.test/", method: "head", bodyRegex: "ok" })).toBe("http.body_regex: needs GET or POST: a HEAD response has no body");
    expect(check({ url: "http://a.test/", method: "HEAD" }).probe.method).toBe("HEAD");
  });

  it("refuses a header named __proto__, which an object would drop silently", () => {
    const headers = Object.fromEntries([["__proto__", "x"], ["X-A", "1"]]) as Record<string, string>;
    expect(Object.keys(headers)).toEqual(["__proto__", "X-A"]);
    expect(refusal({ url: "http://a.test/", headers })).toBe('http.headers: "__proto__" is not a usable header name');
  });
});
