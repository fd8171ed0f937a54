import { CONFIG_FILE_KEYS, CONFIG_FILE_VERSION } from "@service-monitor/sdk";
import {
  DEFAULTS,
  LIMITS,
  checkAlertThreshold,
  checkCallerId,
  checkCallerRef,
  checkDisplayName,
  checkHost,
  checkOutageWindow,
  checkPort,
  checkReason,
  checkRequiredId,
  checkServiceId,
} from "../domain/field-rules.js";
import { invalidArgument } from "../domain/monitor-error.js";
import { quoteInput } from "../domain/quote-input.js";
import { describeTarget, targetKey } from "../domain/service-target.js";
import type { CheckedHttpProbe } from "../domain/http-probe-rules.js";
import type { AvailabilityAlertRule, TcpProbeConfig } from "../domain/types.js";
import type { RegistryData } from "../store/registry.js";
import type {
  DeclaredCaller,
  DeclaredOutage,
  DeclaredService,
  DeclaredSubscription,
  DesiredState,
} from "./desired-state.js";
import { readHttpProbe } from "./read-http-probe.js";
import {
  createJsonFieldReader,
  describeJson,
  keyPath,
  type ConfigIssue,
  type JsonFieldReader,
  type JsonObject,
} from "./read-json-fields.js";

export type { ConfigIssue } from "./read-json-fields.js";

/** A config file read: what it asks for, or everything wrong with it. */
export type ParsedConfigFile =
  | { readonly ok: true; readonly desired: DesiredState }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/** The caller-id alphabet, for the ids a file chooses for services and outages too: safe in a URL, a log line and a shell. */
const FILE_ID = /^[A-Za-z0-9._:@-]+$/;

/**
 * A config file's JSON value → the desired state, or every issue found
 * (`{ path: "$.services[2].port", rule: "must be between 1 and 65535, got 0" }`).
 *
 * Values obey the same field rules as RPC input (domain/field-rules.ts).
 * References are checked against the file and `current` (the registry now):
 * a subscription or outage may name a service or caller of the file or one
 * created through the API, not one that only a previous version of the file
 * had (applying would remove it). A service whose target (TCP: host:port;
 * HTTP: method and URL, see domain/service-target.ts) an API-created service
 * of another id holds is refused, as RegisterService would refuse it; the
 * message says how to adopt that one instead.
 */
export function parseConfigFile(value: unknown, current: RegistryData): ParsedConfigFile {
  const r = createJsonFieldReader();
  const root = r.object(value, "$", CONFIG_FILE_KEYS.file);
  if (root === undefined) return { ok: false, issues: r.issues };
  if (root["version"] !== CONFIG_FILE_VERSION) {
    r.fail("$.version", `must be ${CONFIG_FILE_VERSION} (the version this server reads), got ${describeJson(root["version"])}`);
  }

  const services = readServices(r, r.list(root, "services", "$") ?? []);
  const callers = readCallers(r, r.list(root, "callers", "$") ?? []);
  const serviceIntervals = new Map<string, number>();
  for (const s of current.services) if (s.managedBy === undefined) serviceIntervals.set(s.id, s.checkIntervalMs);
  for (const s of services.declared) serviceIntervals.set(s.id, s.checkIntervalMs);
  const callerIds = new Set([...current.callers.filter((c) => c.managedBy === undefined).map((c) => c.id), ...callers.ids]);
  const serviceIds = new Set([...serviceIntervals.keys(), ...services.ids]);

  const subscriptions = readSubscriptions(r, r.list(root, "subscriptions", "$") ?? [], { serviceIds, callerIds, serviceIntervals });
  const outages = readOutages(r, r.list(root, "outages", "$") ?? [], serviceIds);

  // Target conflicts with services the file does not manage (API-created ones stay).
  const apiTargets = new Map(current.services.filter((s) => s.managedBy === undefined).map((s) => [targetKey(s), s.id]));
  services.declared.forEach((s, i) => {
    const holder = apiTargets.get(targetKey(s));
    if (holder !== undefined && holder !== s.id) {
      r.fail(
        services.paths[i]!,
        `${describeTarget(s)} is already registered through the API as ${quoteInput(holder)}; give this service that id to adopt it`,
      );
    }
  });

  if (r.issues.length > 0) return { ok: false, issues: r.issues };
  return { ok: true, desired: { services: services.declared, callers: callers.declared, subscriptions, outages } };
}

