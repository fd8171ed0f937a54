import { ConnectError, type Client } from "@connectrpc/connect";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { grpcCodeName } from "../../sdk/cli/grpc-code-name.js";
import { ServiceStatus } from "../../sdk/gen/monitor/v1/resources_pb.js";
import type { WatchResponse, WatchService } from "../../sdk/gen/monitor/v1/watch_service_pb.js";
import { status as grpcStatus, type GrpcError, type GrpcJsClients } from "./grpc-js-client.js";
import type { StreamEnd } from "./watch-recorder.js";

/**
 * Every Watch event kind with the fields issue 10 added (detail, url, HTTP
 * status code and captures, pause events, snapshot pause flags), whichever
 * client received it. watch-recorder.ts keeps the older, narrower shape the
 * TCP tests assert on; the HTTP and pause tests need the rest.
 */
export interface HeardEvent {
  readonly sequence: number;
  readonly kind:
    | "snapshot"
    | "status_change"
    | "subscription_ended"
    | "service_paused"
    | "service_resumed"
    | "availability_alert"
    | "availability_recovered";
  /** "" for a snapshot. */
  readonly serviceId: string;
  /** "UP" / "DOWN" / "UNSPECIFIED" for a status change; "" otherwise. */
  readonly status: string;
  readonly previousStatus: string;
  /** A status change's since_time, epoch ms; NaN otherwise. */
  readonly sinceMs: number;
  readonly detail: string;
  readonly url: string;
  /** status_change.http.status_code; undefined when the event has no http part. */
  readonly httpStatusCode: number | undefined;
  readonly captures: readonly string[];
  /** An availability event's availability (0 to 1); NaN otherwise. */
  readonly availability: number;
  /** A snapshot's subscriptions; empty otherwise. */
  readonly subscriptions: readonly { serviceId: string; status: string; url: string; paused: boolean }[];
}

export interface EventRecorder {
  readonly events: HeardEvent[];
  /** Status changes of `serviceId` (all services when omitted), oldest first. */
  changes(serviceId?: string): HeardEvent[];
  /** Resolves with the first event (past or future) matching `predicate`; rejects after `timeoutMs` or when the stream ends. */
  waitFor(predicate: (event: HeardEvent) => boolean, timeoutMs: number, what: string): Promise<HeardEvent>;
  readonly ended: Promise<StreamEnd>;
  cancel(): void;
}

/** "seq:UP", "seq:service_paused", …: a compact line for sequence assertions and failure messages. */
export const summarize = (events: readonly HeardEvent[]): string[] =>
  events.map((e) => `${e.sequence}:${e.kind === "status_change" ? e.status : e.kind}`);

const STATUS_NAMES: Record<number, string> = {
  [ServiceStatus.UNSPECIFIED]: "UNSPECIFIED",
  [ServiceStatus.UP]: "UP",
  [ServiceStatus.DOWN]: "DOWN",
};
const connectStatus = (s: ServiceStatus) => STATUS_NAMES[s] ?? String(s);
const grpcJsStatus = (s: unknown) => String(s).replace("SERVICE_STATUS_", "");

