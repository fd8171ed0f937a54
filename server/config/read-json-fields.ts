import { parseDuration } from "@service-monitor/sdk";
import { checkMs, type MsRange } from "../domain/field-rules.js";
import { MonitorError } from "../domain/monitor-error.js";
import { quoteInput } from "../domain/quote-input.js";
import { parseRfc3339 } from "./parse-rfc3339.js";

/** One thing wrong with a config file: where (a JSON path such as `$.services[2].port`) and which rule. */
export interface ConfigIssue {
  readonly path: string;
  readonly rule: string;
}

/** A JSON object, as read from the file. */
export type JsonObject = Readonly<Record<string, unknown>>;

/** `$.services[0].port`, or `$.services[0]["we ird"]` for a key that is not an identifier. */
export function keyPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${quoteInput(key)}]`;
}

/** A value as a message shows it: strings quoted (and cut), containers by kind. */
export function describeJson(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") return quoteInput(value);
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return String(value);
}

/**
 * Reads the fields of a JSON document, collecting every problem instead of
 * stopping at the first, so one refusal tells the operator everything to fix.
 * Each reader returns undefined when the value is wrong (and records why),
 * or the value, or the default when the key is absent.
 */
export function createJsonFieldReader() {
  const issues: ConfigIssue[] = [];
  const fail = (path: string, rule: string): undefined => {
    issues.push({ path, rule });
    return undefined;
  };

  /** Runs a domain field rule on `path`; its invalid_argument becomes an issue there. */
  function rule<T>(path: string, check: (field: string) => T): T | undefined {
    try {
      return check(path);
    } catch (error) {
      if (!(error instanceof MonitorError) || error.kind !== "invalid_argument") throw error;
      const prefix = `${path}: `;
      return fail(path, error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message);
    }
  }

  /**
   * An object whose keys must be among `allowed`: an unknown key is an issue
   * (a typo must not silently do nothing), but the object is still returned,
   * so its other fields are checked too.
   */
  function object(value: unknown, path: string, allowed: readonly string[]): JsonObject | undefined {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return fail(path, `must be an object, got ${describeJson(value)}`);
    }
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) fail(keyPath(path, key), `unknown key; expected one of ${allowed.join(", ")}`);
    }
    return value as JsonObject;
  }

  /** Whether no issue was recorded since `mark()` returned `since`: an entry is used only when all of it is valid. */
  const mark = () => issues.length;
  const cleanSince = (since: number) => issues.length === since;

  /** An array's items; an absent key is an empty list. */
  function list(from: JsonObject, key: string, path: string): readonly unknown[] | undefined {
    const value = from[key];
    if (value === undefined) return [];
    return Array.isArray(value) ? value : fail(keyPath(path, key), `must be an array, got ${describeJson(value)}`);
  }

  function string(from: JsonObject, key: string, path: string, fallback?: string): string | undefined {
    const value = from[key];
    if (value === undefined) return fallback ?? fail(keyPath(path, key), "is required");
    return typeof value === "string" ? value : fail(keyPath(path, key), `must be a string, got ${describeJson(value)}`);
  }

  function number(from: JsonObject, key: string, path: string, fallback?: number): number | undefined {
    const value = from[key];
    if (value === undefined) return fallback ?? fail(keyPath(path, key), "is required");
    return typeof value === "number" ? value : fail(keyPath(path, key), `must be a number, got ${describeJson(value)}`);
  }

  function boolean(from: JsonObject, key: string, path: string, fallback: boolean): boolean | undefined {
    const value = from[key];
    if (value === undefined) return fallback;
    return typeof value === "boolean" ? value : fail(keyPath(path, key), `must be true or false, got ${describeJson(value)}`);
  }

  /** An object of string values (e.g. request headers); an absent key is an empty one. */
  function stringRecord(from: JsonObject, key: string, path: string): Readonly<Record<string, string>> | undefined {
    const value = from[key];
    const at = keyPath(path, key);
    if (value === undefined) return {};
    if (typeof value !== "object" || value === null || Array.isArray(value)) return fail(at, `must be an object, got ${describeJson(value)}`);
    const since = issues.length;
    for (const [name, item] of Object.entries(value)) {
      if (typeof item !== "string") fail(keyPath(at, name), `must be a string, got ${describeJson(item)}`);
    }
    return issues.length === since ? (value as Readonly<Record<string, string>>) : undefined;
  }

  /** A duration string ("30s", "500ms") within `range`, in milliseconds; `fallback` when absent. */
  function duration(from: JsonObject, key: string, path: string, range: MsRange, fallback: number): number | undefined {
    const value = from[key];
    const at = keyPath(path, key);
    if (value === undefined) return fallback;
    if (typeof value !== "string") return fail(at, `must be a duration like "30s", got ${describeJson(value)}`);
    const parsed = parseDuration(value);
    if (!parsed.ok) return fail(at, parsed.message);
    return rule(at, (field) => checkMs(parsed.ms, field, range));
  }

  /** An RFC 3339 time, in epoch milliseconds. */
  function time(from: JsonObject, key: string, path: string): number | undefined {
    const value = string(from, key, path);
    if (value === undefined) return undefined;
    const ms = parseRfc3339(value);
    return ms ?? fail(keyPath(path, key), `must be an RFC 3339 time like "2026-11-23T22:00:00Z", got ${describeJson(value)}`);
  }

  return { issues, fail, rule, object, mark, cleanSince, list, string, number, boolean, stringRecord, duration, time };
}

export type JsonFieldReader = ReturnType<typeof createJsonFieldReader>;
