import type { CheckRecord, StatusChangeRecord } from "../../server/domain/history-types.js";
import type { HistorySink } from "../../server/history/history-sink.js";
import { syntheticChange, syntheticCheck, syntheticServiceId } from "./synthetic-checks.js";

/** A service fed beside the fleet, by rules of its own (scenario 10's stats service). */
export interface ExtraService {
  check(second: number): CheckRecord;
  change(second: number): StatusChangeRecord | undefined;
}

export interface FeedOptions {
  readonly sink: HistorySink;
  /** Fleet services 0..services−1, each checked once a second (syntheticCheck). */
  readonly services: number;
  readonly extra?: ExtraService;
}

export interface Feed {
  /** Records and status changes handed to the sink so far. */
  counts(): { records: number; changes: number };
  /** The extra service's `at`s handed to the sink so far, ascending. */
  readonly extraAts: readonly number[];
  /** Stops at once (a slice under way is finished first: slices are synchronous). */
  stop(): void;
}

/** A second's checks go to the sink in this many slices, 100 ms apart, as the engine's would over the second. */
const SLICES = 10;

/**
 * Feeds the history sink in real time as the engine would: every service's
 * check of each wall-clock second, the fleet cut in 10 slices handed over
 * 100 ms apart (a slice is due when its checks have started: service i's
 * check starts i mod 1000 ms into its second). A slice that comes due while
 * the event loop was blocked (a rollup pass on SQLite is synchronous) is
 * handed over late, in one burst with the next, as a blocked engine's
 * results would be.
 */
export function startFeed(options: FeedOptions): Feed {
  const { sink, services, extra } = options;
  const ids = Array.from({ length: services }, (_, i) => syntheticServiceId(i));
  const perSlice = Math.ceil(services / SLICES);
  const extraAts: number[] = [];
  let records = 0;
  let changes = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  // The first slice: the next whole second's first.
  let second = Math.ceil(Date.now() / 1000);
  let slice = 0;

  function feedSlice(s: number, k: number): void {
    if (k === 0 && extra !== undefined) {
      const record = extra.check(s);
      sink.record(record);
      extraAts.push(record.at);
      records++;
      const change = extra.change(s);
      if (change !== undefined) {
        sink.statusChanged(change);
        changes++;
      }
    }
    const end = Math.min(services, (k + 1) * perSlice);
    for (let i = k * perSlice; i < end; i++) {
      sink.record(syntheticCheck(i, s, ids[i]));
      records++;
      const change = syntheticChange(i, s, ids[i]);
      if (change !== undefined) {
        sink.statusChanged(change);
        changes++;
      }
    }
  }

  function tick(): void {
    timer = undefined;
    if (stopped) return;
    const now = Date.now();
    while (second * 1000 + (slice * 1000) / SLICES <= now) {
      feedSlice(second, slice);
      if (++slice === SLICES) {
        slice = 0;
        second++;
      }
    }
    timer = setTimeout(tick, Math.max(1, second * 1000 + (slice * 1000) / SLICES - Date.now()));
  }
  tick();

  return {
    counts: () => ({ records, changes }),
    extraAts,
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