/** Refuses a second entry with the same key, naming where the first is. */
function createUniqueness(r: JsonFieldReader, what: string) {
  const seen = new Map<string, string>();
  // `shown` is a function: quoting every id of a 10,000-service file only to use none of them costs.
  return (key: string, shown: () => string, path: string): boolean => {
    const first = seen.get(key);
    if (first !== undefined) {
      r.fail(path, `${what} ${shown()} is declared twice; first at ${first}`);
      return false;
    }
    seen.set(key, path);
    return true;
  };
}

function fileId(r: JsonFieldReader, value: string | undefined, path: string, maxLength: number): string | undefined {
  if (value === undefined) return undefined;
  return r.rule(path, (field) => {
    checkRequiredId(value, field, maxLength);
    if (!FILE_ID.test(value)) throw invalidArgument(field, "may contain only letters, digits and . _ : @ -");
    return value;
  });
}

/**
 * The `oneof probe`: exactly one kind of check. "none": TCP, closed as the
 * server's --tcp-close says (no probe, or tcp without close); "invalid":
 * recorded. An HTTP probe comes with the host and port its URL names.
 */
type ReadProbe =
  | { readonly kind: "none" | "invalid" }
  | { readonly kind: "tcp"; readonly probe: TcpProbeConfig }
  | { readonly kind: "http"; readonly checked: CheckedHttpProbe };

function readProbe(r: JsonFieldReader, value: unknown, path: string): ReadProbe {
  const invalid = { kind: "invalid" } as const;
  if (value === undefined) return { kind: "none" };
  const probe = r.object(value, path, CONFIG_FILE_KEYS.probe);
  if (probe === undefined) return invalid;
  const kinds = CONFIG_FILE_KEYS.probe.filter((kind) => probe[kind] !== undefined);
  if (kinds.length !== 1) {
    r.fail(path, `must name one kind of check: ${CONFIG_FILE_KEYS.probe.join(" or ")}${kinds.length > 1 ? `, got ${kinds.join(" and ")}` : ""}`);
    return invalid;
  }
  if (probe["http"] !== undefined) {
    const checked = readHttpProbe(r, probe["http"], `${path}.http`);
    return checked === undefined ? invalid : { kind: "http", checked };
  }
  const tcp = r.object(probe["tcp"], `${path}.tcp`, CONFIG_FILE_KEYS.tcpProbe);
  if (tcp === undefined) return invalid;
  const close = tcp["close"];
  // No close mode chosen: the service follows the server's --tcp-close, as with no probe at all.
  if (close === undefined) return { kind: "none" };
  if (close === "fin" || close === "reset") return { kind: "tcp", probe: { kind: "tcp", closeMode: close } };
  r.fail(`${path}.tcp.close`, `must be "fin" or "reset", got ${describeJson(close)}`);
  return invalid;
}

/**
 * What a service checks: a TCP check's host and port as the file gives them,
 * an HTTP check's from its URL (the file must not give them too: the two
 * could disagree). Undefined when invalid (recorded) or when the probe is.
 */
