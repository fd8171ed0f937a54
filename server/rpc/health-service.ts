import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../gen/grpc/health/v1/health_pb.js";

/**
 * The serving status of the server ("") and of each service it hosts. The
 * shutdown path flips everything to NOT_SERVING first, so load balancers and
 * health watchers stop sending work before connections close.
 */
export interface HealthStatus {
  set(service: string, status: ServingStatus): void;
  setAll(status: ServingStatus): void;
  get(service: string): ServingStatus | undefined;
  entries(): Array<[string, ServingStatus]>;
  /** Calls `listener` on every change of `service`; returns an unsubscribe function. */
  watch(service: string, listener: (status: ServingStatus) => void): () => void;
}

export function createHealthStatus(services: readonly string[]): HealthStatus {
  const statuses = new Map<string, ServingStatus>([["", ServingStatus.SERVING]]);
  for (const name of services) statuses.set(name, ServingStatus.SERVING);
  const listeners = new Map<string, Set<(status: ServingStatus) => void>>();

  function set(service: string, status: ServingStatus): void {
    if (statuses.get(service) === status) return;
    statuses.set(service, status);
    for (const listener of listeners.get(service) ?? []) listener(status);
  }
  return {
    set,
    setAll(status) {
      for (const name of [...statuses.keys()]) set(name, status);
    },
    get: (service) => statuses.get(service),
    entries: () => [...statuses.entries()],
    watch(service, listener) {
      let set = listeners.get(service);
      if (set === undefined) listeners.set(service, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(service);
      };
    },
  };
}

/** grpc.health.v1.Health over a HealthStatus. */
export function createHealthService(health: HealthStatus): ServiceImpl<typeof Health> {
  return {
    check(req) {
      const status = health.get(req.service);
      if (status === undefined) {
        throw new ConnectError(`unknown service "${req.service}"`, Code.NotFound);
      }
      return { status };
    },

    list() {
      return {
        statuses: Object.fromEntries(health.entries().map(([name, status]) => [name, { status }])),
      };
    },

    async *watch(req, ctx) {
      // Each change wakes the loop; only the latest status matters, so a
      // single pending slot (not a queue) keeps a slow watcher cheap.
      let latest = health.get(req.service) ?? ServingStatus.SERVICE_UNKNOWN;
      let changed = true;
      let wake: (() => void) | undefined;
      const stop = health.watch(req.service, (status) => {
        latest = status;
        changed = true;
        wake?.();
      });
      const onAbort = () => wake?.();
      ctx.signal.addEventListener("abort", onAbort);
      try {
        while (!ctx.signal.aborted) {
          if (changed) {
            changed = false;
            yield { status: latest };
            continue;
          }
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      } finally {
        stop();
        ctx.signal.removeEventListener("abort", onAbort);
      }
      // Aborted: by the client (nobody listens) or by shutdown, whose reason
      // is the UNAVAILABLE error the watcher should see.
      throw ConnectError.from(ctx.signal.reason);
    },
  };
}
