import { createChecker, fieldPath } from "./create-checker.js";
import { describeValue } from "./describe-value.js";
import type { ScenarioIssue } from "./scenario-error.js";
import { ScenarioError } from "./scenario-error.js";
import type { ListenerSpec, Scenario } from "./scenario.js";
import { validateListener } from "./validate-listener.js";

/** Outcome of validation: the normalized scenario, or every issue found. */
export type ScenarioValidation =
  | { readonly ok: true; readonly scenario: Scenario }
  | { readonly ok: false; readonly issues: readonly ScenarioIssue[] };

// "description" lets a JSON file (which has no comments) say what it simulates.
const SCENARIO_KEYS = ["description", "listeners", "duration"] as const;

function rawName(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || !("name" in value)) return undefined;
  return typeof value.name === "string" ? value.name : undefined;
}

/**
 * Checks parsed JSON against the scenario schema (see simulator/README.md)
 * and normalizes it: durations to milliseconds, defaults filled in. Written
 * by hand so each message can name the exact field path.
 */
export function validateScenario(raw: unknown): ScenarioValidation {
  const check = createChecker();
  const root = check.object(raw, "", SCENARIO_KEYS);
  if (root === undefined) return { ok: false, issues: check.issues() };

  if (root["description"] !== undefined && typeof root["description"] !== "string") {
    check.issue("description", `expected a string, got ${describeValue(root["description"])}`);
  }
  let durationMs: number | undefined;
  if (root["duration"] !== undefined) {
    durationMs = check.duration(root["duration"], "duration");
    if (durationMs === 0) durationMs = check.issue("duration", "must be longer than 0ms");
  }

  const rawListeners = root["listeners"];
  const listeners: ListenerSpec[] = [];
  if (rawListeners === undefined) {
    check.issue("listeners", "required (an array of listeners)");
  } else if (!Array.isArray(rawListeners) || rawListeners.length === 0) {
    check.issue("listeners", `expected a non-empty array, got ${describeValue(rawListeners)}`);
  } else {
    const byName = new Map<string, string>();
    const byAddress = new Map<string, string>();
    rawListeners.forEach((value: unknown, index) => {
      const path = `listeners[${index}]`;
      const spec = validateListener(value, path, check, durationMs);
      // Names are compared even when another field of the entry is bad, so one run shows both.
      const name = spec?.name ?? rawName(value);
      const sameName = name === undefined ? undefined : byName.get(name);
      if (name !== undefined && sameName !== undefined) {
        check.issue(fieldPath(path, "name"), `duplicate name "${name}" (already used by ${sameName})`);
      }
      if (name !== undefined) byName.set(name, sameName ?? path);
      if (spec === undefined) return;
      // Port 0 never collides: each one gets its own free port at bind time.
      const address = `${spec.host}:${spec.port}`;
      const sameAddress = byAddress.get(address);
      if (spec.port !== 0 && sameAddress !== undefined) {
        check.issue(fieldPath(path, "port"), `port ${spec.port} on ${spec.host} is already used by ${sameAddress}`);
      }
      byAddress.set(address, sameAddress ?? path);
      listeners.push(spec);
    });
  }

  if (check.issues().length > 0) return { ok: false, issues: check.issues() };
  const scenario: Scenario = durationMs === undefined ? { listeners } : { listeners, durationMs };
  return { ok: true, scenario };
}

/**
 * Like {@link validateScenario} but throws a {@link ScenarioError}; for
 * callers (tests, demos) that build scenarios inline and want the value.
 */
export function parseScenario(raw: unknown, source?: string): Scenario {
  const result = validateScenario(raw);
  if (!result.ok) throw new ScenarioError(result.issues, source);
  return result.scenario;
}
