import { performance } from "node:perf_hooks";
import type { HistoryRecord, StatusChangeRecord } from "../domain/history-types.js";
import type { Millis } from "../domain/types.js";
import { REAL_TIMERS, type Timers } from "../engine/check-scheduler.js";
import type { HistoryStore } from "../store/history-store.js";
import type { HistorySink } from "./history-sink.js";

/** What a batch of the writer was: metrics count and time them. */
export interface HistoryBatchWritten {
  readonly records: number;
  readonly changes: number;
  readonly durationMs: number;
}

export interface HistoryWriterObserver {
  /** A batch was committed. */
  appended(batch: HistoryBatchWritten): void;
  /** Rows were dropped because the buffer was full (every drop, for a counter). */
  dropped(rows: number): void;
}

export interface HistoryWriterOptions {
  readonly store: Pick<HistoryStore, "append">;
  /** For the rate of the drop log line; Date.now by default. */
  readonly now?: () => Millis;
  readonly timers?: Timers;
  /** A batch at most this often while rows trickle in; default 1,000 ms. */
  readonly flushEveryMs?: number;
  /** Rows (records + changes) per append; this many waiting are written at once. Default 5,000. */
  readonly maxBatch?: number;
  /** Rows held at most (a store that is down or slow); beyond it the oldest go. Default 200,000. */
  readonly maxBuffered?: number;
  /** A failed append (it is retried at the next tick). */
  readonly onError?: (error: unknown, context: string) => void;
  /** At most once a minute: rows were dropped since the last report. */
  readonly onDropped?: (sinceLastReport: number, total: number) => void;
  readonly observer?: HistoryWriterObserver;
}

export interface HistoryWriter extends HistorySink {
  /** Writes everything buffered now; rejects with the store's error if a batch fails (the rows stay buffered). */
  flush(): Promise<void>;
  /** Stops the timer, then flushes; rows recorded after it are dropped. */
  close(): Promise<void>;
  /** Rows waiting, including a batch being written (a gauge). */
  buffered(): number;
  /** Rows dropped so far. */
  dropped(): number;
}

type Entry = { readonly t: "record"; readonly record: HistoryRecord } | { readonly t: "change"; readonly change: StatusChangeRecord };

const DROP_REPORT_EVERY_MS = 60_000;
/** Compact the queue's array once this many taken entries lead it. */
const COMPACT_AFTER = 4096;

/**
 * The history's buffer between the engine and the database. The engine
 * calls record()/statusChanged() on the check path: they push to memory and
 * return, never wait and never throw. A timer writes what waits in batches —
 * one store.append (one transaction) at a time, about once a second, at once
 * when a full batch waits — so a thousand checks a second cost one commit.
 * A failed append keeps its rows for the next tick; a store that stays down
 * fills the bounded buffer, and then the oldest rows are dropped (counted,
 * and said in a log line at most once a minute) rather than the server's
 * memory growing without end: history is worth less than the monitor.
 */
export function createHistoryWriter(options: HistoryWriterOptions): HistoryWriter {
  const { store, observer } = options;
  const now = options.now ?? Date.now;
  const timers = options.timers ?? REAL_TIMERS;
  const flushEveryMs = options.flushEveryMs ?? 1000;
  const maxBatch = Math.max(1, options.maxBatch ?? 5000);
  const maxBuffered = Math.max(maxBatch, options.maxBuffered ?? 200_000);

  // A FIFO as an array and a head index: shift() would copy 200,000 entries per drop.
  let queue: Entry[] = [];
  let head = 0;
  let inFlight = 0;
  let writing: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  let closed = false;
  let droppedTotal = 0;
  let unreported = 0;
  let lastReportAt = -Infinity;

  const waiting = () => queue.length - head;

  function push(entry: Entry): void {
    try {
      if (closed) {
        drop(1);
        return;
      }
      queue.push(entry);
      trim();
      schedule(waiting() >= maxBatch ? 0 : flushEveryMs);
    } catch (error) {
      // The check path must not fail for the history (a throwing observer or timer).
      options.onError?.(error, "buffering a history row");
    }
  }

  /** Drops the oldest waiting rows beyond the bound (a batch being written is not touched). */
  function trim(): void {
    const excess = waiting() + inFlight - maxBuffered;
    if (excess <= 0) return;
    const n = Math.min(excess, waiting());
    head += n;
    compact();
    drop(n);
  }

  function drop(n: number): void {
    if (n <= 0) return;
    droppedTotal += n;
    unreported += n;
    observer?.dropped(n);
    const at = now();
    if (at - lastReportAt >= DROP_REPORT_EVERY_MS) {
      lastReportAt = at;
      const since = unreported;
      unreported = 0;
      options.onDropped?.(since, droppedTotal);
    }
  }

  function compact(): void {
    if (head >= COMPACT_AFTER && head * 2 >= queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
  }

  /** Plans a write in `delayMs` unless one is planned sooner (or one is running: it reschedules). */
  function schedule(delayMs: number): void {
    if (closed || writing !== undefined) return;
    const at = now() + delayMs;
    if (timer !== undefined) {
      if (timerAt <= at) return;
      timers.clearTimeout(timer);
    }
    timerAt = at;
    timer = timers.setTimeout(() => {
      timer = undefined;
      timerAt = Infinity;
      // A failure was told to onError and is retried on the next tick.
      writeBatch().catch(() => undefined);
    }, delayMs);
    timer.unref?.();
  }

  function afterWrite(): void {
    if (waiting() >= maxBatch) schedule(0);
    else if (waiting() > 0) schedule(flushEveryMs);
  }

  /** One append of up to maxBatch waiting rows; the running one if a write is under way. */
  function writeBatch(): Promise<void> {
    if (writing !== undefined) return writing;
    if (waiting() === 0) return Promise.resolve();
    const taken = queue.slice(head, head + maxBatch);
    head += taken.length;
    inFlight = taken.length;
    compact();
    const records: HistoryRecord[] = [];
    const changes: StatusChangeRecord[] = [];
    for (const entry of taken) {
      if (entry.t === "record") records.push(entry.record);
      else changes.push(entry.change);
    }
    const started = performance.now();
    // Settled only after `writing` is set, even if append throws synchronously.
    const attempt = Promise.resolve().then(() => store.append(records, changes));
    writing = attempt.then(
      () => {
        inFlight = 0;
        writing = undefined;
        afterWrite();
        observer?.appended({ records: records.length, changes: changes.length, durationMs: performance.now() - started });
      },
      (error: unknown) => {
        // Back at the front, oldest first, then the bound again; retried on the next tick.
        queue = taken.concat(queue.slice(head));
        head = 0;
        inFlight = 0;
        writing = undefined;
        trim();
        schedule(flushEveryMs);
        options.onError?.(error, `appending ${records.length} history row(s) and ${changes.length} status change(s); kept for a retry`);
        throw error;
      },
    );
    return writing;
  }

  async function flush(): Promise<void> {
    // The write under way first (its rows were taken before this call), then batches until empty.
    // Bounded by what waits now, so rows arriving meanwhile cannot keep it going.
    let batches = Math.ceil(waiting() / maxBatch);
    if (writing !== undefined) await writing;
    while (waiting() > 0 && batches-- > 0) await writeBatch();
  }

  return {
    record(record) {
      push({ t: "record", record });
    },
    statusChanged(change) {
      push({ t: "change", change });
    },
    flush,
    async close() {
      closed = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      await flush();
    },
    buffered: () => waiting() + inFlight,
    dropped: () => droppedTotal,
  };
}
