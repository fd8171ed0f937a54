import type { Checker } from "./create-checker.js";
import { fieldPath } from "./create-checker.js";
import { describeValue } from "./describe-value.js";
import { DEFAULT_HOST, isLoopbackHost } from "./is-loopback-host.js";
import type { ListenerPattern, ListenerSpec, ListenerState, ResponseCycle, ServiceSpec, WebStep } from "./scenario.js";
import { validateCycle } from "./validate-cycle.js";
import { validateFlap } from "./validate-pattern.js";
import { validateScript } from "./validate-script.js";
import { kindOf, validateService } from "./validate-service.js";

const LISTENER_KEYS = ["name", "kind", "host", "port", "initial", "script", "flap", "response", "certificate"] as const;
// Only web listeners list "cycle", so a TCP file's "unknown key" messages read as before.
const WEB_LISTENER_KEYS = [...LISTENER_KEYS, "cycle"] as const;
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
 * 127.0.0.1, port 0, initial "up", steady pattern). A web listener's script
 * steps that set `response`/`certificate`, and its `cycle`, go to its
 * service's `steps`/`cycle`. Returns `undefined` when any of its
 * fields is invalid; the issues are in `check`.
 */
export function validateListener(
  raw: unknown,
  path: string,
  check: Checker,
  durationMs: number | undefined,
): ListenerSpec | undefined {
  const kind = typeof raw === "object" && raw !== null && !Array.isArray(raw) ? kindOf(raw as Record<string, unknown>) : undefined;
  // A TCP listener with a "cycle" is told it is for web kinds (by validateService), not "unknown key".
  const hasCycle = typeof raw === "object" && raw !== null && "cycle" in raw && raw.cycle !== undefined;
  const keys = kind === "tcp" && !hasCycle ? LISTENER_KEYS : WEB_LISTENER_KEYS;
  const listener = check.object(raw, path, keys);
  if (listener === undefined) return undefined;
  const name = readName(listener["name"], fieldPath(path, "name"), check);
  const service = validateService(listener, path, check);
  const host = readHost(listener["host"], fieldPath(path, "host"), check);
  const port = readPort(listener["port"], fieldPath(path, "port"), check);
  const initial =
    listener["initial"] === undefined ? "up" : check.oneOf(listener["initial"], fieldPath(path, "initial"), STATES);
  const response = service !== undefined && service.kind !== "tcp" ? service.response : undefined;

  let pattern: ListenerPattern | undefined = { kind: "steady" };
  let webSteps: readonly WebStep[] | undefined = [];
  const { script, flap } = listener;
  if (script !== undefined && flap !== undefined) {
    pattern = check.issue(path, 'use either "script" or "flap", not both');
  } else {
    const ctx = { check, initial, durationMs, kind, response, hasCycle };
    if (script !== undefined) {
      const parts = validateScript(script, fieldPath(path, "script"), ctx);
      pattern = parts?.pattern;
      webSteps = parts?.webSteps;
    }
    if (flap !== undefined) pattern = validateFlap(flap, fieldPath(path, "flap"), ctx);
  }
  // Independent of script/flap: a cycle changes the answer, they change up/down (a script's
  // own answer changes are refused beside a cycle, in validateScript).
  let cycle: ResponseCycle | undefined;
  let cycleOk = true;
  if (hasCycle && kind !== "tcp") {
    cycle = validateCycle(listener["cycle"], fieldPath(path, "cycle"), { check, response, durationMs });
    cycleOk = cycle !== undefined;
  }
  if (
    name === undefined || service === undefined || host === undefined || port === undefined ||
    initial === undefined || pattern === undefined || webSteps === undefined || !cycleOk
  ) {
    return undefined;
  }
  // TCP stays without `service`, the shape specs had before HTTP listeners.
  if (service.kind === "tcp") return { name, host, port, initial, pattern };
  return { name, host, port, initial, pattern, service: withChanges(service, webSteps, cycle) };
}

/** Adds the timed changes to a web service, leaving out what is empty so a fixed answer keeps its old shape. */
function withChanges(
  service: Exclude<ServiceSpec, { kind: "tcp" }>,
  steps: readonly WebStep[],
  cycle: ResponseCycle | undefined,
): ServiceSpec {
  return { ...service, ...(steps.length === 0 ? {} : { steps }), ...(cycle === undefined ? {} : { cycle }) };
}
