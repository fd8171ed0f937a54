import {
  LIMITS,
  checkAlertThreshold,
  checkCallerId,
  checkDisplayName,
  checkHost,
  checkMs,
  checkOutageId,
  checkOutageWindow,
  checkPort,
  checkReason,
  checkSequence,
  checkServiceId,
  checkTimeMs,
} from "../domain/field-rules.js";
import { MonitorError, invalidArgument } from "../domain/monitor-error.js";
import { quoteInput } from "../domain/quote-input.js";
import { checkHttpProbe } from "../domain/http-probe-rules.js";
import { bodyRegexError } from "../engine/body-match.js";
import { describeTarget, targetKey } from "../domain/service-target.js";
import type { Announced, HttpProbeConfig, Observation, ProbeConfig, ServiceConfig } from "../domain/types.js";
import { toHttpDetails } from "./http-details-codec.js";
import { StoreError, type StoreContents } from "./store.js";

/** How many problems one refusal lists; the rest are counted. */
export const MAX_REPORTED_PROBLEMS = 20;

const STATUSES: ReadonlySet<unknown> = new Set(["unknown", "up", "down"]);

/**
 * Checks that what a store holds (or what an import is about to write) obeys
 * the rules the API enforces on input (domain/field-rules.ts) and refers only
 * to records that exist. A store written by this server always passes; one
 * edited by hand, restored from a mangled backup or written by a buggy
 * release may not, and the server must refuse to start on it rather than
 * probe port 999999 or send a caller events for a service that is not there.
 *
 * Throws StoreError("corrupt") naming `source` (the file or database), each
 * bad record and field (up to {@link MAX_REPORTED_PROBLEMS}, so one start
 * shows everything to fix) and what to do.
 */
export function validateStoreContents(contents: StoreContents, source: string): void {
  const problems = findProblems(contents);
  if (problems.length === 0) return;
  const advice = "fix or remove the record, or restore a backup";
  if (problems.length === 1) throw new StoreError("corrupt", `${source}: ${problems[0]} — ${advice}`);
  const shown = problems.slice(0, MAX_REPORTED_PROBLEMS);
  const more = problems.length - shown.length;
  throw new StoreError(
    "corrupt",
    [
      `${source}: ${problems.length} invalid records — fix or remove each, or restore a backup:`,
      ...shown.map((problem) => `  ${problem}`),
      ...(more > 0 ? [`  … and ${more} more`] : []),
    ].join("\n"),
  );
}

