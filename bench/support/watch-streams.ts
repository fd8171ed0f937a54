import { setMaxListeners } from "node:events";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { ServiceStatus } from "../../sdk/gen/monitor/v1/resources_pb.js";
import type { WatchResponse } from "../../sdk/gen/monitor/v1/watch_service_pb.js";
import type { MonitorClients } from "./monitor-client.js";

/** A status change as one stream received it. */
export interface ReceivedChange {
  /** Index of the stream (in the caller-id list it was opened from). */
  readonly stream: number;
  readonly serviceId: string;
  readonly status: "up" | "down" | "unknown";
  /** since_time: the first check that saw the new status, server clock (epoch ms). */
  readonly sinceMs: number;
  /** Date.now() here when the client handed the message over; same machine clock. */
  readonly receivedAt: number;
}

export interface WatchStreams {
  /** Resolves once every stream has received its snapshot (so it is live). */
  readonly ready: Promise<void>;
  /** Streams that ended with an error, and why. */
  readonly failures: readonly Error[];
  close(): void;
}

const STATUS: Record<number, ReceivedChange["status"]> = {
  [ServiceStatus.UP]: "up",
  [ServiceStatus.DOWN]: "down",
  [ServiceStatus.UNSPECIFIED]: "unknown",
};

/**
 * Hands a Watch response to `onChange` if it is a status change; returns
 * whether it was a snapshot (the stream is live once its snapshot came).
 */
export function dispatchResponse(
  response: WatchResponse,
  stream: number,
  receivedAt: number,
  onChange: (change: ReceivedChange) => void,
): boolean {
  if (response.event.case === "statusChange") {
    const change = response.event.value;
    onChange({
      stream,
      serviceId: change.serviceId,
      status: STATUS[change.status] ?? "unknown",
      sinceMs: change.sinceTime === undefined ? Number.NaN : timestampMs(change.sinceTime),
      receivedAt,
    });
  }
  return response.event.case === "snapshot";
}

/** Resolves once `count` streams have called `live()`; rejects on the first `fail()`. */
export function createReadyLatch(count: number): { ready: Promise<void>; live(): void; fail(error: Error): void } {
  let pending = count;
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  if (pending === 0) resolve();
  return {
    ready,
    live: () => {
      if (--pending === 0) resolve();
    },
    fail: reject,
  };
}

/**
 * Opens one Watch stream (after_sequence 0) per caller id, spread round-robin
 * over the clients' connections, and reports every status change. Arrival is
 * stamped before anything else is done with the message.
 */
export function openWatchStreams(
  clients: MonitorClients,
  callerIds: readonly string[],
  onChange: (change: ReceivedChange) => void,
): WatchStreams {
  const abort = new AbortController();
  // Every stream listens on this one signal.
  setMaxListeners(0, abort.signal);
  const failures: Error[] = [];
  const latch = createReadyLatch(callerIds.length);

  async function run(stream: number, callerId: string): Promise<void> {
    const client = clients.watch[stream % clients.watch.length]!;
    let snapshotSeen = false;
    for await (const response of client.watch({ callerId, afterSequence: 0n }, { signal: abort.signal, timeoutMs: 0 })) {
      if (dispatchResponse(response, stream, Date.now(), onChange) && !snapshotSeen) {
        snapshotSeen = true;
        latch.live();
      }
    }
  }

  callerIds.forEach((callerId, stream) => {
    run(stream, callerId).catch((error: unknown) => {
      if (abort.signal.aborted) return;
      const failure = error instanceof Error ? error : new Error(String(error));
      failures.push(failure);
      latch.fail(failure);
    });
  });
  return { ready: latch.ready, failures, close: () => abort.abort() };
}
