import type { Service } from "../gen/monitor/v1/resources_pb.js";
import { ServiceStatus } from "../gen/monitor/v1/resources_pb.js";
import { paintStatus, type Paint } from "./format-values.js";

/** host:port, with brackets for an IPv6 literal ("[::1]:8080"). */
export function formatAddress(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** What a service checks, as an operator typed it: its URL for an HTTP check, else host:port. */
export function serviceTarget(service: Service): string {
  return service.probe.case === "http" ? service.probe.value.url : formatAddress(service.host, service.port);
}

/**
 * A service's state in one cell: PAUSED while paused (its last status is
 * stale then), else UP/DOWN/UNKNOWN, and for an HTTP check the last status
 * code, e.g. "DOWN (HTTP 503)".
 */
export function statusCell(paint: Paint, service: Service): string {
  if (service.paused) return paint.yellow("PAUSED");
  const status = service.state?.status ?? ServiceStatus.UNSPECIFIED;
  const code = service.state?.http?.statusCode ?? 0;
  return paintStatus(paint, status) + (code === 0 ? "" : ` (HTTP ${code})`);
}
