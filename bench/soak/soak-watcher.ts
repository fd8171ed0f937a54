import { createHash } from "node:crypto";
import { toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { WatchResponseSchema, WatchService, type WatchResponse } from "../../sdk/gen/monitor/v1/watch_service_pb.js";
import { createSequenceCheck, type SequenceCheck } from "./sequence-check.js";

/** What one watcher did and heard over the run. */
export interface WatcherReport {
  readonly callerId: string;
  readonly events: number;
  readonly streams: number;
  readonly gaps: number;
  readonly repeats: number;
  /** Snapshots received: a replay from the start or a resume inside the log never sends one. */
  readonly snapshots: number;
  /** Streams that ended with an error other than the watcher's own disconnect, by code name. */
  readonly failures: Readonly<Record<string, number>>;
  readonly check: SequenceCheck;
}

export interface WatcherOptions {
  readonly client: Client<typeof WatchService>;
  readonly callerId: string;
  readonly random: () => number;
  /** How long each stream is held before the watcher drops it and resumes, drawn uniformly (ms). */
  readonly holdMs: readonly [number, number];
  /** Date.now() after which no new stream is opened. */
  readonly stopAt: number;
  readonly signal: AbortSignal;
}

/** The bytes of an event as the log keeps it, hashed: a replay must bring the very same. */
export function digestEvent(event: WatchResponse): string {
  return createHash("sha1").update(toBinary(WatchResponseSchema, event)).digest("hex");
}

/**
 * Watches `callerId` the way a flaky client would: the first stream replays
 * the log from its start, then every stream is dropped after a random hold
 * and the next resumes after the last sequence heard.
 */
export async function runWatcher(options: WatcherOptions): Promise<WatcherReport> {
  const { client, callerId, random, holdMs, stopAt, signal } = options;
  const check = createSequenceCheck();
  const failures: Record<string, number> = {};
  let events = 0;
  let streams = 0;
  let snapshots = 0;
  while (Date.now() < stopAt && !signal.aborted) {
    const hold = holdMs[0] + random() * (holdMs[1] - holdMs[0]);
    const drop = new AbortController();
    const timer = setTimeout(() => drop.abort(), Math.max(0, Math.min(hold, stopAt - Date.now())));
    const onStop = () => drop.abort();
    signal.addEventListener("abort", onStop, { once: true });
    streams++;
    const request = check.last === 0n ? { callerId, replayFromStart: true } : { callerId, afterSequence: check.last };
    try {
      for await (const event of client.watch(request, { signal: drop.signal, timeoutMs: 0 })) {
        if (event.event.case === "snapshot") {
          snapshots++;
          continue;
        }
        events++;
        check.accept(event.sequence, digestEvent(event));
      }
      // The server never ends a Watch by itself but at shutdown.
      if (!drop.signal.aborted) failures["ended"] = (failures["ended"] ?? 0) + 1;
    } catch (error) {
      if (!drop.signal.aborted) {
        const code = error instanceof ConnectError ? Code[error.code] : String(error);
        failures[code] = (failures[code] ?? 0) + 1;
        // A refused or failed stream is retried after a pause, not in a tight loop.
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onStop);
    }
  }
  return { callerId, events, streams, gaps: check.gaps, repeats: check.repeats, snapshots, failures, check };
}

/**
 * Reads the caller's log from its start up to `last` on a fresh stream and
 * counts the sequences whose event differs from what the watcher heard (or
 * that it never heard): 0 when what it heard in pieces is the log itself.
 */
export async function compareWithLog(client: Client<typeof WatchService>, report: WatcherReport): Promise<number> {
  const last = report.check.last;
  if (last === 0n) return 0;
  let mismatches = 0;
  const done = new AbortController();
  for await (const event of client.watch({ callerId: report.callerId, replayFromStart: true }, { signal: done.signal, timeoutMs: 60_000 })) {
    if (event.event.case === "snapshot") {
      mismatches++;
      continue;
    }
    if (report.check.digests.get(event.sequence) !== digestEvent(event)) mismatches++;
    if (event.sequence >= last) break;
  }
  done.abort();
  return mismatches;
}
