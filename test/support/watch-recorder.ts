import type { Client } from "@connectrpc/connect";
import { ConnectError } from "@connectrpc/connect";
import { grpcCodeName } from "../../sdk/cli/grpc-code-name.js";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { ServiceStatus } from "../../sdk/gen/monitor/v1/resources_pb.js";
import type { WatchService } from "../../sdk/gen/monitor/v1/watch_service_pb.js";
import { status as grpcStatus, type GrpcError, type GrpcJsClients } from "./grpc-js-client.js";

/**
 * One Watch event as the integration tests look at it, whichever client
 * received it (grpc-js gives strings for uint64 and enum names, Connect gives
 * bigints and numbers): enough to assert order, content and arrival time.
 */
export interface RecordedEvent {
  readonly sequence: number;
  readonly kind: "snapshot" | "status_change" | "subscription_ended";
  readonly serviceId: string;
  /** "UP" / "DOWN" / "UNSPECIFIED" for a status change; "" otherwise. */
  readonly status: string;
  /** since_time of a status change, epoch ms; NaN otherwise. */
  readonly sinceMs: number;
  readonly resync: boolean;
  /** Date.now() when the client handed it over. */
  readonly receivedAt: number;
}

export interface StreamEnd {
  /** gRPC status code name, e.g. "UNAVAILABLE", or "CANCELLED" after cancel(). */
  readonly code: string;
  readonly message: string;
}

export interface WatchRecorder {
  readonly events: RecordedEvent[];
  /** Status changes only, the usual subject of an assertion. */
  changes(): RecordedEvent[];
  /** Resolves with the first recorded event (past or future) matching `predicate`. */
  waitFor(predicate: (event: RecordedEvent) => boolean, timeoutMs: number, what: string): Promise<RecordedEvent>;
  /** Settles when the stream ends, for whatever reason. */
  readonly ended: Promise<StreamEnd>;
  cancel(): void;
}

const STATUS_NAMES: Record<number, string> = {
  [ServiceStatus.UNSPECIFIED]: "UNSPECIFIED",
  [ServiceStatus.UP]: "UP",
  [ServiceStatus.DOWN]: "DOWN",
};

function createRecorder(cancel: () => void) {
  const events: RecordedEvent[] = [];
  const waiters = new Set<() => void>();
  let endState: StreamEnd | undefined;
  let resolveEnded!: (end: StreamEnd) => void;
  const ended = new Promise<StreamEnd>((resolve) => (resolveEnded = resolve));
  const recorder: WatchRecorder = {
    events,
    changes: () => events.filter((e) => e.kind === "status_change"),
    ended,
    cancel,
    waitFor(predicate, timeoutMs, what) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(predicate);
          if (found !== undefined) return done(() => resolve(found));
          if (endState !== undefined) done(() => reject(new Error(`stream ended (${endState!.code}: ${endState!.message}) before ${what}`)));
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(events)}`))),
          timeoutMs,
        );
        const done = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
  };
  return {
    recorder,
    push(event: Omit<RecordedEvent, "receivedAt">) {
      events.push({ ...event, receivedAt: Date.now() });
      for (const waiter of [...waiters]) waiter();
    },
    end(end: StreamEnd) {
      if (endState !== undefined) return;
      endState = end;
      resolveEnded(end);
      for (const waiter of [...waiters]) waiter();
    },
  };
}

type GrpcJsTimestamp = { seconds: string; nanos: number } | null;
const grpcJsMs = (t: GrpcJsTimestamp) => (t === null ? Number.NaN : Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6));

/** Records a Watch stream opened with grpc-js (an independent gRPC implementation). */
export function recordGrpcJsWatch(clients: GrpcJsClients, callerId: string, afterSequence = 0): WatchRecorder {
  const stream = clients.watch({ caller_id: callerId, after_sequence: afterSequence });
  const { recorder, push, end } = createRecorder(() => stream.cancel());
  stream.on("data", (msg: Record<string, never>) => {
    const kind = msg["event"] as RecordedEvent["kind"];
    const body = (msg[kind] ?? {}) as Record<string, never>;
    push({
      sequence: Number(msg["sequence"]),
      kind,
      serviceId: body["service_id"] ?? "",
      status: kind === "status_change" ? String(body["status"]).replace("SERVICE_STATUS_", "") : "",
      sinceMs: kind === "status_change" ? grpcJsMs(body["since_time"]) : Number.NaN,
      resync: kind === "snapshot" && body["resync"] === true,
    });
  });
  stream.on("error", (error: GrpcError) => end({ code: grpcStatus[error.code] ?? String(error.code), message: error.details }));
  stream.on("end", () => end({ code: "OK", message: "" }));
  return recorder;
}

/** Records a Watch stream opened with a Connect client (over any transport). */
export function recordConnectWatch(client: Client<typeof WatchService>, callerId: string, afterSequence = 0): WatchRecorder {
  const abort = new AbortController();
  const { recorder, push, end } = createRecorder(() => abort.abort());
  void (async () => {
    try {
      for await (const msg of client.watch({ callerId, afterSequence: BigInt(afterSequence) }, { signal: abort.signal })) {
        const event = msg.event;
        if (event.case === undefined) continue;
        push({
          sequence: Number(msg.sequence),
          kind: event.case === "statusChange" ? "status_change" : event.case === "subscriptionEnded" ? "subscription_ended" : "snapshot",
          serviceId: event.case === "snapshot" ? "" : event.value.serviceId,
          status: event.case === "statusChange" ? STATUS_NAMES[event.value.status] ?? String(event.value.status) : "",
          sinceMs: event.case === "statusChange" && event.value.sinceTime !== undefined ? timestampMs(event.value.sinceTime) : Number.NaN,
          resync: event.case === "snapshot" && event.value.resync,
        });
      }
      end({ code: "OK", message: "" });
    } catch (error) {
      const e = ConnectError.from(error);
      end({ code: grpcCodeName(e.code), message: e.rawMessage });
    }
  })();
  return recorder;
}