function createRecorder(cancel: () => void) {
  const events: HeardEvent[] = [];
  const waiters = new Set<() => void>();
  let endState: StreamEnd | undefined;
  let resolveEnded!: (end: StreamEnd) => void;
  const ended = new Promise<StreamEnd>((resolve) => (resolveEnded = resolve));
  const recorder: EventRecorder = {
    events,
    changes: (serviceId) => events.filter((e) => e.kind === "status_change" && (serviceId === undefined || e.serviceId === serviceId)),
    ended,
    cancel,
    waitFor(predicate, timeoutMs, what) {
      return new Promise((resolve, reject) => {
        const settle = (finish: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          finish();
        };
        const check = () => {
          const found = events.find(predicate);
          if (found !== undefined) return settle(() => resolve(found));
          if (endState !== undefined) settle(() => reject(new Error(`stream ended (${endState!.code}: ${endState!.message}) before ${what}; got ${summarize(events).join(" ")}`)));
        };
        const timer = setTimeout(
          () => settle(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(events)}`))),
          timeoutMs,
        );
        waiters.add(check);
        check();
      });
    },
  };
  return {
    recorder,
    push(event: HeardEvent) {
      events.push(event);
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

const BLANK = { serviceId: "", status: "", previousStatus: "", sinceMs: Number.NaN, detail: "", url: "", httpStatusCode: undefined, captures: [], availability: Number.NaN, subscriptions: [] };

/** A Connect WatchResponse as a {@link HeardEvent}; undefined for an event kind this client does not know. */
function fromConnect(msg: WatchResponse): HeardEvent | undefined {
  const sequence = Number(msg.sequence);
  const event = msg.event;
  switch (event.case) {
    case "snapshot":
      return {
        ...BLANK,
        sequence,
        kind: "snapshot",
        subscriptions: event.value.subscriptions.map((s) => ({ serviceId: s.serviceId, status: connectStatus(s.status), url: s.url, paused: s.paused })),
      };
    case "statusChange": {
      const change = event.value;
      return {
        ...BLANK,
        sequence,
        kind: "status_change",
        serviceId: change.serviceId,
        status: connectStatus(change.status),
        previousStatus: connectStatus(change.previousStatus),
        sinceMs: change.sinceTime === undefined ? Number.NaN : timestampMs(change.sinceTime),
        detail: change.detail,
        url: change.url,
        httpStatusCode: change.http?.statusCode,
        captures: change.http?.captures ?? [],
      };
    }
    case "subscriptionEnded":
      return { ...BLANK, sequence, kind: "subscription_ended", serviceId: event.value.serviceId };
    case "servicePaused":
      return { ...BLANK, sequence, kind: "service_paused", serviceId: event.value.serviceId };
    case "serviceResumed":
      return { ...BLANK, sequence, kind: "service_resumed", serviceId: event.value.serviceId };
    case "availabilityAlert":
      return { ...BLANK, sequence, kind: "availability_alert", serviceId: event.value.serviceId, availability: event.value.availability };
    case "availabilityRecovered":
      return { ...BLANK, sequence, kind: "availability_recovered", serviceId: event.value.serviceId, availability: event.value.availability };
    case undefined:
      return undefined;
  }
}

type Plain = Record<string, unknown>;

/** A grpc-js Timestamp ({ seconds: "…", nanos }) as epoch ms; NaN when unset. */
function grpcJsMs(value: unknown): number {
  if (value === null || value === undefined) return Number.NaN;
  const t = value as { seconds: string; nanos: number };
  return Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6);
}

/** A grpc-js (proto-loader, keepCase, enums as names) message as a {@link HeardEvent}. */
function fromGrpcJs(msg: Plain): HeardEvent {
  const sequence = Number(msg["sequence"]);
  const kind = msg["event"] as HeardEvent["kind"];
  const body = (msg[kind] ?? {}) as Plain;
  if (kind === "snapshot") {
    const subscriptions = (body["subscriptions"] as Plain[] | undefined) ?? [];
    return {
      ...BLANK,
      sequence,
      kind,
      subscriptions: subscriptions.map((s) => ({
        serviceId: String(s["service_id"]),
        status: grpcJsStatus(s["status"]),
        url: String(s["url"] ?? ""),
        paused: s["paused"] === true,
      })),
    };
  }
  const http = (body["http"] ?? null) as Plain | null;
  return {
    ...BLANK,
    sequence,
    kind,
    serviceId: String(body["service_id"] ?? ""),
    ...(kind === "status_change"
      ? {
          status: grpcJsStatus(body["status"]),
          previousStatus: grpcJsStatus(body["previous_status"]),
          sinceMs: grpcJsMs(body["since_time"]),
          detail: String(body["detail"] ?? ""),
          url: String(body["url"] ?? ""),
          httpStatusCode: http === null ? undefined : Number(http["status_code"]),
          captures: http === null ? [] : ((http["captures"] as string[] | undefined) ?? []),
        }
      : {}),
    ...(kind === "availability_alert" || kind === "availability_recovered" ? { availability: Number(body["availability"] ?? 0) } : {}),
  };
}

/** Records every event of a Watch stream opened with a Connect client. */
export function recordConnectEvents(client: Client<typeof WatchService>, callerId: string, afterSequence = 0): EventRecorder {
  const abort = new AbortController();
  const { recorder, push, end } = createRecorder(() => abort.abort());
  void (async () => {
    try {
      for await (const msg of client.watch({ callerId, afterSequence: BigInt(afterSequence) }, { signal: abort.signal })) {
        const event = fromConnect(msg);
        if (event !== undefined) push(event);
      }
      end({ code: "OK", message: "" });
    } catch (error) {
      const e = ConnectError.from(error);
      end({ code: grpcCodeName(e.code), message: e.rawMessage });
    }
  })();
  return recorder;
}

/** Records every event of a Watch stream opened with grpc-js (the independent implementation). */
export function recordGrpcJsEvents(clients: GrpcJsClients, callerId: string, afterSequence = 0): EventRecorder {
  const stream = clients.watch({ caller_id: callerId, after_sequence: afterSequence });
  const { recorder, push, end } = createRecorder(() => stream.cancel());
  stream.on("data", (msg: Plain) => push(fromGrpcJs(msg)));
  stream.on("error", (error: GrpcError) => end({ code: grpcStatus[error.code] ?? String(error.code), message: error.details }));
  stream.on("end", () => end({ code: "OK", message: "" }));
  return recorder;
}

/** Matches a status change of `serviceId` to `status` ("UP" / "DOWN"). */
export const changeTo =
  (serviceId: string, status: string) =>
  (e: HeardEvent): boolean =>
    e.kind === "status_change" && e.serviceId === serviceId && e.status === status;
