import type { HttpCheckDetails, HttpPhases } from "../domain/types.js";

/**
 * How an HTTP check's details (HttpCheckDetails) sit in the store: as JSON,
 * in an observation's `http` column and in a status_change event's payload.
 * One codec for both, so an observation and the event it caused hold the
 * same shape.
 *
 * JSON has no `undefined`: a missing status code or TLS expiry is written as
 * null (a key JSON.stringify would silently drop otherwise), and read back as
 * undefined. Decoding checks every field and keeps only the known ones; it
 * takes an absent status code or expiry as undefined too, since that is how
 * the in-memory value it also checks (before an append) holds them.
 */

/** The JSON form of HttpCheckDetails: what `JSON.stringify` of it writes. */
export interface HttpDetailsJson {
  readonly statusCode: number | null;
  readonly phases: HttpPhases;
  readonly tlsExpiresAt: number | null;
  readonly captures: readonly (string | null)[];
  readonly namedCaptures: Readonly<Record<string, string | null>>;
}

const PHASES = ["dnsMs", "connectMs", "tlsMs", "firstByteMs", "totalMs"] as const;

/** The details as JSON, known fields in a fixed order whatever else the object carried. */
export function httpDetailsToJson(details: HttpCheckDetails): HttpDetailsJson {
  const p = details.phases;
  return {
    statusCode: details.statusCode ?? null,
    phases: { dnsMs: p.dnsMs, connectMs: p.connectMs, tlsMs: p.tlsMs, firstByteMs: p.firstByteMs, totalMs: p.totalMs },
    tlsExpiresAt: details.tlsExpiresAt ?? null,
    captures: [...details.captures],
    // fromEntries defines own properties, so a group named "__proto__" stays a group.
    namedCaptures: Object.fromEntries(Object.entries(details.namedCaptures)),
  };
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks parsed JSON (or an in-memory value about to be stored) is
 * HttpCheckDetails and returns a copy of its known fields. `fail` throws the
 * caller's error for `field` (a path inside the details, like
 * `phases.dnsMs`; "" for the whole value) breaking `rule`.
 */
export function toHttpDetails(value: unknown, fail: (field: string, rule: string) => never): HttpCheckDetails {
  if (!isObject(value)) return fail("", "expected an object");
  const { statusCode, phases, tlsExpiresAt, captures, namedCaptures } = value;
  if (statusCode !== null && statusCode !== undefined && !(Number.isInteger(statusCode) && (statusCode as number) >= 0)) {
    fail("statusCode", `expected a non-negative integer or null, got ${describe(statusCode)}`);
  }
  if (!isObject(phases)) return fail("phases", "expected an object");
  const checkedPhases = Object.fromEntries(
    PHASES.map((name) => {
      const ms = phases[name];
      if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
        fail(`phases.${name}`, `expected a non-negative number, got ${describe(ms)}`);
      }
      return [name, ms];
    }),
  ) as unknown as HttpPhases;
  if (tlsExpiresAt !== null && tlsExpiresAt !== undefined && !(typeof tlsExpiresAt === "number" && Number.isFinite(tlsExpiresAt))) {
    fail("tlsExpiresAt", `expected a finite number or null, got ${describe(tlsExpiresAt)}`);
  }
  if (!Array.isArray(captures)) return fail("captures", "expected an array");
  captures.forEach((capture: unknown, i) => {
    if (capture !== null && typeof capture !== "string") fail(`captures[${i}]`, `expected a string or null, got ${describe(capture)}`);
  });
  if (!isObject(namedCaptures)) return fail("namedCaptures", "expected an object");
  for (const [name, capture] of Object.entries(namedCaptures)) {
    if (capture !== null && typeof capture !== "string") {
      fail(`namedCaptures[${JSON.stringify(name)}]`, `expected a string or null, got ${describe(capture)}`);
    }
  }
  return {
    statusCode: (statusCode as number | null | undefined) ?? undefined,
    phases: checkedPhases,
    tlsExpiresAt: (tlsExpiresAt as number | null | undefined) ?? undefined,
    captures: [...(captures as (string | null)[])],
    namedCaptures: Object.fromEntries(Object.entries(namedCaptures as Record<string, string | null>)),
  };
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
