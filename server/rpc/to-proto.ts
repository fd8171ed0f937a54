import { create } from "@bufbuild/protobuf";
import { type Duration, DurationSchema, durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { ServiceState } from "../domain/service-state.js";
import type {
  CallerConfig,
  PlannedOutage,
  ServiceConfig,
  Status,
  SubscriptionConfig,
  TcpCloseMode,
} from "../domain/types.js";
import {
  type Caller,
  CallerSchema,
  type PlannedOutage as PlannedOutageMessage,
  PlannedOutageSchema,
  type Service,
  ServiceSchema,
  ServiceStateSchema,
  ServiceStatus,
  type Subscription,
  SubscriptionSchema,
  TcpCloseMode as WireTcpCloseMode,
  TcpProbeSchema,
} from "@service-monitor/sdk/gen/monitor/v1/resources_pb.js";

/** Domain values → wire messages. The only place that knows both shapes. */

export function statusToProto(status: Status): ServiceStatus {
  switch (status) {
    case "up":
      return ServiceStatus.UP;
    case "down":
      return ServiceStatus.DOWN;
    case "unknown":
      return ServiceStatus.UNSPECIFIED;
  }
}

/**
 * A Duration from milliseconds that may have a fraction (latencies come from
 * performance.now()): protobuf-es's durationFromMs would put the fraction into
 * nanos unrounded, and an int32 field cannot hold 13910519.0000009.
 */
export function durationFromFractionalMs(ms: number): Duration {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1_000_000);
  return nanos >= 1_000_000_000
    ? create(DurationSchema, { seconds: BigInt(seconds + 1), nanos: 0 })
    : create(DurationSchema, { seconds: BigInt(seconds), nanos });
}

/** A time field that is unset rather than 1970 when the domain has no value (0 / undefined). */
export function optionalTimestamp(ms: number | undefined) {
  return ms === undefined || ms === 0 ? undefined : timestampFromMs(ms);
}

/** A chosen close mode, or UNSPECIFIED for a service that follows the server's default. */
export function closeModeToProto(mode: TcpCloseMode | undefined): WireTcpCloseMode {
  switch (mode) {
    case "fin":
      return WireTcpCloseMode.FIN;
    case "reset":
      return WireTcpCloseMode.RESET;
    case undefined:
      return WireTcpCloseMode.UNSPECIFIED;
  }
}

export function serviceToProto(service: ServiceConfig, state: ServiceState | undefined): Service {
  const observation = state?.observation;
  return create(ServiceSchema, {
    id: service.id,
    host: service.host,
    port: service.port,
    displayName: service.displayName,
    checkInterval: durationFromMs(service.checkIntervalMs),
    checkTimeout: durationFromMs(service.checkTimeoutMs),
    createTime: timestampFromMs(service.createdAt),
    // Always set: every service is a TCP check today; UNSPECIFIED says it follows the server's default.
    probe: { case: "tcp", value: create(TcpProbeSchema, { closeMode: closeModeToProto(service.probe?.closeMode) }) },
    state: create(ServiceStateSchema, {
      status: statusToProto(observation?.status ?? "unknown"),
      sinceTime: optionalTimestamp(observation?.sinceMs),
      lastCheckTime: optionalTimestamp(observation?.lastCheckAt),
      lastLatency:
        observation?.lastCheckAt === undefined ? undefined : durationFromFractionalMs(observation.lastLatencyMs),
      detail: observation?.detail ?? "",
      effectiveInterval: durationFromMs(state?.effectiveIntervalMs ?? service.checkIntervalMs),
      inPlannedOutage: state?.inPlannedOutage ?? false,
      nextCheckTime: optionalTimestamp(state?.nextCheckAt),
    }),
  });
}

export function callerToProto(caller: CallerConfig): Caller {
  return create(CallerSchema, {
    id: caller.id,
    displayName: caller.displayName,
    createTime: timestampFromMs(caller.createdAt),
  });
}

export function subscriptionToProto(sub: SubscriptionConfig): Subscription {
  return create(SubscriptionSchema, {
    callerId: sub.callerId,
    serviceId: sub.serviceId,
    pollingInterval: durationFromMs(sub.pollingIntervalMs),
    gracePeriod: durationFromMs(sub.gracePeriodMs),
  });
}

export function outageToProto(outage: PlannedOutage): PlannedOutageMessage {
  return create(PlannedOutageSchema, {
    id: outage.id,
    serviceId: outage.serviceId,
    startTime: timestampFromMs(outage.startMs),
    endTime: timestampFromMs(outage.endMs),
    reason: outage.reason,
  });
}
