import type { RegisterServiceRequest } from "@service-monitor/sdk/gen/monitor/v1/management_service_pb.js";
import { TcpCloseMode as WireTcpCloseMode } from "@service-monitor/sdk/gen/monitor/v1/resources_pb.js";
import { invalidArgument } from "../domain/monitor-error.js";
import type { ProbeConfig } from "../domain/types.js";

/**
 * RegisterServiceRequest's `oneof probe` → the service's ProbeConfig. Nothing
 * chosen (the oneof unset, or `tcp` with close_mode UNSPECIFIED) gives no
 * `probe`, so the service follows the server's `--tcp-close` default; a close
 * mode number this server does not know (proto3 enums are open) is refused
 * rather than silently treated as the default.
 */
export function checkProbe(probe: RegisterServiceRequest["probe"]): { probe?: ProbeConfig } {
  if (probe.case === undefined) return {};
  switch (probe.value.closeMode) {
    case WireTcpCloseMode.UNSPECIFIED:
      return {};
    case WireTcpCloseMode.FIN:
      return { probe: { kind: "tcp", closeMode: "fin" } };
    case WireTcpCloseMode.RESET:
      return { probe: { kind: "tcp", closeMode: "reset" } };
    default:
      throw invalidArgument(
        "tcp.close_mode",
        `must be TCP_CLOSE_MODE_FIN, TCP_CLOSE_MODE_RESET or unset, got ${String(probe.value.closeMode)}`,
      );
  }
}
