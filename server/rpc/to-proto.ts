import { create } from "@bufbuild/protobuf";
import { type Duration, DurationSchema, durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { ServiceState } from "../domain/service-state.js";
import type {
  CallerConfig,
  HttpCheckDetails,
  PlannedOutage,
  ProbeConfig,
  ServiceConfig,
  Status,
  SubscriptionConfig,
  TcpCloseMode,
} from "../domain/types.js";
import {
  AvailabilityAlertRuleSchema,
  type Caller,
  CallerSchema,
  type HttpCheckResult,
  HttpCheckResultSchema,
  HttpProbeSchema,
  type PlannedOutage as PlannedOutageMessage,
  PlannedOutageSchema,
  type Service,
  ServiceSchema,
  ServiceStateSchema,
  ServiceStatus,
  type Subscription,
  SubscriptionSchema,
  TcpCloseMode as WireTcpCloseMode,
  StatusRangeSchema,
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

/**
 * How the service is checked, always set: a service without a probe is a
 * TCP check whose UNSPECIFIED close mode says it follows the server's
 * default; an HTTP probe shows every setting as applied (defaults filled in).
 */
export function probeToProto(probe: ProbeConfig | undefined): Service["probe"] {
  if (probe?.kind === "http") {
    return {
      case: "http",
      value: create(HttpProbeSchema, {
        url: probe.url,
        method: probe.method,
        headers: { ...probe.headers },
        body: probe.body,
        acceptedStatuses: probe.acceptedStatuses.map((r) => create(StatusRangeSchema, { min: r.min, max: r.max })),
        bodyRegex: probe.bodyRegex,
        bodyKeyword: probe.bodyKeyword,
        invertBodyMatch: probe.invertBodyMatch,
        maxRedirects: probe.maxRedirects,
        skipTlsVerify: probe.skipTlsVerify,
      }),
    };
  }
  return { case: "tcp", value: create(TcpProbeSchema, { closeMode: closeModeToProto(probe?.closeMode) }) };
}

/** What an HTTP check saw; a capture group that took no part is "" (proto strings have no null). */
export function httpDetailsToProto(details: HttpCheckDetails): HttpCheckResult {
  const { phases } = details;
  return create(HttpCheckResultSchema, {
    statusCode: details.statusCode ?? 0,
    dns: durationFromFractionalMs(phases.dnsMs),
    connect: durationFromFractionalMs(phases.connectMs),
    tls: durationFromFractionalMs(phases.tlsMs),
    firstByte: durationFromFractionalMs(phases.firstByteMs),
    total: durationFromFractionalMs(phases.totalMs),
    tlsExpireTime: optionalTimestamp(details.tlsExpiresAt),
    captures: details.captures.map((c) => c ?? ""),
    namedCaptures: Object.fromEntries(Object.entries(details.namedCaptures).map(([k, v]) => [k, v ?? ""])),
  });
}

export function serviceToProto(service: ServiceConfig, state: ServiceState | undefined): Service {
  const observation = state?.observation;
  const paused = service.pausedAt !== undefined;
  return create(ServiceSchema, {
    id: service.id,
    host: service.host,
    port: service.port,
    displayName: service.displayName,
    checkInterval: durationFromMs(service.checkIntervalMs),
    checkTimeout: durationFromMs(service.checkTimeoutMs),
    createTime: timestampFromMs(service.createdAt),
    probe: probeToProto(service.probe),
    paused,
    pauseTime: optionalTimestamp(service.pausedAt),
    state: create(ServiceStateSchema, {
      status: statusToProto(observation?.status ?? "unknown"),
      sinceTime: optionalTimestamp(observation?.sinceMs),
      lastCheckTime: optionalTimestamp(observation?.lastCheckAt),
      lastLatency:
        observation?.lastCheckAt === undefined ? undefined : durationFromFractionalMs(observation.lastLatencyMs),
      detail: observation?.detail ?? "",
      effectiveInterval: durationFromMs(state?.effectiveIntervalMs ?? service.checkIntervalMs),
      inPlannedOutage: state?.inPlannedOutage ?? false,
      // A paused service has no next check, whatever the engine last planned.
      nextCheckTime: paused ? undefined : optionalTimestamp(state?.nextCheckAt),
      http: observation?.http === undefined ? undefined : httpDetailsToProto(observation.http),
    }),
  });
}

export function callerToProto(caller: CallerConfig): Caller {
  return create(CallerSchema, {
    id: caller.id,
    displayName: caller.displayName,
    createTime: timestampFromMs(caller.createdAt),
    hasToken: caller.tokenHash !== undefined,
  });
}

export function subscriptionToProto(sub: SubscriptionConfig): Subscription {
  return create(SubscriptionSchema, {
    callerId: sub.callerId,
    serviceId: sub.serviceId,
    pollingInterval: durationFromMs(sub.pollingIntervalMs),
    gracePeriod: durationFromMs(sub.gracePeriodMs),
    // As stored: fully defaulted, so a client sees the window and threshold that apply.
    availabilityAlertRule:
      sub.availabilityAlert === undefined
        ? undefined
        : create(AvailabilityAlertRuleSchema, {
            window: durationFromMs(sub.availabilityAlert.windowMs),
            threshold: sub.availabilityAlert.threshold,
          }),
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
