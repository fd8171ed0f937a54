import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  SnapshotSchema,
  StatusChangeSchema,
  SubscriptionEndedSchema,
  SubscriptionStatusSchema,
  WatchService,
  type WatchRequest,
  type WatchResponse,
  WatchResponseSchema,
} from "@service-monitor/sdk/gen/monitor/v1/watch_service_pb.js";
import { invalidArgument } from "../domain/monitor-error.js";
import {
  openCallerStream,
  type CallerStreamDeps,
  type CallerStreamOptions,
  type StreamItem,
  type StreamStart,
} from "../engine/caller-stream.js";
import type { Registry } from "../store/registry.js";
import { toConnectError } from "./error-interceptor.js";
import { optionalTimestamp, statusToProto } from "./to-proto.js";
import { checkRequiredId } from "./validate.js";

export interface WatchDeps extends CallerStreamDeps {
  readonly registry: Registry;
  readonly streamOptions?: CallerStreamOptions;
}

function toWatchResponse(item: StreamItem): WatchResponse {
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
            }),
          ),
        }),
      },
    });
  }
  const { event: logged } = item;
  const e = logged.event;
  return create(WatchResponseSchema, {
    sequence: BigInt(logged.sequence),
    eventTime: timestampFromMs(logged.timeMs),
    event:
      e.kind === "status_change"
        ? {
            case: "statusChange",
            value: create(StatusChangeSchema, {
              serviceId: e.serviceId,
              host: e.host,
              port: e.port,
              previousStatus: statusToProto(e.previous),
              status: statusToProto(e.status),
              sinceTime: optionalTimestamp(e.sinceMs),
              detail: e.detail,
            }),
          }
        : {
            case: "subscriptionEnded",
            value: create(SubscriptionEndedSchema, { serviceId: e.serviceId, reason: e.reason }),
          },
  });
}

/** Where the request asks the stream to start; throws invalid_argument naming the field. */
function streamStart(req: WatchRequest): StreamStart {
  if (req.afterSequence > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw invalidArgument("after_sequence", `must be at most ${Number.MAX_SAFE_INTEGER}`);
  }
  if (req.replayFromStart && req.afterSequence !== 0n) {
    throw invalidArgument("replay_from_start", `may only be set with after_sequence 0, got after_sequence ${req.afterSequence}`);
  }
  if (req.afterSequence === 0n && !req.replayFromStart) return { kind: "snapshot" };
  return { kind: "replay", afterSequence: Number(req.afterSequence) };
}

/**
 * WatchService: checks the request, then relays the caller's stream. Errors
 * are mapped here because a streaming handler's failures happen while its
 * responses are read, after any interceptor has returned.
 */
export function createWatchService(deps: WatchDeps): ServiceImpl<typeof WatchService> {
  return {
    async *watch(req, ctx) {
      let stream: AsyncGenerator<StreamItem, void, undefined>;
      try {
        const callerId = checkRequiredId(req.callerId, "caller_id");
        if (deps.registry.getCaller(callerId) === undefined) {
          throw new ConnectError(`caller "${callerId}" not found`, Code.NotFound);
        }
        stream = openCallerStream(deps, callerId, streamStart(req), ctx.signal, deps.streamOptions);
      } catch (error) {
        throw toConnectError(error);
      }
      try {
        for await (const item of stream) yield toWatchResponse(item);
      } catch (error) {
        throw toConnectError(error);
      }
      // The stream only returns when aborted: by the client (nobody hears
      // this) or by shutdown, whose reason is UNAVAILABLE.
      if (ctx.signal.aborted) throw ConnectError.from(ctx.signal.reason);
    },
  };
}
