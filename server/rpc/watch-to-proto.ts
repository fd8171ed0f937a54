import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  AvailabilityAlertSchema,
  AvailabilityRecoveredSchema,
  ServicePausedSchema,
  ServiceResumedSchema,
  SnapshotSchema,
  StatusChangeSchema,
  SubscriptionEndedSchema,
  SubscriptionStatusSchema,
  type WatchResponse,
  WatchResponseSchema,
} from "@service-monitor/sdk/gen/monitor/v1/watch_service_pb.js";
import type { AvailabilityEvent, CallerEvent } from "../domain/types.js";
import type { StreamItem } from "../engine/caller-stream.js";
import { httpDetailsToProto, optionalTimestamp, statusToProto } from "./to-proto.js";

/** What a Watch stream sends, as the wire shows it: a snapshot, or one logged event. */
export function toWatchResponse(item: StreamItem): WatchResponse {
  if (item.kind === "snapshot") {
    return create(WatchResponseSchema, {
      sequence: BigInt(item.sequence),
      eventTime: timestampFromMs(item.timeMs),
      event: {
        case: "snapshot",
        value: create(SnapshotSchema, {
          resync: item.resync,
          subscriptions: item.subscriptions.map((entry) =>
            create(SubscriptionStatusSchema, {
              serviceId: entry.serviceId,
              host: entry.host,
              port: entry.port,
              status: statusToProto(entry.announced.status),
              sinceTime: optionalTimestamp(entry.announced.sinceMs),
              url: entry.url ?? "",
              paused: entry.paused,
              // Absent in what the store derived before any availability event: not alerting.
              availabilityAlert: entry.announced.alerting ?? false,
            }),
          ),
        }),
      },
    });
  }
  const { event: logged } = item;
  return create(WatchResponseSchema, {
    sequence: BigInt(logged.sequence),
    eventTime: timestampFromMs(logged.timeMs),
    event: eventToProto(logged.event),
  });
}

function eventToProto(e: CallerEvent): WatchResponse["event"] {
  switch (e.kind) {
    case "status_change":
      return {
        case: "statusChange",
        value: create(StatusChangeSchema, {
          serviceId: e.serviceId,
          host: e.host,
          port: e.port,
          previousStatus: statusToProto(e.previous),
          status: statusToProto(e.status),
          sinceTime: optionalTimestamp(e.sinceMs),
          detail: e.detail,
          url: e.url ?? "",
          http: e.http === undefined ? undefined : httpDetailsToProto(e.http),
        }),
      };
    case "subscription_ended":
      return {
        case: "subscriptionEnded",
        value: create(SubscriptionEndedSchema, { serviceId: e.serviceId, reason: e.reason }),
      };
    case "service_paused":
      return { case: "servicePaused", value: create(ServicePausedSchema, { serviceId: e.serviceId }) };
    case "service_resumed":
      return { case: "serviceResumed", value: create(ServiceResumedSchema, { serviceId: e.serviceId }) };
    case "availability_alert":
      return { case: "availabilityAlert", value: create(AvailabilityAlertSchema, availabilityFields(e)) };
    case "availability_recovered":
      return { case: "availabilityRecovered", value: create(AvailabilityRecoveredSchema, availabilityFields(e)) };
  }
}

/** AvailabilityAlert and AvailabilityRecovered carry the same fields. */
function availabilityFields(e: AvailabilityEvent) {
  return {
    serviceId: e.serviceId,
    host: e.host,
    port: e.port,
    url: e.url ?? "",
    availability: e.availability,
    threshold: e.threshold,
    window: durationFromMs(e.windowMs),
  };
}
