/**
 * The body check of an HTTP probe: a regular expression or a plain keyword,
 * either one invertible, with the regex's capture groups reported.
 *
 * Why RE2 (the `re2js` package) and not `RegExp` with a time bound: a
 * backtracking engine can take exponential time on patterns such as
 * `(a+)+$`, and the body comes from the monitored server, so anyone who
 * controls a monitored page could stall every check. RE2 matches in time
 * linear in the body (at most 64 KiB here), so no pattern can stall the
 * event loop. A time bound would need a worker thread per match (a message
 * round trip and a copy of the body per check, at thousands of checks a
 * second) or `vm` with a timeout (which still blocks the event loop for the
 * whole timeout on every bad check). `re2js` is pure JavaScript: nothing to
 * build or download at install, unlike the native `re2` binding.
 *
 * The cost: RE2 syntax, not JavaScript's. No backreferences or lookahead;
 * flags are written inline (`(?i)ok`); named groups are `(?P<name>…)` or
 * `(?<name>…)`. A pattern RE2 rejects is reported by `compileBodyMatch`, so
 * the API can refuse it at registration (INVALID_ARGUMENT naming the field).
 */

import { RE2JS } from "re2js";

/** What to look for in the body; mirrors HttpProbe's body_regex / body_keyword / invert_body_match. */
export type BodyMatchSpec =
  | { readonly kind: "regex"; readonly pattern: string; readonly invert: boolean }
  | { readonly kind: "keyword"; readonly keyword: string; readonly invert: boolean };

/** The regex's groups at the match; empty for a keyword, a failed or an inverted check. */
export interface Captures {
  /** Groups 1..n in order (index 0 is group 1); null for a group that took no part in the match. */
  readonly groups: readonly (string | null)[];
  /** Named groups by name (each is also in `groups` under its number). */
  readonly named: Readonly<Record<string, string | null>>;
}

/** The outcome of one body check: a value, never an exception. */
export interface BodyMatchOutcome {
  readonly ok: boolean;
  /** "" when ok; otherwise why, e.g. "body does not match /ok/". */
  readonly detail: string;
  readonly captures: Captures;
}

/** A compiled check, reused for every check of a service. */
export type BodyMatcher = (body: string) => BodyMatchOutcome;

/** A spec that compiled, or why it did not (the pattern's syntax error, for the API to report). */
export type CompiledBodyMatch =
  | { readonly ok: true; readonly match: BodyMatcher }
  | { readonly ok: false; readonly error: string };

/**
 * Longest capture kept, in UTF-16 code units. A capture goes into every
 * result and status change; a group spanning a whole 64 KiB body should not.
 */
export const MAX_CAPTURE_LENGTH = 1_024;

/** No captures: shared, so a keyword or failed check allocates none. */
export const NO_CAPTURES: Captures = Object.freeze({ groups: Object.freeze([]), named: Object.freeze({}) });

/** Compiles a body check once; the matcher it returns never throws. */
export function compileBodyMatch(spec: BodyMatchSpec): CompiledBodyMatch {
  if (spec.kind === "keyword") return { ok: true, match: keywordMatcher(spec.keyword, spec.invert) };
  let regex: RE2JS;
  try {
    regex = RE2JS.compile(spec.pattern);
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  return { ok: true, match: regexMatcher(regex, spec.pattern, spec.invert) };
}

/**
 * Why a body regex does not compile, or undefined when it does: what
 * checkHttpProbe's `regexError` asks (domain/http-probe-rules.ts). The
 * checks' own engine decides, so a pattern accepted by the API, a config
 * file or a loaded store always runs.
 */
export function bodyRegexError(pattern: string): string | undefined {
  const compiled = compileBodyMatch({ kind: "regex", pattern, invert: false });
  // re2js words every error "error parsing regexp: …"; the callers say "does not compile" already.
  return compiled.ok ? undefined : compiled.error.replace(/^error parsing regexp: /, "");
}

function keywordMatcher(keyword: string, invert: boolean): BodyMatcher {
  const quoted = JSON.stringify(keyword);
  const missing: BodyMatchOutcome = { ok: false, detail: `body does not contain ${quoted}`, captures: NO_CAPTURES };
  const present: BodyMatchOutcome = { ok: false, detail: `body contains ${quoted}`, captures: NO_CAPTURES };
  const passed: BodyMatchOutcome = { ok: true, detail: "", captures: NO_CAPTURES };
  return (body) => {
    const found = body.includes(keyword);
    if (found) return invert ? present : passed;
    return invert ? passed : missing;
  };
}

function regexMatcher(regex: RE2JS, pattern: string, invert: boolean): BodyMatcher {
  const missing: BodyMatchOutcome = { ok: false, detail: `body does not match /${pattern}/`, captures: NO_CAPTURES };
  const present: BodyMatchOutcome = { ok: false, detail: `body matches /${pattern}/`, captures: NO_CAPTURES };
  const passed: BodyMatchOutcome = { ok: true, detail: "", captures: NO_CAPTURES };
  const groupCount = regex.groupCount();
  const names = Object.entries(regex.namedGroups());
  return (body) => {
    let matcher;
    let found: boolean;
    try {
      matcher = regex.matcher(body);
      found = matcher.find();
    } catch (error) {
      // Not expected from RE2 on a string; reported rather than thrown.
      return { ok: false, detail: `body check failed: ${error instanceof Error ? error.message : String(error)}`, captures: NO_CAPTURES };
    }
    if (!found) return invert ? passed : missing;
    if (invert) return present;
    if (groupCount === 0) return passed;
    const groups: (string | null)[] = [];
    for (let i = 1; i <= groupCount; i++) groups.push(clip(matcher.group(i)));
    const named: Record<string, string | null> = {};
    for (const [name, index] of names) named[name] = groups[index - 1] ?? null;
    return { ok: true, detail: "", captures: { groups, named } };
  };
}

/**
 * A capture as it is kept: at most MAX_CAPTURE_LENGTH, and NUL shown as
 * U+FFFD — a body may hold any byte, but a capture goes into the store, and
 * PostgreSQL cannot keep U+0000 in text or jsonb (SQLite can).
 */
function clip(value: string | null): string | null {
  if (value === null) return null;
  const kept = value.length > MAX_CAPTURE_LENGTH ? value.slice(0, MAX_CAPTURE_LENGTH) : value;
  return kept.includes("\u0000") ? kept.replaceAll("\u0000", "\ufffd") : kept;
}
