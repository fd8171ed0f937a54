import { status as grpcStatus, type GrpcError, type GrpcJsClients } from "./grpc-js-client.js";

/**
 * A Watch stream over grpc-js kept as the messages arrived (proto-loader's
 * plain objects: `event` names the oneof case, the case's body under its own
 * name), for event kinds event-recorder.ts does not map, such as issue 11's
 * availability_alert / availability_recovered.
 */
export interface RawWatchEvent {
  readonly sequence: number;
  /** The oneof case: "snapshot", "status_change", "availability_alert", … */
  readonly kind: string;
  /** The case's body, as grpc-js decoded it. */
  readonly body: Record<string, unknown>;
}

export interface RawGrpcJsWatch {
  readonly events: RawWatchEvent[];
  /** Resolves with the first event (past or future) matching `predicate`; rejects after `timeoutMs` or when the stream ends. */
  waitFor(predicate: (event: RawWatchEvent) => boolean, timeoutMs: number, what: string): Promise<RawWatchEvent>;
  /** Set once the stream ended (grpc-js code name, e.g. "UNAVAILABLE", or "OK"). */
  ended(): string | undefined;
  cancel(): void;
}

/** "seq:kind" with the status for a status change, e.g. "3:status_change:DOWN", for order assertions. */
export const describeRaw = (e: RawWatchEvent): string =>
  e.kind === "status_change" ? `${e.sequence}:${e.kind}:${String(e.body["status"]).replace("SERVICE_STATUS_", "")}` : `${e.sequence}:${e.kind}`;

export function watchRawGrpcJs(clients: GrpcJsClients, callerId: string, afterSequence = 0): RawGrpcJsWatch {
  const stream = clients.watch({ caller_id: callerId, after_sequence: afterSequence });
  const events: RawWatchEvent[] = [];
  const waiters = new Set<() => void>();
  let end: string | undefined;
  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };
  stream.on("data", (msg: Record<string, unknown>) => {
    const kind = String(msg["event"]);
    events.push({ sequence: Number(msg["sequence"]), kind, body: (msg[kind] ?? {}) as Record<string, unknown> });
    wake();
  });
  stream.on("error", (error: GrpcError) => {
    end ??= grpcStatus[error.code] ?? String(error.code);
    wake();
  });
  stream.on("end", () => {
    end ??= "OK";
    wake();
  });
  return {
    events,
    ended: () => end,
    cancel: () => stream.cancel(),
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
          if (end !== undefined) settle(() => reject(new Error(`stream ended (${end}) before ${what}; got ${events.map(describeRaw).join(" ")}`)));
        };
        const timer = setTimeout(
          () => settle(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${events.map(describeRaw).join(" ")}`))),
          timeoutMs,
        );
        waiters.add(check);
        check();
      });
    },
  };
}
