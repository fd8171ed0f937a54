import type { LoggedEvent } from "../domain/types.js";

/** Where one open Watch stream receives its caller's live events. */
export interface EventSink {
  /** A new event, already durable in the log. */
  push(event: LoggedEvent): void;
  /** The stream must end with this error (caller unregistered, shutdown). */
  end(error: Error): void;
}

/**
 * Fans each caller's newly logged events out to that caller's open streams.
 * It holds no events itself: the log is the source of truth, so a stream that
 * attaches late reads what it missed from the log, and the hub only carries
 * what happens after it attached.
 */
export interface EventHub {
  publish(events: readonly LoggedEvent[]): void;
  /** Attaches a sink to a caller's live events; returns a function that detaches it. */
  attach(callerId: string, sink: EventSink): () => void;
  /** Ends every stream of one caller. */
  endCaller(callerId: string, error: Error): void;
  /** Ends every stream (shutdown). */
  endAll(error: Error): void;
  /** Open streams, of one caller or of all. */
  streamCount(callerId?: string): number;
}

export function createEventHub(): EventHub {
  const sinks = new Map<string, Set<EventSink>>();
  let total = 0;

  function detach(callerId: string, sink: EventSink): void {
    const set = sinks.get(callerId);
    if (set === undefined || !set.delete(sink)) return;
    total--;
    if (set.size === 0) sinks.delete(callerId);
  }

  return {
    publish(events) {
      for (const event of events) {
        const set = sinks.get(event.callerId);
        if (set === undefined) continue;
        for (const sink of set) sink.push(event);
      }
    },
    attach(callerId, sink) {
      let set = sinks.get(callerId);
      if (set === undefined) sinks.set(callerId, (set = new Set()));
      set.add(sink);
      total++;
      return () => detach(callerId, sink);
    },
    endCaller(callerId, error) {
      for (const sink of [...(sinks.get(callerId) ?? [])]) {
        detach(callerId, sink);
        sink.end(error);
      }
    },
    endAll(error) {
      for (const callerId of [...sinks.keys()]) this.endCaller(callerId, error);
    },
    streamCount(callerId) {
      return callerId === undefined ? total : (sinks.get(callerId)?.size ?? 0);
    },
  };
}
