import { ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { WatchService, type WatchRequest } from "@service-monitor/sdk/gen/monitor/v1/watch_service_pb.js";
import { invalidArgument, notFound } from "../domain/monitor-error.js";
import {
  openCallerStream,
  type CallerStreamDeps,
  type CallerStreamOptions,
  type StreamItem,
  type StreamStart,
} from "../engine/caller-stream.js";
import type { Registry } from "../store/registry.js";
import { clientGoneError, isClientGone } from "./client-gone.js";
import { isRefusal, toConnectError } from "./error-interceptor.js";
import { checkCallerRef } from "./validate.js";
import { toWatchResponse } from "./watch-to-proto.js";
import { createWatchStreamGate, type WatchStreamGate, type WatchStreamLimits } from "./watch-stream-gate.js";
import { watchTransportKey } from "./watch-transport.js";

export interface WatchDeps extends CallerStreamDeps {
  readonly registry: Registry;
  readonly streamOptions?: CallerStreamOptions;
  /** Open streams allowed per caller (perConnection is not used here); default DEFAULT_WATCH_STREAM_LIMITS. */
  readonly streamLimits?: WatchStreamLimits;
  /** The per-caller gate, when the caller of createWatchService wants to read its counts; else one of its own. */
  readonly gate?: WatchStreamGate;
  /** Told of a failure that is not a refusal (a store read failing, a bug), before the client sees UNAVAILABLE or INTERNAL. */
  readonly onInternalError?: (error: unknown, procedure: string) => void;
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
 * WatchService: checks the request, admits the stream within the per-caller
 * limit (the per-connection one is checked before connect, in
 * watch-connection-limit.ts), then relays the caller's stream. Errors are
 * mapped here because a streaming handler's failures happen while its
 * responses are read, after any interceptor has returned.
 */
export function createWatchService(deps: WatchDeps): ServiceImpl<typeof WatchService> {
  const gate = deps.gate ?? createWatchStreamGate(deps.streamLimits?.perCaller);
  return {
    async *watch(req, ctx) {
      const transport = ctx.values.get(watchTransportKey);
      let stream: AsyncGenerator<StreamItem, void, undefined>;
      let lease: { release(): void };
      try {
        const callerId = checkCallerRef(req.callerId);
        const start = streamStart(req);
        if (deps.registry.getCaller(callerId) === undefined) throw notFound("caller", callerId);
        lease = gate.admit(callerId);
        // A stream whose client stopped reading has a write pending that will
        // never finish, so the overflow thrown at the next pull would never be
        // seen: reset it instead. If no write is pending, the next pull comes
        // at once and ends the stream with trailers, the message included.
        const onOverflow = () => {
          if (transport?.writeBlocked() === true) transport.resetExhausted();
        };
        stream = openCallerStream(deps, callerId, start, ctx.signal, deps.streamOptions, onOverflow);
      } catch (error) {
        throw toConnectError(error);
      }
      try {
        for await (const item of stream) yield toWatchResponse(item);
      } catch (error) {
        // A response written after the client left fails with Node's write error
        // (thrown in at the yield): the ending of a Watch, not a bug to log.
        if (isClientGone(error, ctx.signal)) throw clientGoneError(ctx.signal);
        if (!isRefusal(error)) deps.onInternalError?.(error, "Watch");
        throw toConnectError(error);
      } finally {
        lease.release();
      }
      // The stream only returns when aborted: by the client (nobody hears
      // this) or by shutdown, whose reason is UNAVAILABLE.
      if (ctx.signal.aborted) throw ConnectError.from(ctx.signal.reason);
    },
  };
}
