/**
 * The HTTP body check: keyword, regex (RE2 semantics), invert, captures, and
 * a pathological pattern that a backtracking engine would take minutes or
 * more on (the test's own timeout is what fails if it ever stalls).
 */
import { describe, expect, it } from "vitest";
import { compileBodyMatch, MAX_CAPTURE_LENGTH, type BodyMatcher, type BodyMatchSpec } from "../../server/engine/body-match.js";

function matcher(spec: BodyMatchSpec): BodyMatcher {
  const compiled = compileBodyMatch(spec);
  if (!compiled.ok) throw new Error(`did not compile: ${compiled.error}`);
  return compiled.match;
}

describe("keyword", () => {
  it("passes when the body contains it, as a plain substring (no regex meaning)", () => {
    const match = matcher({ kind: "keyword", keyword: "a.b", invert: false });
    expect(match("x a.b y")).toEqual({ ok: true, detail: "", captures: { groups: [], named: {} } });
    expect(match("x aXb y")).toMatchObject({ ok: false, detail: 'body does not contain "a.b"' });
  });

  it("inverted: fails when the body contains it", () => {
    const match = matcher({ kind: "keyword", keyword: "error", invert: true });
    expect(match("all fine").ok).toBe(true);
    expect(match("an error occurred")).toMatchObject({ ok: false, detail: 'body contains "error"' });
  });
});

describe("regex", () => {
  it("passes on a match anywhere in the body, fails with the pattern in the detail", () => {
    const match = matcher({ kind: "regex", pattern: "ok", invert: false });
    expect(match('{"status":"ok"}').ok).toBe(true);
    expect(match('{"status":"bad"}')).toEqual({ ok: false, detail: "body does not match /ok/", captures: { groups: [], named: {} } });
  });

  it("inverted: fails on a match and reports no captures", () => {
    const match = matcher({ kind: "regex", pattern: "status=(\\w+)", invert: true });
    expect(match("status=down")).toEqual({ ok: false, detail: "body matches /status=(\\w+)/", captures: { groups: [], named: {} } });
    expect(match("nothing here").ok).toBe(true);
  });

  it("reports numbered and named captures (both named syntaxes), null for a group that took no part", () => {
    const match = matcher({ kind: "regex", pattern: "version=(?P<version>[\\d.]+)( beta)?;(?<build>\\d+)", invert: false });
    expect(match("app version=1.4.2;77 up")).toEqual({
      ok: true,
      detail: "",
      captures: { groups: ["1.4.2", null, "77"], named: { version: "1.4.2", build: "77" } },
    });
  });

  it("takes flags inline, RE2 style", () => {
    expect(matcher({ kind: "regex", pattern: "(?i)HEALTHY", invert: false })("healthy").ok).toBe(true);
    expect(matcher({ kind: "regex", pattern: "HEALTHY", invert: false })("healthy").ok).toBe(false);
  });

  it("clips a long capture", () => {
    const match = matcher({ kind: "regex", pattern: "^(x+)$", invert: false });
    const result = match("x".repeat(MAX_CAPTURE_LENGTH * 3));
    expect(result.ok).toBe(true);
    expect(result.captures.groups[0]).toHaveLength(MAX_CAPTURE_LENGTH);
  });

  it("reports a pattern that does not compile (or that RE2 refuses, such as a backreference)", () => {
    const unclosed = compileBodyMatch({ kind: "regex", pattern: "(ok", invert: false });
    expect(unclosed).toEqual({ ok: false, error: expect.stringContaining("missing closing )") });
    const backreference = compileBodyMatch({ kind: "regex", pattern: "(a)\\1", invert: false });
    expect(backreference.ok).toBe(false);
  });

  it("cannot be stalled by catastrophic backtracking: /(a+)+$/ answers at once with a clear detail", () => {
    const match = matcher({ kind: "regex", pattern: "(a+)+$", invert: false });
    // Exponential for a backtracking engine (RegExp would not return within this test's timeout).
    expect(match("aaaaaaaaaaaaaaaaaaaaaaaaaaaa!")).toMatchObject({ ok: false, detail: "body does not match /(a+)+$/" });
    // And on a full 64 KiB body, the largest the probe reads.
    expect(match(`${"a".repeat(64 * 1024 - 1)}!`).ok).toBe(false);
    expect(matcher({ kind: "regex", pattern: "(x+x+)+y", invert: false })("x".repeat(64 * 1024)).ok).toBe(false);
  });
});

describe("captures the store can keep", () => {
  it("shows a NUL in a captured group as U+FFFD (PostgreSQL cannot store U+0000)", () => {
    const outcome = matcher({ kind: "regex", pattern: "state=(?P<s>.*)", invert: false })("state=\u0000ok");
    expect(outcome.ok).toBe(true);
    expect(outcome.captures).toEqual({ groups: ["\ufffdok"], named: { s: "\ufffdok" } });
  });
});
