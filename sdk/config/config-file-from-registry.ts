import type { Duration } from "@bufbuild/protobuf/wkt";
import {
  TcpCloseMode,
  type AvailabilityAlertRule,
  type Caller,
  type HttpProbe,
  type PlannedOutage,
  type Service,
  type Subscription,
} from "../gen/monitor/v1/resources_pb.js";
import { formatDuration } from "../parse-duration.js";
import { toDate, toMillis } from "../to-millis.js";
import {
  CONFIG_FILE_VERSION,
  type ConfigAvailabilityAlert,
  type ConfigCaller,
  type ConfigFile,
  type ConfigHttpProbe,
  type ConfigOutage,
  type ConfigProbe,
  type ConfigService,
  type ConfigSubscription,
} from "./config-file.js";
import { formatStatusRanges } from "./status-ranges.js";

/** What the management API lists, page after page: the registry as a client sees it. */
export interface RegistryListing {
  readonly services: readonly Service[];
  readonly callers: readonly Caller[];
  readonly subscriptions: readonly Subscription[];
  readonly outages: readonly PlannedOutage[];
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A duration field as the file writes it; undefined when the server left it unset. */
const duration = (value: Duration | undefined) => (value === undefined ? undefined : formatDuration(toMillis(value)));

/** Keeps the keys whose value is set, so the file has no `"x": null` or empty strings. */
function defined<T extends object>(value: { readonly [K in keyof Required<T>]: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== "")) as T;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A request body as UTF-8 text, or undefined when its bytes are not text (the file then writes base64). */
function bodyText(body: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(body);
  } catch {
    return undefined;
  }
}

/**
 * An HTTP check as the server answers it (every default filled in), written
 * out in full; only the optional parts it does not use (headers, body, body
 * check) are left out, and `invert` is written only beside a body check.
 */
function httpEntry(http: HttpProbe): ConfigHttpProbe {
  const names = Object.keys(http.headers).sort(compare);
  const bodyCheck = http.bodyRegex !== "" || http.bodyKeyword !== "";
  const text = bodyText(http.body);
  return defined<ConfigHttpProbe>({
    url: http.url,
    method: http.method === "" ? "GET" : http.method,
    headers: names.length === 0 ? undefined : Object.fromEntries(names.map((name) => [name, http.headers[name]!])),
    // Text when it is UTF-8 (what people send), base64 otherwise, so any bytes round-trip.
    body: text,
    bodyBase64: text === undefined ? Buffer.from(http.body).toString("base64") : undefined,
    expect: http.acceptedStatuses.length === 0 ? "200-399" : formatStatusRanges(http.acceptedStatuses),
    bodyRegex: http.bodyRegex,
    bodyKeyword: http.bodyKeyword,
    invert: bodyCheck ? http.invertBodyMatch : undefined,
    maxRedirects: http.maxRedirects,
    skipTlsVerify: http.skipTlsVerify,
  });
}

function probeEntry(s: Service): ConfigProbe | undefined {
  if (s.probe.case === "http") return { http: httpEntry(s.probe.value) };
  const mode = s.probe.case === "tcp" ? s.probe.value.closeMode : TcpCloseMode.UNSPECIFIED;
  // UNSPECIFIED: the service follows the server's --tcp-close, which the file says by leaving probe out.
  if (mode === TcpCloseMode.FIN) return { tcp: { close: "fin" } };
  if (mode === TcpCloseMode.RESET) return { tcp: { close: "reset" } };
  return undefined;
}

function serviceEntry(s: Service): ConfigService {
  // An HTTP check's host and port are its URL's: the file names only the URL.
  const tcp = s.probe.case !== "http";
  return defined<ConfigService>({
    id: s.id,
    host: tcp ? s.host : undefined,
    port: tcp ? s.port : undefined,
    displayName: s.displayName,
    checkInterval: duration(s.checkInterval),
    checkTimeout: duration(s.checkTimeout),
    probe: probeEntry(s),
  });
}

const callerEntry = (c: Caller): ConfigCaller => defined<ConfigCaller>({ id: c.id, displayName: c.displayName });

/** A rule as the server answers it (fully defaulted); a 0 threshold (unset) is left to the file's default. */
const alertEntry = (rule: AvailabilityAlertRule | undefined): ConfigAvailabilityAlert | undefined =>
  rule === undefined
    ? undefined
    : defined<ConfigAvailabilityAlert>({ window: duration(rule.window), threshold: rule.threshold === 0 ? undefined : rule.threshold });

const subscriptionEntry = (s: Subscription): ConfigSubscription =>
  defined<ConfigSubscription>({
    caller: s.callerId,
    service: s.serviceId,
    pollingInterval: duration(s.pollingInterval),
    gracePeriod: duration(s.gracePeriod),
    availabilityAlert: alertEntry(s.availabilityAlertRule),
  });

const outageEntry = (o: PlannedOutage): ConfigOutage =>
  defined<ConfigOutage>({
    id: o.id,
    service: o.serviceId,
    start: o.startTime === undefined ? "" : toDate(o.startTime).toISOString(),
    end: o.endTime === undefined ? "" : toDate(o.endTime).toISOString(),
    reason: o.reason,
  });

/**
 * The registry as a config file that recreates it: every setting written out
 * (defaults too, so the file does not change meaning if a default does), in a
 * stable order (services and callers by id, subscriptions by caller then
 * service, outages by start then id), so two exports of one registry are
 * byte-identical and a diff of two shows only what changed.
 */
export function configFileFromRegistry(listing: RegistryListing): ConfigFile {
  const outages = [...listing.outages].sort(
    (a, b) => (toMillis(a.startTime) ?? 0) - (toMillis(b.startTime) ?? 0) || compare(a.id, b.id),
  );
  return {
    version: CONFIG_FILE_VERSION,
    services: [...listing.services].sort((a, b) => compare(a.id, b.id)).map(serviceEntry),
    callers: [...listing.callers].sort((a, b) => compare(a.id, b.id)).map(callerEntry),
    subscriptions: [...listing.subscriptions]
      .sort((a, b) => compare(a.callerId, b.callerId) || compare(a.serviceId, b.serviceId))
      .map(subscriptionEntry),
    outages: outages.map(outageEntry),
  };
}
