import { MonitorError } from "../domain/monitor-error.js";
import type { LoggedEvent, Millis } from "../domain/types.js";
import type { Store } from "../store/store.js";
import type { EventHub, EventSink } from "./event-hub.js";
import type { SnapshotEntry } from "./monitor-engine.js";

/** What a Watch stream sends: a snapshot, or one logged event. */
export type StreamItem =
  | {
      readonly kind: "snapshot";
      /** The last sequence the snapshot reflects. */
      readonly sequence: number;
      readonly timeMs: Millis;
      readonly resync: boolean;
      readonly subscriptions: readonly SnapshotEntry[];
    }
  | { readonly kind: "event"; readonly event: LoggedEvent };

/**
 * Where a stream starts (docs/architecture.md, watch stream rules 2-3): a snapshot
 * (after_sequence 0), or a replay of the events after `afterSequence` — which
 * may be 0, to hear every event from the first (replay_from_start).
 */
export type StreamStart = { readonly kind: "snapshot" } | { readonly kind: "replay"; readonly afterSequence: number };

export interface CallerStreamDeps {
  /** Where replays read the log from. */
  readonly store: Pick<Store, "readEvents" | "firstRetained">;
  /**
   * The caller's last durable sequence, as memory knows it: it advances in
   * the same synchronous step as the hub publishes (commit-queue.ts).
   */
  readonly lastSequence: (callerId: string) => number;
  /** Whether the caller is still registered (it may go while a replay runs). */
  readonly callerExists: (callerId: string) => boolean;
  readonly hub: EventHub;
  readonly snapshot: (callerId: string) => SnapshotEntry[];
  readonly now: () => Millis;
}

export interface CallerStreamOptions {
  /** Live events a stream may hold unsent; beyond it the stream ends with resource_exhausted. */
  readonly bufferLimit: number;
  /** Events read from the log at a time while replaying. */
  readonly pageSize: number;
}

export const DEFAULT_STREAM_OPTIONS: CallerStreamOptions = { bufferLimit: 1000, pageSize: 500 };

/** The error a stream that fell too far behind ends with. */
export function streamOverflow(bufferLimit: number, lastSent: number): MonitorError {
  return new MonitorError(
    "resource_exhausted",
    `stream fell more than ${bufferLimit} events behind; resume with after_sequence=${lastSent}`,
  );
}

/**
 * One Watch stream of one caller (docs/architecture.md, watch stream rules 2-6):
 * a snapshot, or a replay of the log after N (N ≥ 0), then live events.
 *
 * No gap, no duplicate, though reads of the log are asynchronous: the stream
 * attaches to the hub only in a synchronous step in which the last sequence
 * it has read is at least the caller's last durable one, and that number
 * advances in the same step as the hub publishes. So every event up to it
 * came from the log, and every later one arrives live (a read that saw a
 * commit before its publish is caught by `lastQueued`: the live copy is
 * ignored). While events keep coming, the replay reads on. Replay reads the
 * log page by page as the client takes them, so a slow client costs no
 * memory while catching up; only live events are buffered, and only up to
 * `bufferLimit`.
 *
 * The consumer pulls an item only when it can write it (connect-node awaits
 * the socket's drain before pulling again), so the buffer fills exactly when
 * the client stops keeping up. The overflow is then thrown at the next pull —
 * but a consumer stuck on a write to a client that reads nothing never pulls
 * again, so `onOverflow` is told at once (with the buffer already dropped) and
 * may cut the transport stream itself.
 */
