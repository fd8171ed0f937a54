import type { Logger } from "pino";
import { HealthCheckResponse_ServingStatus as ServingStatus } from "../gen/grpc/health/v1/health_pb.js";
import type { Clock } from "../domain/clock.js";
import type { HealthStatus } from "../rpc/health-service.js";
import type { PostgresReconnect } from "./postgres-store.js";
import { storeDifference, type StoreMemory } from "./store-difference.js";

export interface StoreOutage {
  /** Handed to the store when it opens, before the health and memory it reports to exist. */
  readonly reconnect: PostgresReconnect;
  /** From here on, outages show in health and recoveries are checked against `memory`. */
  attach(health: HealthStatus, memory: () => StoreMemory): void;
  /** Shutting down: health stays as shutdown sets it. */
  detach(): void;
}

/**
 * What a store outage does to the server: health NOT_SERVING for every
 * service while the store is unavailable (load balancers move work away;
 * checks go on), SERVING again once it reconnected and matches memory; a
 * store that no longer matches, or another server holding it, is fatal.
 */
export function createStoreOutage(options: { logger: Logger; clock: Clock; onFatal: (error: unknown) => void }): StoreOutage {
  const { logger } = options;
  let health: HealthStatus | undefined;
  let memory: (() => StoreMemory) | undefined;
  return {
    reconnect: {
      now: options.clock.now,
      verify: (contents) => (memory === undefined ? undefined : storeDifference(contents, memory())),
      onAvailability(state) {
        if (state.kind === "available") {
          logger.info("store: reconnected, lock taken again, contents match memory: health SERVING");
          health?.setAll(ServingStatus.SERVING);
          return;
        }
        logger.warn(
          { attempts: state.attempts, unavailableSinceMs: state.sinceMs },
          `store: unavailable (${state.reason}); health NOT_SERVING, reconnect attempt ${state.attempts + 1} after backoff`,
        );
        health?.setAll(ServingStatus.NOT_SERVING);
      },
      onFatal(error) {
        logger.fatal({ err: error }, `store: ${error.message}`);
        options.onFatal(error);
      },
    },
    attach(h, m) {
      health = h;
      memory = m;
    },
    detach() {
      health = undefined;
    },
  };
}
