import type { WatchResponse } from "./gen/monitor/v1/watch_service_pb.js";

/** Where a resuming watch stands: the sequence to resume after, and whether it yielded anything yet. */
export interface ResumePosition {
  readonly sequence: bigint;
  readonly yielded: boolean;
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
 *   it reflects events after the position; one at the same position, after a
 *   reconnect from 0 that saw no event, would only repeat the first.
 */
export function acceptResponse(position: ResumePosition, response: WatchResponse): boolean {
  const { event } = response;
  if (event.case === "snapshot" && (event.value.resync || !position.yielded)) return true;
  return response.sequence > position.sequence;
}
