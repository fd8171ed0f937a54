import type { WatchResponse } from "./gen/monitor/v1/watch_service_pb.js";

/** Where a resuming watch stands: the sequence to resume after, and whether it yielded anything yet. */
export interface ResumePosition {
  readonly sequence: bigint;
  readonly yielded: boolean;
}

/** What a (re)opened stream asks for: the WatchRequest fields besides caller_id. */
export interface ResumeRequest {
  readonly afterSequence: bigint;
  readonly replayFromStart: boolean;
}

/**
 * The request that resumes from `position`: the events after its sequence.
 * After a snapshot at sequence 0 (the caller's log was empty) and nothing
 * since, that is every event from #1, which only replay_from_start asks for:
 * a plain after_sequence 0 would bring a new snapshot that folds the missed
 * events into state, and the consumer would never hear them as events.
 */
export function resumeRequest(position: ResumePosition): ResumeRequest {
  return { afterSequence: position.sequence, replayFromStart: position.yielded && position.sequence === 0n };
}

/**
 * Whether a response from a (re)opened stream goes to the consumer, so that
 * each event is seen once, in order, across reconnects:
 * - an event is taken only if its sequence is after the position, so a
 *   server that replays one event too many cannot repeat it;
 * - a resync snapshot is always taken: it replaces the consumer's state and
 *   restarts the numbering from its own sequence, which may be lower (the
 *   server's log was reset);
 * - another snapshot (sent for after_sequence 0) is taken first of all, or if
 *   it reflects events after the position. After the first, one comes only
 *   from a server that ignores replay_from_start (it predates the field);
 *   one at the same position would only repeat the first.
 */
export function acceptResponse(position: ResumePosition, response: WatchResponse): boolean {
  const { event } = response;
  if (event.case === "snapshot" && (event.value.resync || !position.yielded)) return true;
  return response.sequence > position.sequence;
}
