import type {
  CallerConfig,
  PlannedOutage,
  ProbeConfig,
  ServiceConfig,
  SubscriptionConfig,
  TcpProbeConfig,
} from "../domain/types.js";
import type { RegistryData } from "./registry.js";

/**
 * The registry as it sits in registry.json: readable and hand-editable, with
 * times as ISO 8601 and spans in milliseconds under names that say so.
 * `version` lets a later release migrate the file instead of guessing.
 */
export const REGISTRY_FILE_VERSION = 1;

export interface RegistryFile {
  version: number;
  services: Array<Omit<ServiceConfig, "createdAt"> & { createdAt: string }>;
  callers: Array<Omit<CallerConfig, "createdAt"> & { createdAt: string }>;
  subscriptions: SubscriptionConfig[];
  outages: Array<Omit<PlannedOutage, "startMs" | "endMs"> & { start: string; end: string }>;
}

const iso = (ms: number) => new Date(ms).toISOString();

type FileService = RegistryFile["services"][number];
type FileCaller = RegistryFile["callers"][number];
type FileOutage = RegistryFile["outages"][number];

// Fields spelled out so `id` comes first and nothing unknown leaks in.
const serviceToFile = (s: ServiceConfig): FileService => ({
  id: s.id,
  host: s.host,
  port: s.port,
  displayName: s.displayName,
  checkIntervalMs: s.checkIntervalMs,
  checkTimeoutMs: s.checkTimeoutMs,
  createdAt: iso(s.createdAt),
  // Written only when chosen, so files stay as they were for services that follow the server's default.
  ...(s.probe === undefined ? {} : { probe: tcpProbeToFile(s) }),
});

/**
 * registry.json is the format of the release before HTTP checks (only read
 * now, to import an old data dir; written only to make such files), so a
 * probe in it is a TCP one: an HTTP service has no form in it.
 */
function tcpProbeToFile(s: ServiceConfig): TcpProbeConfig {
  const probe = s.probe!;
  if (probe.kind !== "tcp") {
    throw new RegistryFormatError(`service ${s.id}: an ${probe.kind} check has no form in registry.json (TCP checks only)`);
  }
  return { kind: probe.kind, closeMode: probe.closeMode };
}
const callerToFile = (c: CallerConfig): FileCaller => ({ id: c.id, displayName: c.displayName, createdAt: iso(c.createdAt) });
const subscriptionToFile = (s: SubscriptionConfig): SubscriptionConfig => ({
  callerId: s.callerId,
  serviceId: s.serviceId,
  pollingIntervalMs: s.pollingIntervalMs,
  gracePeriodMs: s.gracePeriodMs,
});
const outageToFile = (o: PlannedOutage): FileOutage => ({
  id: o.id,
  serviceId: o.serviceId,
  start: iso(o.startMs),
  end: iso(o.endMs),
  reason: o.reason,
});

export function toRegistryFile(data: RegistryData): RegistryFile {
  return {
    version: REGISTRY_FILE_VERSION,
    services: data.services.map(serviceToFile),
    callers: data.callers.map(callerToFile),
    subscriptions: data.subscriptions.map(subscriptionToFile),
    outages: data.outages.map(outageToFile),
  };
}

/** One array element as `JSON.stringify(file, null, 2)` lays it out: indented two levels. */
function elementText(value: unknown): string {
  // Raw newlines only occur between tokens: JSON escapes them inside strings.
  return `    ${JSON.stringify(value, null, 2).replaceAll("\n", "\n    ")}`;
}

/** Converts and lays out a record once; records are immutable, so its text never changes. */
function cachedElement<T extends object>(toFile: (record: T) => unknown): (record: T) => string {
  const cache = new WeakMap<T, string>();
  return (record) => {
    let text = cache.get(record);
    if (text === undefined) cache.set(record, (text = elementText(toFile(record))));
    return text;
  };
}

function section<T>(name: string, records: readonly T[], text: (record: T) => string): string {
  return records.length === 0 ? `  "${name}": []` : `  "${name}": [\n${records.map(text).join(",\n")}\n  ]`;
}

/**
 * A serializer that writes exactly `JSON.stringify(toRegistryFile(data), null, 2)`
 * plus a newline, but lays out each record only once: the registry rewrites
 * the whole file on every group commit, and with 10,000 services and as many
 * subscriptions, converting and stringifying every record each time was most
 * of a save (docs/benchmarks.md). Records are immutable (a change replaces
 * the object), so a record's text is cached by identity; a dropped record's
 * text goes with it (WeakMap).
 */
