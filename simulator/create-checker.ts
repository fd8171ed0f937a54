import { describeValue } from "./describe-value.js";
import { parseDuration } from "@service-monitor/sdk";
import type { ScenarioIssue } from "./scenario-error.js";

/** A JSON object whose keys have already been checked against an allow-list. */
export type CheckedObject = Readonly<Record<string, unknown>>;

/**
 * Collects issues while the validator walks a scenario. Each reader returns
 * `undefined` after recording an issue, so callers keep going and report
 * every independent mistake in one pass.
 */
export interface Checker {
  /** Records an issue; returns `undefined` so readers can `return check.issue(...)`. */
  issue(path: string, message: string): undefined;
  /** Requires a plain object and rejects keys outside `keys` (typos are the usual cause). */
  object(value: unknown, path: string, keys: readonly string[]): CheckedObject | undefined;
  duration(value: unknown, path: string): number | undefined;
  /** Requires one of `choices`; used for "up"/"down". */
  oneOf<T extends string>(value: unknown, path: string, choices: readonly T[]): T | undefined;
  issues(): readonly ScenarioIssue[];
}

/** Joins a field onto a parent path, keeping the root path empty-prefixed. */
export function fieldPath(parent: string, key: string): string {
  return parent === "" ? key : `${parent}.${key}`;
}

/** Creates an empty {@link Checker}. */
export function createChecker(): Checker {
  const found: ScenarioIssue[] = [];
  const issue = (path: string, message: string): undefined => {
    found.push({ path: path === "" ? "(root)" : path, message });
    return undefined;
  };
  return {
    issue,
    object(value, path, keys) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        issue(path, `expected an object, got ${describeValue(value)}`);
        return undefined;
      }
      const record = value as CheckedObject;
      for (const key of Object.keys(record)) {
        if (!keys.includes(key)) {
          issue(fieldPath(path, key), `unknown key (expected one of: ${keys.join(", ")})`);
        }
      }
      return record;
    },
    duration(value, path) {
      const result = parseDuration(value);
      if (result.ok) return result.ms;
      issue(path, result.message);
      return undefined;
    },
    oneOf(value, path, choices) {
      const match = choices.find((c) => c === value);
      if (match === undefined) {
        const expected = choices.map((c) => JSON.stringify(c)).join(" or ");
        issue(path, `expected ${expected}, got ${describeValue(value)}`);
      }
      return match;
    },
    issues: () => found,
  };
}