/** Every problem as `<record>: <field>: <rule>`, in the order of the contents. */
function findProblems(contents: StoreContents): string[] {
  const problems: string[] = [];
  /** Runs one field rule; a refusal (or a value of the wrong type) becomes a problem of `record`. */
  const check = (record: string, rule: () => unknown, field = "value"): void => {
    try {
      rule();
    } catch (error) {
      const why = error instanceof MonitorError ? error.message : `${field}: has the wrong type`;
      problems.push(`${record}: ${why}`);
    }
  };

  const serviceIds = new Set<string>();
  const targets = new Map<string, string>();
  for (const s of contents.services) {
    const record = `service ${quoteInput(String(s.id))}`;
    check(record, () => checkServiceId(s.id, "id"), "id");
    if (serviceIds.has(s.id)) problems.push(`${record}: id: is used by another service`);
    serviceIds.add(s.id);
    let host: string | undefined;
    check(record, () => (host = checkHost(s.host, "host")), "host");
    check(record, () => checkPort(s.port, "port"), "port");
    check(record, () => checkDisplayName(s.displayName, "displayName"), "displayName");
    check(record, () => checkMs(s.checkIntervalMs, "checkIntervalMs", LIMITS.interval), "checkIntervalMs");
    check(record, () => checkMs(s.checkTimeoutMs, "checkTimeoutMs", LIMITS.timeout), "checkTimeoutMs");
    check(record, () => checkTimeMs(s.createdAt, "createdAt"), "createdAt");
    // The target's key needs a well-formed probe.
    let probeOk = false;
    check(
      record,
      () => {
        checkProbeConfig(s);
        probeOk = true;
      },
      "probe",
    );
    if (s.pausedAt !== undefined) check(record, () => checkTimeMs(s.pausedAt!, "pausedAt"), "pausedAt");
    check(record, () => checkManagedBy(s.managedBy), "managedBy");
    if (host !== undefined && probeOk) {
      // checkHost lower-cases names and unbrackets IPv6, so this is the
      // target as the API compares it when registering: host:port for a TCP
      // check, method and URL for an HTTP one (service-target.ts).
      const target = { host, port: s.port, ...(s.probe === undefined ? {} : { probe: s.probe }) };
      const key = targetKey(target);
      const other = targets.get(key);
      if (other !== undefined) {
        const fields = s.probe?.kind === "http" ? "probe.method, probe.url" : "host, port";
        problems.push(`${record}: ${fields}: ${quoteInput(describeTarget(target))} is also service ${quoteInput(other)}`);
      } else {
        targets.set(key, s.id);
      }
    }
  }

  const callerIds = new Set<string>();
  for (const c of contents.callers) {
    const record = `caller ${quoteInput(String(c.id))}`;
    check(record, () => checkCallerId(c.id, "id"), "id");
    if (callerIds.has(c.id)) problems.push(`${record}: id: is used by another caller`);
    callerIds.add(c.id);
    check(record, () => checkDisplayName(c.displayName, "displayName"), "displayName");
    check(record, () => checkTimeMs(c.createdAt, "createdAt"), "createdAt");
    if (c.tokenHash !== undefined) check(record, () => checkTokenHash(c.tokenHash), "tokenHash");
    check(record, () => checkManagedBy(c.managedBy), "managedBy");
  }

  const subscriptionKeys = new Set<string>();
  for (const s of contents.subscriptions) {
    const record = `subscription of caller ${quoteInput(String(s.callerId))} to service ${quoteInput(String(s.serviceId))}`;
    const key = JSON.stringify([s.callerId, s.serviceId]);
    if (subscriptionKeys.has(key)) problems.push(`${record}: is listed twice`);
    subscriptionKeys.add(key);
    if (!callerIds.has(s.callerId)) problems.push(`${record}: callerId: no such caller`);
    if (!serviceIds.has(s.serviceId)) problems.push(`${record}: serviceId: no such service`);
    check(record, () => checkMs(s.pollingIntervalMs, "pollingIntervalMs", LIMITS.interval), "pollingIntervalMs");
    check(record, () => checkMs(s.gracePeriodMs, "gracePeriodMs", LIMITS.grace), "gracePeriodMs");
    const rule = s.availabilityAlert;
    if (rule !== undefined) {
      // Stored fully defaulted: a 0 here is not "the default" but a bad row.
      check(record, () => checkMs(rule.windowMs, "availabilityAlert.windowMs", LIMITS.alertWindow), "availabilityAlert.windowMs");
      check(record, () => checkAlertThreshold(rule.threshold, "availabilityAlert.threshold"), "availabilityAlert.threshold");
    }
    check(record, () => checkManagedBy(s.managedBy), "managedBy");
  }

  const outageIds = new Set<string>();
  for (const o of contents.outages) {
    const record = `outage ${quoteInput(String(o.id))}`;
    check(record, () => checkOutageId(o.id, "id"), "id");
    if (outageIds.has(o.id)) problems.push(`${record}: id: is used by another outage`);
    outageIds.add(o.id);
    if (!serviceIds.has(o.serviceId)) problems.push(`${record}: serviceId: no such service ${quoteInput(String(o.serviceId))}`);
    check(record, () => checkTimeMs(o.startMs, "startMs"), "startMs");
    check(record, () => checkTimeMs(o.endMs, "endMs"), "endMs");
    check(record, () => checkOutageWindow(o.startMs, o.endMs, "endMs", "startMs"), "endMs");
    check(record, () => checkReason(o.reason, "reason"), "reason");
    check(record, () => checkManagedBy(o.managedBy), "managedBy");
  }

  // Observations and announced states are checked for their values only: a
  // leftover row of a removed service or subscription is harmless (nothing
  // reads it), while refusing to start over one would not be.
  const observed = new Set<string>();
  for (const { serviceId, observation } of contents.observations) {
    const record = `observation of service ${quoteInput(String(serviceId))}`;
    if (observed.has(serviceId)) problems.push(`${record}: is listed twice`);
    observed.add(serviceId);
    check(record, () => checkObservation(observation), "observation");
  }

  const announcedKeys = new Set<string>();
  for (const { callerId, serviceId, announced } of contents.announced) {
    const record = `announced state of caller ${quoteInput(String(callerId))} for service ${quoteInput(String(serviceId))}`;
    const key = JSON.stringify([callerId, serviceId]);
    if (announcedKeys.has(key)) problems.push(`${record}: is listed twice`);
    announcedKeys.add(key);
    check(record, () => checkAnnounced(announced), "announced");
  }

  const sequenced = new Set<string>();
  for (const { callerId, lastSequence } of contents.sequences) {
    const record = `sequence of caller ${quoteInput(String(callerId))}`;
    if (sequenced.has(callerId)) problems.push(`${record}: is listed twice`);
    sequenced.add(callerId);
    check(record, () => checkSequence(lastSequence, "lastSequence"), "lastSequence");
  }
  return problems;
}

