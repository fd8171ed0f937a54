import type { Client } from "@connectrpc/connect";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { ServiceStatus } from "../../sdk/gen/monitor/v1/resources_pb.js";
import type { WatchResponse, WatchService } from "../../sdk/gen/monitor/v1/watch_service_pb.js";

/** One event of a caller's log as read back from the server, with the server's own event time. */
export interface LogEntry {
  readonly sequence: number;
  readonly kind: "status_change" | "subscription_ended";
  readonly serviceId: string;
  /** "UP" / "DOWN" for a status change; the reason ("unsubscribed", "service unregistered") for an ending. */
  readonly what: string;
  /** since_time of a status change, epoch ms; NaN for an ending. */
  readonly sinceMs: number;
  /** event_time: when the server logged it, epoch ms. */
  readonly eventTimeMs: number;
}

/** A caller's whole retained log: what the snapshot said was last, and every event up to it. */
export interface EventLog {
  /** The sequence a fresh Watch's Snapshot stood at. */
  readonly lastSequence: number;
  readonly entries: readonly LogEntry[];
}

const STATUS: Record<number, string> = { [ServiceStatus.UP]: "UP", [ServiceStatus.DOWN]: "DOWN", [ServiceStatus.UNSPECIFIED]: "UNSPECIFIED" };

function toEntry(msg: WatchResponse): LogEntry | "snapshot" {
  const { event } = msg;
  const eventTimeMs = msg.eventTime === undefined ? Number.NaN : timestampMs(msg.eventTime);
  switch (event.case) {
    case "statusChange":
      return {
        sequence: Number(msg.sequence),
        kind: "status_change",
        serviceId: event.value.serviceId,
        what: STATUS[event.value.status] ?? String(event.value.status),
        sinceMs: event.value.sinceTime === undefined ? Number.NaN : timestampMs(event.value.sinceTime),
        eventTimeMs,
      };
    case "subscriptionEnded":
      return { sequence: Number(msg.sequence), kind: "subscription_ended", serviceId: event.value.serviceId, what: event.value.reason, sinceMs: Number.NaN, eventTimeMs };
    default:
      return "snapshot";
  }
}

/**
 * Reads a caller's log through the public API, as a client that lost
 * everything would: a fresh Watch to learn the last sequence (its Snapshot),
 * then Watch `replay_from_start` up to that sequence. Throws when the replay
 * brings a Snapshot (events no longer retained) instead of events.
 */
export async function readEventLog(watch: Client<typeof WatchService>, callerId: string, timeoutMs = 10_000): Promise<EventLog> {
  const lastSequence = await firstMessage(watch, callerId, timeoutMs, (msg) => {
    if (msg.event.case !== "snapshot") throw new Error(`${callerId}: a fresh Watch began with ${msg.event.case}, not a Snapshot`);
    return Number(msg.sequence);
  });
  const entries: LogEntry[] = [];
  if (lastSequence === 0) return { lastSequence, entries };
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`${callerId}: replay did not reach sequence ${lastSequence} in ${timeoutMs} ms`)), timeoutMs);
  try {
    for await (const msg of watch.watch({ callerId, replayFromStart: true }, { signal: abort.signal })) {
      const entry = toEntry(msg);
      if (entry === "snapshot") throw new Error(`${callerId}: replay from the start gave a Snapshot (resync ${String(msg.event.case === "snapshot" && msg.event.value.resync)})`);
      entries.push(entry);
      if (entry.sequence >= lastSequence) break;
    }
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return { lastSequence, entries };
}

async function firstMessage<T>(watch: Client<typeof WatchService>, callerId: string, timeoutMs: number, take: (msg: WatchResponse) => T): Promise<T> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`${callerId}: no Snapshot in ${timeoutMs} ms`)), timeoutMs);
  try {
    for await (const msg of watch.watch({ callerId }, { signal: abort.signal })) return take(msg);
    throw new Error(`${callerId}: the Watch stream ended before its Snapshot`);
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

/**
 * The first event of the caller's log after `afterSequence` that `matches`,
 * as a Watch resumed there delivers it (replayed or live; from 0, after the
 * fresh watch's Snapshot); fails after `timeoutMs` naming `what`.
 */
export async function nextEvent(
  watch: Client<typeof WatchService>,
  callerId: string,
  afterSequence: number,
  matches: (entry: LogEntry) => boolean,
  timeoutMs: number,
  what: string,
): Promise<LogEntry> {
  const abort = new AbortController();
  const seen: LogEntry[] = [];
  const timer = setTimeout(() => abort.abort(new Error(`${callerId}: no ${what} in ${timeoutMs} ms; got ${JSON.stringify(seen)}`)), timeoutMs);
  try {
    for await (const msg of watch.watch({ callerId, afterSequence: BigInt(afterSequence) }, { signal: abort.signal })) {
      const entry = toEntry(msg);
      if (entry === "snapshot") {
        // A fresh watch begins with one; a resumed one must not need one.
        if (afterSequence === 0 && seen.length === 0) continue;
        throw new Error(`${callerId}: resuming after ${afterSequence} gave a Snapshot`);
      }
      seen.push(entry);
      if (matches(entry)) return entry;
    }
    throw new Error(`${callerId}: the Watch stream ended before ${what}; got ${JSON.stringify(seen)}`);
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}
