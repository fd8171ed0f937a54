import type { Logger } from "pino";
import { HealthCheckResponse_ServingStatus as ServingStatus } from "../gen/grpc/health/v1/health_pb.js";
import type { Clock } from "../domain/clock.js";
import type { HealthStatus } from "../rpc/health-service.js";
import type { PostgresReconnect } from "./postgres-store.js";
import { storeDifference, type StoreMemory } from "./store-difference.js";
import { StoreError, type Store } from "./store.js";

export interface StoreOutage {
  /** Handed to the store when it opens, before the health and memory it reports to exist. */
  readonly reconnect: PostgresReconnect;
  /** From here on, outages show in health and recoveries are checked against `memory`. */
  attach(health: HealthStatus, memory: () => StoreMemory): void;
  /** Shutting down: health stays as shutdown sets it. */
  detach(): void;
  /**
   * `store`, with its writes watched: one failing `unavailable` (a full or
   * read-only disk, a lost connection) turns health NOT_SERVING until a
   * write succeeds again. Checks write their results, so they are the probe.
   */
  watchWrites(store: Pick<Store, "write">): Pick<Store, "write">;
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
  /** The reconnect loop's view: the lock's session is gone. */
  let disconnected = false;
  /** The last write failed unavailable. */
  let writeFailed = false;
  const show = (): void => health?.setAll(disconnected || writeFailed ? ServingStatus.NOT_SERVING : ServingStatus.SERVING);
  return {
    reconnect: {
      now: options.clock.now,
      verify: (contents) => (memory === undefined ? undefined : storeDifference(contents, memory())),
      onAvailability(state) {
        disconnected = state.kind === "unavailable";
        // The write that failed when the connection went is forgotten: the
        // store was reached and checked since.
        if (state.kind === "available") writeFailed = false;
        if (state.kind === "available") {
          logger.info(`store: reconnected, lock taken again, contents match memory: health SERVING`);
        } else {
          logger.warn(
            { attempts: state.attempts, unavailableSinceMs: state.sinceMs },
            `store: unavailable (${state.reason}); health NOT_SERVING, reconnect attempt ${state.attempts + 1} after backoff`,
          );
        }
        show();
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
    watchWrites(store) {
      return {
        async write(ops) {
          try {
            await store.write(ops);
          } catch (error) {
            if (error instanceof StoreError && error.kind === "unavailable" && !writeFailed) {
              writeFailed = true;
              logger.warn("store: a write failed; health NOT_SERVING until a write succeeds");
              show();
            }
            throw error;
          }
          if (writeFailed) {
            writeFailed = false;
            logger.info("store: writing again");
            show();
          }
        },
      };
    },
  };
}