function checkStatus(value: unknown, field: string): void {
  if (!STATUSES.has(value)) throw invalidArgument(field, `must be "unknown", "up" or "down", got ${quoteInput(String(value))}`);
}

function checkProbeConfig(service: ServiceConfig): void {
  const probe: ProbeConfig | undefined = service.probe;
  if (probe === undefined) return;
  switch (probe.kind) {
    case "tcp":
      if (probe.closeMode !== "fin" && probe.closeMode !== "reset") {
        throw invalidArgument("probe.closeMode", `must be "fin" or "reset", got ${quoteInput(String(probe.closeMode))}`);
      }
      return;
    case "http":
      checkHttpProbeConfig(service, probe);
      return;
    default:
      throw invalidArgument(
        "probe.kind",
        `must be "tcp" or "http", got ${quoteInput(String((probe as { kind: unknown }).kind))}`,
      );
  }
}

/**
 * An HTTP probe obeys the API's rules (domain/http-probe-rules.ts, as
 * RegisterService applies them), is stored as they normalise it (the URL and
 * method are the service's target key, so a second spelling of one URL would
 * slip past the uniqueness check), and the service's host and port are the
 * URL's (service-target.ts), since events, logs and filters name it by them.
 * A body regex must compile with the checks' own engine, as at the API.
 */
function checkHttpProbeConfig(service: ServiceConfig, probe: HttpProbeConfig): void {
  const checked = checkHttpProbe(probe, { regexError: bodyRegexError, field: (name) => `probe.${name}` });
  if (checked.probe.url !== probe.url) {
    throw invalidArgument("probe.url", `is not in its normal form (${quoteInput(checked.probe.url)}), got ${quoteInput(probe.url)}`);
  }
  if (checked.probe.method !== probe.method) {
    throw invalidArgument("probe.method", `must be GET, HEAD or POST, got ${quoteInput(String(probe.method))}`);
  }
  if (service.host !== checked.host || service.port !== checked.port) {
    throw invalidArgument(
      "host, port",
      `must be the URL's (${quoteInput(checked.host)}, ${checked.port}), got ${quoteInput(String(service.host))}, ${String(service.port)}`,
    );
  }
}

const TOKEN_HASH = /^[0-9a-f]{64}$/;

/**
 * A SHA-256 in hex as the server writes it. Anything else can match no
 * token, so the caller would be locked out without anyone knowing why. The
 * value is not repeated in the message: it is as good as a password file's
 * entry, and start-up errors end up in logs.
 */
function checkTokenHash(value: unknown): void {
  if (typeof value === "string" && TOKEN_HASH.test(value)) return;
  const got =
    typeof value !== "string"
      ? `a ${typeof value}`
      : `${value.length} character(s)${/^[0-9a-f]*$/.test(value) ? "" : ", not all lowercase hex digits"}`;
  throw invalidArgument("tokenHash", `must be a SHA-256 as 64 lowercase hex digits, or absent; got ${got}`);
}

function checkManagedBy(value: unknown): void {
  if (value !== undefined && value !== "config") {
    throw invalidArgument("managedBy", `must be "config" or absent, got ${quoteInput(String(value))}`);
  }
}

function checkObservation(o: Observation): void {
  checkStatus(o.status, "status");
  checkTimeMs(o.sinceMs, "sinceMs");
  if (o.lastCheckAt !== undefined) checkTimeMs(o.lastCheckAt, "lastCheckAt");
  if (typeof o.lastLatencyMs !== "number" || !Number.isFinite(o.lastLatencyMs) || o.lastLatencyMs < 0) {
    throw invalidArgument("lastLatencyMs", `must be a non-negative number, got ${String(o.lastLatencyMs)}`);
  }
  if (typeof o.detail !== "string") throw invalidArgument("detail", "must be text");
  if (o.note !== undefined && typeof o.note !== "string") throw invalidArgument("note", "must be text");
  if (o.http !== undefined) {
    toHttpDetails(o.http, (field, rule) => {
      throw invalidArgument(field === "" ? "http" : `http.${field}`, rule);
    });
  }
}

function checkAnnounced(a: Announced): void {
  checkStatus(a.status, "status");
  checkTimeMs(a.sinceMs, "sinceMs");
  if (a.alerting !== undefined && typeof a.alerting !== "boolean") {
    throw invalidArgument("alerting", `must be true, false or absent, got ${quoteInput(String(a.alerting))}`);
  }
}
