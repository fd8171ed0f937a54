import type { Announced, CallerEvent, LoggedEvent, Millis } from "../domain/types.js";

/** One event to append to one caller's log. */
export interface EventToAppend {
  readonly callerId: string;
  readonly event: CallerEvent;
}

/** Where a caller's log stands. */
export interface LogPosition {
  /** The last sequence ever assigned to this caller; 0 if none. Never goes down. */
  readonly lastSequence: number;
  /** The oldest sequence still retained; lastSequence + 1 when none is retained. */
  readonly firstRetained: number;
}

/** The status a subscription last announced, as recovered from the log. */
export interface AnnouncedEntry {
  readonly callerId: string;
  readonly serviceId: string;
  readonly announced: Announced;
}

/**
 * Each caller's numbered notifications, and what every subscription last
 * announced. Sequences start at 1, grow by exactly 1 per event, are never
 * reused (not even after a caller is dropped and registered again) and
 * survive restarts.
 *
 * The announced state is derived from the events in the same transaction
 * that appends them: a `status_change` sets it, a `subscription_ended`
 * forgets it. So after a crash the announced state and the log always agree,
 * and a restart neither repeats nor drops an announcement.
 *
 * Every method is synchronous: an event is durable when `append` returns, and
 * a reader that attaches a live listener in the same tick as its last read
 * cannot miss an event in between.
 */
export interface EventLog {
  /** Appends the events in one transaction, numbered in the order given. */
  append(events: readonly EventToAppend[], timeMs: Millis): LoggedEvent[];
  /** A caller's retained events with sequence > afterSequence, ascending, at most `limit`. */
  read(callerId: string, afterSequence: number, limit: number): LoggedEvent[];
  position(callerId: string): LogPosition;
  /** What each of the caller's subscriptions last announced. */
  announcedFor(callerId: string): AnnouncedEntry[];
  /** Every caller's announced state, for recovery at start-up. */
  announcedAll(): AnnouncedEntry[];
  /** Forgets the announced state of one subscription without logging an event. */
  forgetAnnounced(callerId: string, serviceId: string): void;
  /** Deletes a caller's events and announced state; keeps its sequence counter. */
  dropCaller(callerId: string): void;
  close(): void;
}
