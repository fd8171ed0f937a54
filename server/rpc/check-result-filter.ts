import { ServiceStatusFilter } from "@service-monitor/sdk/gen/monitor/v1/management_service_pb.js";
import { invalidArgument } from "../domain/monitor-error.js";

/** A history row's kind as ListCheckResults selects it. */
export type CheckResultKind = "up" | "down" | "pause";

/**
 * ListCheckResults' status_filter: UP and DOWN select checks, PAUSED pause
 * markers; UNSPECIFIED is ignored. UNKNOWN is refused: every kept check is
 * UP or DOWN, so it could only ever select nothing, which is more likely a
 * mistake than a wish. Returns undefined for "every row" (nothing selected).
 * Throws invalid_argument naming `status_filter[i]`.
 */
export function checkCheckResultFilter(values: readonly ServiceStatusFilter[]): ReadonlySet<CheckResultKind> | undefined {
  const kinds = new Set<CheckResultKind>();
  values.forEach((value, i) => {
    switch (value) {
      case ServiceStatusFilter.UNSPECIFIED:
        return;
      case ServiceStatusFilter.UP:
        kinds.add("up");
        return;
      case ServiceStatusFilter.DOWN:
        kinds.add("down");
        return;
      case ServiceStatusFilter.PAUSED:
        kinds.add("pause");
        return;
      case ServiceStatusFilter.UNKNOWN:
        throw invalidArgument(`status_filter[${i}]`, "UNKNOWN selects no check result (every check is UP or DOWN)");
      default:
        // proto3 enums are open: a number this server does not know is refused, not ignored.
        throw invalidArgument(`status_filter[${i}]`, `is not a ServiceStatusFilter this server knows, got ${String(value)}`);
    }
  });
  return kinds.size === 0 ? undefined : kinds;
}