function readTarget(r: JsonFieldReader, o: JsonObject, path: string, http: boolean, probe: ReadProbe) {
  if (http) {
    for (const key of ["host", "port"]) {
      if (o[key] !== undefined) r.fail(keyPath(path, key), "must be absent with probe.http; the URL names the host and port");
    }
    return probe.kind === "http" ? probe.checked : undefined;
  }
  const rawHost = r.string(o, "host", path);
  const host = rawHost === undefined ? undefined : r.rule(`${path}.host`, (field) => checkHost(rawHost, field));
  const rawPort = r.number(o, "port", path);
  const port = rawPort === undefined ? undefined : r.rule(`${path}.port`, (field) => checkPort(rawPort, field));
  if (host === undefined || port === undefined || probe.kind === "invalid") return undefined;
  return { host, port, ...(probe.kind === "tcp" ? { probe: probe.probe } : {}) };
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function readServices(r: JsonFieldReader, items: readonly unknown[]) {
  const declared: DeclaredService[] = [];
  const paths: string[] = [];
  // Every id the file names, valid or not: a reference to an invalid service is not a second error.
  const ids = new Set<string>();
  const uniqueId = createUniqueness(r, "the id");
  const uniqueTarget = createUniqueness(r, "the target");
  items.forEach((item, i) => {
    const path = `$.services[${i}]`;
    const since = r.mark();
    const o = r.object(item, path, CONFIG_FILE_KEYS.service);
    if (o === undefined) return;
    const rawId = r.string(o, "id", path);
    if (rawId !== undefined) ids.add(rawId);
    const id = fileId(r, rawId, `${path}.id`, LIMITS.serviceIdLength);
    // An HTTP check is one whose probe names http alone, even if what it says there is wrong: its host and port are the URL's.
    const http = isObject(o["probe"]) && o["probe"]["http"] !== undefined && o["probe"]["tcp"] === undefined;
    const probe = readProbe(r, o["probe"], `${path}.probe`);
    const target = readTarget(r, o, path, http, probe);
    const rawName = r.string(o, "displayName", path, "");
    const displayName = rawName === undefined ? undefined : r.rule(`${path}.displayName`, (field) => checkDisplayName(rawName, field));
    const checkIntervalMs = r.duration(o, "checkInterval", path, LIMITS.interval, DEFAULTS.checkIntervalMs);
    const checkTimeoutMs = r.duration(o, "checkTimeout", path, LIMITS.timeout, DEFAULTS.checkTimeoutMs);
    if (id === undefined || target === undefined || displayName === undefined) return;
    if (checkIntervalMs === undefined || checkTimeoutMs === undefined) return;
    const service = { host: target.host, port: target.port, ...(target.probe === undefined ? {} : { probe: target.probe }) };
    const freshId = uniqueId(id, () => quoteInput(id), `${path}.id`);
    // TCP checks are unique by host:port, HTTP ones by method and URL, as the registry has them.
    const freshTarget = uniqueTarget(targetKey(service), () => describeTarget(service), path);
    if (!freshId || !freshTarget || !r.cleanSince(since)) return;
    declared.push({ id, ...service, displayName, checkIntervalMs, checkTimeoutMs, managedBy: "config" });
    paths.push(path);
  });
  return { declared, paths, ids };
}

function readCallers(r: JsonFieldReader, items: readonly unknown[]) {
  const declared: DeclaredCaller[] = [];
  const ids = new Set<string>();
  const uniqueId = createUniqueness(r, "the id");
  items.forEach((item, i) => {
    const path = `$.callers[${i}]`;
    const since = r.mark();
    const o = r.object(item, path, CONFIG_FILE_KEYS.caller);
    if (o === undefined) return;
    const rawId = r.string(o, "id", path);
    if (rawId !== undefined) ids.add(rawId);
    const id = rawId === undefined ? undefined : r.rule(`${path}.id`, (field) => checkCallerId(rawId, field));
    const rawName = r.string(o, "displayName", path, "");
    const displayName = rawName === undefined ? undefined : r.rule(`${path}.displayName`, (field) => checkDisplayName(rawName, field));
    if (id === undefined || displayName === undefined) return;
    if (!uniqueId(id, () => quoteInput(id), `${path}.id`) || !r.cleanSince(since)) return;
    declared.push({ id, displayName, managedBy: "config" });
  });
  return { declared, ids };
}

interface Known {
  readonly serviceIds: ReadonlySet<string>;
  readonly callerIds: ReadonlySet<string>;
  /** Each known service's check interval: a subscription's default polling interval. */
  readonly serviceIntervals: ReadonlyMap<string, number>;
}

const unknownRef = (what: string, id: string) =>
  `no ${what} ${quoteInput(id)}: not in the file, nor registered through the API`;

function readSubscriptions(r: JsonFieldReader, items: readonly unknown[], known: Known): DeclaredSubscription[] {
  const declared: DeclaredSubscription[] = [];
  const unique = createUniqueness(r, "the subscription");
  items.forEach((item, i) => {
    const path = `$.subscriptions[${i}]`;
    const since = r.mark();
    const o = r.object(item, path, CONFIG_FILE_KEYS.subscription);
    if (o === undefined) return;
    const rawCaller = r.string(o, "caller", path);
    let callerId = rawCaller === undefined ? undefined : r.rule(`${path}.caller`, (field) => checkCallerRef(rawCaller, field));
    const rawService = r.string(o, "service", path);
    let serviceId = rawService === undefined ? undefined : r.rule(`${path}.service`, (field) => checkServiceId(rawService, field));
    if (callerId !== undefined && !known.callerIds.has(callerId)) callerId = r.fail(`${path}.caller`, unknownRef("caller", callerId));
    if (serviceId !== undefined && !known.serviceIds.has(serviceId)) serviceId = r.fail(`${path}.service`, unknownRef("service", serviceId));
    // By default a subscriber is content with the service's own interval, as with Subscribe.
    const fallbackInterval = known.serviceIntervals.get(serviceId ?? "") ?? DEFAULTS.checkIntervalMs;
    const pollingIntervalMs = r.duration(o, "pollingInterval", path, LIMITS.interval, fallbackInterval);
    const gracePeriodMs = r.duration(o, "gracePeriod", path, LIMITS.grace, DEFAULTS.gracePeriodMs);
    const alert = readAvailabilityAlert(r, o["availabilityAlert"], `${path}.availabilityAlert`);
    if (callerId === undefined || serviceId === undefined || pollingIntervalMs === undefined || gracePeriodMs === undefined) return;
    const fresh = unique(`${callerId}\u0000${serviceId}`, () => `${quoteInput(callerId)} → ${quoteInput(serviceId)}`, path);
    if (!fresh || !r.cleanSince(since)) return;
    declared.push({
      callerId,
      serviceId,
      pollingIntervalMs,
      gracePeriodMs,
      ...(alert === undefined ? {} : { availabilityAlert: alert }),
      managedBy: "config",
    });
  });
  return declared;
}

/**
 * A subscription's `availabilityAlert`, fully defaulted (window 2m,
 * threshold 0.8) as the store keeps it; undefined when absent (no rule) or
 * invalid (recorded). The limits are the API's (field-rules.ts); unlike the
 * API's 0, nothing in the file means "the default" but leaving a key out.
 */
function readAvailabilityAlert(r: JsonFieldReader, value: unknown, path: string): AvailabilityAlertRule | undefined {
  if (value === undefined) return undefined;
  const o = r.object(value, path, CONFIG_FILE_KEYS.availabilityAlert);
  if (o === undefined) return undefined;
  const windowMs = r.duration(o, "window", path, LIMITS.alertWindow, DEFAULTS.alertWindowMs);
  const rawThreshold = r.number(o, "threshold", path, DEFAULTS.alertThreshold);
  const threshold = rawThreshold === undefined ? undefined : r.rule(`${path}.threshold`, (field) => checkAlertThreshold(rawThreshold, field));
  return windowMs === undefined || threshold === undefined ? undefined : { windowMs, threshold };
}

function readOutages(r: JsonFieldReader, items: readonly unknown[], serviceIds: ReadonlySet<string>): DeclaredOutage[] {
  const declared: DeclaredOutage[] = [];
  const uniqueId = createUniqueness(r, "the id");
  items.forEach((item, i) => {
    const path = `$.outages[${i}]`;
    const since = r.mark();
    const o = r.object(item, path, CONFIG_FILE_KEYS.outage);
    if (o === undefined) return;
    const id = fileId(r, r.string(o, "id", path), `${path}.id`, LIMITS.outageIdLength);
    const rawService = r.string(o, "service", path);
    let serviceId = rawService === undefined ? undefined : r.rule(`${path}.service`, (field) => checkServiceId(rawService, field));
    if (serviceId !== undefined && !serviceIds.has(serviceId)) serviceId = r.fail(`${path}.service`, unknownRef("service", serviceId));
    const startMs = r.time(o, "start", path);
    const endMs = r.time(o, "end", path);
    if (startMs !== undefined && endMs !== undefined) {
      r.rule(`${path}.end`, (field) => checkOutageWindow(startMs, endMs, field, "start"));
    }
    const rawReason = r.string(o, "reason", path, "");
    const reason = rawReason === undefined ? undefined : r.rule(`${path}.reason`, (field) => checkReason(rawReason, field));
    if (id === undefined || serviceId === undefined || startMs === undefined || endMs === undefined || reason === undefined) return;
    if (!uniqueId(id, () => quoteInput(id), `${path}.id`) || !r.cleanSince(since)) return;
    declared.push({ id, serviceId, startMs, endMs, reason, managedBy: "config" });
  });
  return declared;
}
