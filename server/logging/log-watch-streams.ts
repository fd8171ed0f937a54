import type { Logger } from "pino";
import type { EventHub, EventSink } from "../engine/event-hub.js";

/**
 * The hub with Watch streams logged at debug as they open and close, with how
 * many the caller and the server then hold. A decorator rather than a change
 * to the hub, so the hub stays about fan-out.
 *
 * A stream closes one of two ways: the stream detaches (client gone, buffer
 * overflow), or the hub ends it (caller unregistered, shutdown) and detaches
 * it itself. Both are logged, once.
 */
export function withStreamLogging(hub: EventHub, logger: Logger): EventHub {
  return {
    ...hub,
    attach(callerId: string, sink: EventSink) {
      let open = true;
      const closed = (reason: string) => {
        if (!open) return;
        open = false;
        logger.debug(
          { callerId, reason, callerStreams: hub.streamCount(callerId), streams: hub.streamCount() },
          `watch stream closed: ${callerId} (${reason})`,
        );
      };
      // Spread, so whatever else a sink offers the hub reaches it unchanged.
      const detach = hub.attach(callerId, {
        ...sink,
        end(error: Error) {
          sink.end(error);
          closed(error.message);
        },
      });
      logger.debug(
        { callerId, callerStreams: hub.streamCount(callerId), streams: hub.streamCount() },
        `watch stream opened: ${callerId}`,
      );
      return () => {
        detach();
        closed("stream ended");
      };
    },
  };
}
