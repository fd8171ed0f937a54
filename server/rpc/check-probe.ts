import type { RegisterServiceRequest } from "@service-monitor/sdk/gen/monitor/v1/management_service_pb.js";
import { TcpCloseMode as WireTcpCloseMode } from "@service-monitor/sdk/gen/monitor/v1/resources_pb.js";
import { checkHttpProbe } from "../domain/http-probe-rules.js";
import { invalidArgument } from "../domain/monitor-error.js";
import type { ProbeConfig } from "../domain/types.js";
import { bodyRegexError } from "../engine/body-match.js";
import { checkHost, checkPort } from "./validate.js";

/** What a service checks, as checked: its host and port, and the probe to store (none: TCP with the server's default). */
export interface CheckedTarget {
  readonly host: string;
  readonly port: number;
  readonly probe?: ProbeConfig;
}

/**
 * The request's host, port and `oneof probe` → what the service checks.
 * Nothing chosen (the oneof unset, or `tcp` with close_mode UNSPECIFIED)
 * gives no `probe`, so the service follows the server's `--tcp-close`
 * default; a close mode number this server does not know (proto3 enums are
 * open) is refused rather than silently treated as the default. An HTTP
 * probe names its host and port in its URL, so host and port beside it are
 * refused rather than ignored. `prefix` goes before every field name
 * ("service." in UpdateService).
 */
export function checkTarget(
  req: Pick<RegisterServiceRequest, "host" | "port" | "probe">,
  prefix = "",
): CheckedTarget {
  const { probe } = req;
  if (probe.case === "http") {
    if (req.host !== "") throw invalidArgument(`${prefix}host`, "must be empty with http; the URL names the host");
    if (req.port !== 0) throw invalidArgument(`${prefix}port`, "must be 0 with http; the URL names the port");
    return checkHttpProbe(probe.value, { regexError: bodyRegexError, field: (name) => `${prefix}http.${name}` });
  }
  const host = checkHost(req.host, `${prefix}host`);
  const port = checkPort(req.port, `${prefix}port`);
  if (probe.case === undefined) return { host, port };
  switch (probe.value.closeMode) {
    case WireTcpCloseMode.UNSPECIFIED:
      return { host, port };
    case WireTcpCloseMode.FIN:
      return { host, port, probe: { kind: "tcp", closeMode: "fin" } };
    case WireTcpCloseMode.RESET:
      return { host, port, probe: { kind: "tcp", closeMode: "reset" } };
    default:
      throw invalidArgument(
        `${prefix}tcp.close_mode`,
        `must be TCP_CLOSE_MODE_FIN, TCP_CLOSE_MODE_RESET or unset, got ${String(probe.value.closeMode)}`,
      );
  }
}
