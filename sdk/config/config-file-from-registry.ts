import type { Duration } from "@bufbuild/protobuf/wkt";
import {
  TcpCloseMode,
  type Caller,
  type PlannedOutage,
  type Service,
  type Subscription,
} from "../gen/monitor/v1/resources_pb.js";
import { formatDuration } from "../parse-duration.js";
import { toDate, toMillis } from "../to-millis.js";
import {
  CONFIG_FILE_VERSION,
  type ConfigCaller,
  type ConfigFile,
  type ConfigOutage,
  type ConfigService,
  type ConfigSubscription,
} from "./config-file.js";

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

function serviceEntry(s: Service): ConfigService {
  const mode = s.probe.case === "tcp" ? s.probe.value.closeMode : TcpCloseMode.UNSPECIFIED;
  // UNSPECIFIED: the service follows the server's --tcp-close, which the file says by leaving probe out.
  const close = mode === TcpCloseMode.FIN ? "fin" : mode === TcpCloseMode.RESET ? "reset" : undefined;
  return defined<ConfigService>({
    id: s.id,
    host: s.host,
    port: s.port,
    displayName: s.displayName,
    checkInterval: duration(s.checkInterval),
    checkTimeout: duration(s.checkTimeout),
    probe: close === undefined ? undefined : { tcp: { close } },
  });
}

const callerEntry = (c: Caller): ConfigCaller => defined<ConfigCaller>({ id: c.id, displayName: c.displayName });

const subscriptionEntry = (s: Subscription): ConfigSubscription =>
  defined<ConfigSubscription>({ caller: s.callerId, service: s.serviceId, pollingInterval: duration(s.pollingInterval), gracePeriod: duration(s.gracePeriod) });

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
