import { create } from "@bufbuild/protobuf";
import { ServiceStatus } from "../../sdk/gen/monitor/v1/resources_pb.js";
import { WatchResponseSchema, type WatchResponse } from "../../sdk/gen/monitor/v1/watch_service_pb.js";

/** A Snapshot response with `sequence` (resync or not). */
export function snapshotAt(sequence: number, resync = false): WatchResponse {
  return create(WatchResponseSchema, { sequence: BigInt(sequence), event: { case: "snapshot", value: { resync } } });
}

/** A StatusChange response with `sequence`: odd ones go UP, even ones DOWN. */
export function changeAt(sequence: number): WatchResponse {
  const status = sequence % 2 === 1 ? ServiceStatus.UP : ServiceStatus.DOWN;
  return create(WatchResponseSchema, {
    sequence: BigInt(sequence),
    event: { case: "statusChange", value: { serviceId: "svc_1", status } },
  });
}

/** "#3 statusChange", "#0 snapshot resync": compact and comparable. */
export function label(response: WatchResponse): string {
  const resync = response.event.case === "snapshot" && response.event.value.resync ? " resync" : "";
  return `#${response.sequence} ${response.event.case ?? "?"}${resync}`;
}

/** A ServicePaused (or, with `resumed`, ServiceResumed) response with `sequence`. */
export function pauseAt(sequence: number, resumed = false): WatchResponse {
  return create(WatchResponseSchema, {
    sequence: BigInt(sequence),
    event: resumed ? { case: "serviceResumed", value: { serviceId: "svc_1" } } : { case: "servicePaused", value: { serviceId: "svc_1" } },
  });
}
