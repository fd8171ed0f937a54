import { ServiceStatusFilter } from "@service-monitor/sdk/gen/monitor/v1/management_service_pb.js";
import { formatAddress } from "../domain/format-address.js";
import { invalidArgument } from "../domain/monitor-error.js";
import type { ServiceConfig, Status } from "../domain/types.js";
import { checkText } from "./validate.js";

/** ListServices' selection, checked. */
export interface ServiceListFilter {
  /** Lower case; "" selects every service. */
  readonly text: string;
  /** undefined: every state. */
  readonly state: Status | "paused" | undefined;
  /** What the page tokens are bound to (page-token.ts): "" when nothing is filtered. */
  readonly scope: string;
}

/** The longest `filter` accepted (management_service.proto). */
export const MAX_FILTER_LENGTH = 256;

const STATES: Readonly<Record<number, Status | "paused" | undefined>> = {
  [ServiceStatusFilter.UNSPECIFIED]: undefined,
  [ServiceStatusFilter.UP]: "up",
  [ServiceStatusFilter.DOWN]: "down",
  [ServiceStatusFilter.UNKNOWN]: "unknown",
  [ServiceStatusFilter.PAUSED]: "paused",
};

/** ListServicesRequest's filter and status_filter; throws invalid_argument naming the field. */
export function checkServiceListFilter(req: {
  readonly filter: string;
  readonly statusFilter: ServiceStatusFilter;
}): ServiceListFilter {
  const text = checkText(req.filter, "filter", MAX_FILTER_LENGTH).toLowerCase();
  if (!(req.statusFilter in STATES)) {
    // proto3 enums are open: a number this server does not know is refused, not read as "all".
    throw invalidArgument("status_filter", `is not a ServiceStatusFilter this server knows, got ${String(req.statusFilter)}`);
  }
  const state = STATES[req.statusFilter];
  // Matching ignores case, so "DB" and "db" select the same services and share tokens.
  const scope = text === "" && state === undefined ? "" : JSON.stringify([text, state ?? ""]);
  return { text, state, scope };
}

/**
 * Whether `service` is selected. The text is a case-insensitive substring
 * of the display name, the host, host:port or an HTTP check's URL; the state
 * is the engine's observed status (`statusOf`) for a service that is not
 * paused, "paused" for one that is: UP, DOWN and UNKNOWN never select a
 * paused service, whatever its last check said.
 */
export function matchesServiceFilter(
  service: ServiceConfig,
  filter: ServiceListFilter,
  statusOf: (serviceId: string) => Status,
): boolean {
  if (filter.state !== undefined) {
    const state = service.pausedAt !== undefined ? "paused" : statusOf(service.id);
    if (state !== filter.state) return false;
  }
  if (filter.text === "") return true;
  const haystacks = [service.displayName, service.host, formatAddress(service.host, service.port)];
  if (service.probe?.kind === "http") haystacks.push(service.probe.url);
  return haystacks.some((h) => h.toLowerCase().includes(filter.text));
}