export async function* openCallerStream(
  deps: CallerStreamDeps,
  callerId: string,
  start: StreamStart,
  signal: AbortSignal,
  options: CallerStreamOptions = DEFAULT_STREAM_OPTIONS,
  onOverflow?: (error: MonitorError) => void,
): AsyncGenerator<StreamItem, void, undefined> {
  const { store, hub } = deps;
  const buffer: LoggedEvent[] = [];
  let head = 0;
  let lastQueued = 0;
  /** The last sequence handed to the consumer, which writes it before anything that follows. */
  let lastSent = start.kind === "replay" ? start.afterSequence : 0;
  /** Why the stream must end; checked before anything else is sent. */
  let failure: Error | "overflow" | undefined;
  let wake: (() => void) | undefined;
  let detach: (() => void) | undefined;

  const sink: EventSink = {
    push(event) {
      if (event.sequence <= lastQueued || failure !== undefined) return;
      if (buffer.length - head >= options.bufferLimit) {
        failure = "overflow";
        detach?.();
        // Nothing buffered will be sent: the client resumes from the log.
        buffer.length = 0;
        head = 0;
        onOverflow?.(streamOverflow(options.bufferLimit, lastSent));
      } else {
        buffer.push(event);
        lastQueued = event.sequence;
      }
      wake?.();
    },
    end(error) {
      failure ??= error;
      wake?.();
    },
  };
  const attach = (lastInLog: number) => {
    // Unregistered while this stream replayed: its hub end has already passed.
    if (!deps.callerExists(callerId)) throw new MonitorError("not_found", `caller "${callerId}" was unregistered`);
    lastQueued = lastInLog;
    detach = hub.attach(callerId, sink);
  };
  const onAbort = () => wake?.();
  signal.addEventListener("abort", onAbort);

  function snapshot(resync: boolean): StreamItem & { kind: "snapshot" } {
    const sequence = deps.lastSequence(callerId);
    const subscriptions = deps.snapshot(callerId);
    attach(sequence);
    return { kind: "snapshot", sequence, timeMs: deps.now(), resync, subscriptions };
  }

  try {
    const last = deps.lastSequence(callerId);
    // A replay after N needs N + 1 retained (after 0: event 1, or an empty
    // log) and N not beyond the log.
    const afterSequence = start.kind === "replay" ? start.afterSequence : undefined;
    let canReplay = false;
    if (afterSequence !== undefined && afterSequence <= last) {
      const first = (await store.firstRetained(callerId)) ?? last + 1;
      canReplay = afterSequence >= first - 1;
    }
    if (signal.aborted) return;
    if (!canReplay || afterSequence === undefined) {
      // A fresh start, or events after N are gone (or N is from a log this
      // server never wrote): a snapshot the client can start over from.
      const item = snapshot(start.kind === "replay");
      lastSent = item.sequence;
      yield item;
    } else {
      let cursor = afterSequence;
      for (;;) {
        // Durable before the read was sent, so the read must see it: an empty
        // page below it is a gap. (Events committed while the read is in
        // flight may be published before its answer comes: not a gap.)
        const known = deps.lastSequence(callerId);
        const page = await store.readEvents(callerId, cursor, options.pageSize);
        if (signal.aborted) return;
        const gap = page.length > 0 ? page[0]!.sequence !== cursor + 1 : cursor < known;
        if (gap) {
          // Retention overtook a slow replay (or the log was dropped with its
          // caller): the events in between are gone.
          const item = snapshot(true);
          lastSent = item.sequence;
          yield item;
          break;
        }
        for (const event of page) {
          if (signal.aborted) return;
          lastSent = event.sequence;
          yield { kind: "event", event };
        }
        cursor = page.at(-1)?.sequence ?? cursor;
        // Synchronous with the check: nothing can be published in between.
        if (cursor >= deps.lastSequence(callerId)) {
          attach(cursor);
          break;
        }
      }
    }
    for (;;) {
      if (signal.aborted) return;
      if (failure === "overflow") throw streamOverflow(options.bufferLimit, lastSent);
      if (failure !== undefined) throw failure;
      if (head < buffer.length) {
        const event = buffer[head]!;
        buffer[head++] = undefined as never;
        if (head > 1024 && head * 2 > buffer.length) {
          buffer.splice(0, head);
          head = 0;
        }
        lastSent = event.sequence;
        yield { kind: "event", event };
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    detach?.();
    signal.removeEventListener("abort", onAbort);
  }
}