export function createRegistryFileSerializer(): (data: RegistryData) => string {
  const service = cachedElement(serviceToFile);
  const caller = cachedElement(callerToFile);
  const subscription = cachedElement(subscriptionToFile);
  const outage = cachedElement(outageToFile);
  return (data) =>
    [
      `{\n  "version": ${REGISTRY_FILE_VERSION},`,
      `${section("services", data.services, service)},`,
      `${section("callers", data.callers, caller)},`,
      `${section("subscriptions", data.subscriptions, subscription)},`,
      `${section("outages", data.outages, outage)}`,
      "}\n",
    ].join("\n");
}

/** Thrown with the JSON path of the first field that is not what it should be. */
export class RegistryFormatError extends Error {
  override readonly name = "RegistryFormatError";
}

type Json = Record<string, unknown>;

function fail(path: string, expected: string): never {
  throw new RegistryFormatError(`${path}: expected ${expected}`);
}
function record(value: unknown, path: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(path, "an object");
  return value as Json;
}
function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) fail(path, "an array");
  return value;
}
function str(obj: Json, key: string, path: string): string {
  const value = obj[key];
  if (typeof value !== "string") fail(`${path}.${key}`, "a string");
  return value;
}
function int(obj: Json, key: string, path: string): number {
  const value = obj[key];
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    fail(`${path}.${key}`, "a non-negative integer");
  }
  return value;
}
function time(obj: Json, key: string, path: string): number {
  const ms = Date.parse(str(obj, key, path));
  if (Number.isNaN(ms)) fail(`${path}.${key}`, "an ISO 8601 time");
  return ms;
}

/**
 * A service's `probe`: absent in files written before close modes existed
 * (and for services that never chose one), which then load as the default.
 * Only TCP probes ever existed in this format; any other kind is refused.
 */
function probe(obj: Json, path: string): { probe?: ProbeConfig } {
  if (obj["probe"] === undefined) return {};
  const p = record(obj["probe"], `${path}.probe`);
  if (p["kind"] !== "tcp") fail(`${path}.probe.kind`, '"tcp"');
  const closeMode = p["closeMode"];
  if (closeMode !== "fin" && closeMode !== "reset") fail(`${path}.probe.closeMode`, '"fin" or "reset"');
  return { probe: { kind: "tcp", closeMode } };
}

/** Parses and checks a registry file's content; throws RegistryFormatError. */
export function fromRegistryFile(parsed: unknown): RegistryData {
  const root = record(parsed, "$");
  const version = root["version"];
  if (version !== REGISTRY_FILE_VERSION) {
    fail("$.version", `${REGISTRY_FILE_VERSION} (this server cannot read version ${String(version)})`);
  }
  return {
    services: array(root["services"], "$.services").map((value, i) => {
      const path = `$.services[${i}]`;
      const s = record(value, path);
      return {
        id: str(s, "id", path),
        host: str(s, "host", path),
        port: int(s, "port", path),
        displayName: str(s, "displayName", path),
        checkIntervalMs: int(s, "checkIntervalMs", path),
        checkTimeoutMs: int(s, "checkTimeoutMs", path),
        createdAt: time(s, "createdAt", path),
        ...probe(s, path),
      };
    }),
    callers: array(root["callers"], "$.callers").map((value, i) => {
      const path = `$.callers[${i}]`;
      const c = record(value, path);
      return {
        id: str(c, "id", path),
        displayName: str(c, "displayName", path),
        createdAt: time(c, "createdAt", path),
      };
    }),
    subscriptions: array(root["subscriptions"], "$.subscriptions").map((value, i) => {
      const path = `$.subscriptions[${i}]`;
      const s = record(value, path);
      return {
        callerId: str(s, "callerId", path),
        serviceId: str(s, "serviceId", path),
        pollingIntervalMs: int(s, "pollingIntervalMs", path),
        gracePeriodMs: int(s, "gracePeriodMs", path),
      };
    }),
    outages: array(root["outages"], "$.outages").map((value, i) => {
      const path = `$.outages[${i}]`;
      const o = record(value, path);
      return {
        id: str(o, "id", path),
        serviceId: str(o, "serviceId", path),
        startMs: time(o, "start", path),
        endMs: time(o, "end", path),
        reason: str(o, "reason", path),
      };
    }),
  };
}
