import type { Checker } from "./create-checker.js";
import { fieldPath } from "./create-checker.js";
import { describeValue } from "./describe-value.js";
import { DEFAULT_HOST, isLoopbackHost } from "./is-loopback-host.js";
import type { ListenerPattern, ListenerSpec, ListenerState } from "./scenario.js";
import { validateFlap, validateScript } from "./validate-pattern.js";
import { validateService } from "./validate-service.js";

const LISTENER_KEYS = ["name", "kind", "host", "port", "initial", "script", "flap", "response", "certificate"] as const;
const STATES: readonly ListenerState[] = ["up", "down"];
// Names appear in CLI output and test lookups, so keep them shell- and log-friendly.
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function readName(raw: unknown, path: string, check: Checker): string | undefined {
  if (raw === undefined) return check.issue(path, 'required (a name such as "db")');
  if (typeof raw !== "string" || !NAME_PATTERN.test(raw)) {
    return check.issue(path, `expected a name of letters, digits, ".", "_" or "-", got ${describeValue(raw)}`);
  }
  return raw;
}

function readHost(raw: unknown, path: string, check: Checker): string | undefined {
  if (raw === undefined) return DEFAULT_HOST;
  if (typeof raw !== "string" || !isLoopbackHost(raw)) {
    return check.issue(path, `only loopback is allowed: expected "127.0.0.1" or "::1", got ${describeValue(raw)}`);
  }
  return raw;
}

function readPort(raw: unknown, path: string, check: Checker): number | undefined {
  if (raw === undefined) return 0;
  if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 0 || raw > 65535) {
    return check.issue(path, `expected an integer from 0 to 65535 (0 = any free port), got ${describeValue(raw)}`);
  }
  return raw;
}

/**
 * Validates one entry of `listeners`, applying defaults (kind "tcp", host
 * 127.0.0.1, port 0, initial "up", steady pattern). Returns `undefined` when any of its
 * fields is invalid; the issues are in `check`.
 */
export function validateListener(
  raw: unknown,
  path: string,
  check: Checker,
  durationMs: number | undefined,
): ListenerSpec | undefined {
  const listener = check.object(raw, path, LISTENER_KEYS);
  if (listener === undefined) return undefined;
  const name = readName(listener["name"], fieldPath(path, "name"), check);
  const service = validateService(listener, path, check);
  const host = readHost(listener["host"], fieldPath(path, "host"), check);
  const port = readPort(listener["port"], fieldPath(path, "port"), check);
  const initial =
    listener["initial"] === undefined ? "up" : check.oneOf(listener["initial"], fieldPath(path, "initial"), STATES);

  let pattern: ListenerPattern | undefined = { kind: "steady" };
  const { script, flap } = listener;
  if (script !== undefined && flap !== undefined) {
    pattern = check.issue(path, 'use either "script" or "flap", not both');
  } else {
    const ctx = { check, initial, durationMs };
    if (script !== undefined) pattern = validateScript(script, fieldPath(path, "script"), ctx);
    if (flap !== undefined) pattern = validateFlap(flap, fieldPath(path, "flap"), ctx);
  }
  if (
    name === undefined || service === undefined || host === undefined || port === undefined ||
    initial === undefined || pattern === undefined
  ) {
    return undefined;
  }
  // TCP stays without `service`, the shape specs had before HTTP listeners.
  return service.kind === "tcp" ? { name, host, port, initial, pattern } : { name, host, port, initial, pattern, service };
}
