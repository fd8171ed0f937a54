import type { Logger } from "pino";
import type { EngineObserver } from "../engine/engine-observer.js";
import { describeTarget } from "../domain/service-target.js";

/**
 * Logs every announced status change at info: the line an operator looks
 * for when asking "was anyone told the database went down?". The engine calls
 * `announced` once per service and status, after the events are durable, so
 * the line says how many callers heard it instead of repeating per caller.
 * Checks themselves are logged at trace only: at thousands per second they
 * would drown everything else.
 */
export function createLoggingObserver(logger: Logger): EngineObserver {
  return {
    announced(service, status, detail, callers) {
      const address = describeTarget(service);
      logger.info(
        { serviceId: service.id, address, status, detail, callers },
        `${status.toUpperCase()}: ${service.id} ${address}${detail === "" ? "" : ` (${detail})`} announced to ${callers} caller${callers === 1 ? "" : "s"}`,
      );
    },
    checkFinished(service, result) {
      if (!logger.isLevelEnabled("trace")) return;
      logger.trace(
        { serviceId: service.id, status: result.status, latencyMs: result.latencyMs, detail: result.detail },
        `check ${service.id}: ${result.status}`,
      );
    },
  };
}
