import type { ConnectRouter, ConnectRouterOptions } from "@connectrpc/connect";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { ManagementService } from "@service-monitor/sdk/gen/monitor/v1/management_service_pb.js";
import { WatchService } from "@service-monitor/sdk/gen/monitor/v1/watch_service_pb.js";
import type { Clock } from "../domain/clock.js";
import type { ServiceStateSource } from "../domain/service-state.js";
import type { CallerStreamOptions } from "../engine/caller-stream.js";
import type { EventHub } from "../engine/event-hub.js";
import type { HistoryQueries } from "../history/history-queries.js";
import type { MonitorEngine } from "../engine/monitor-engine.js";
import type { CommitQueue } from "../store/commit-queue.js";
import type { Store } from "../store/store.js";
import type { Registry } from "../store/registry.js";
import { createAuthInterceptor, type AuthInterceptorDeps } from "../auth/auth-interceptor.js";
import { createErrorInterceptor } from "./error-interceptor.js";
import { createMutationRateInterceptor, type MutationRateOptions } from "../limits/mutation-rate-interceptor.js";
import { createHealthService, type HealthStatus } from "./health-service.js";
import { createManagementService } from "./management-service.js";
import { registerReflection } from "./reflection/register-reflection.js";
import { createWatchService } from "./watch-service.js";
import type { WatchStreamGate, WatchStreamLimits } from "./watch-stream-gate.js";

export interface RouteDeps {
  readonly registry: Registry;
  /** Where Watch replays read callers' logs. */
  readonly store: Pick<Store, "readEvents" | "firstRetained">;
  /** Knows each caller's last durable sequence. */
  readonly queue: Pick<CommitQueue, "lastSequence">;
  readonly hub: EventHub;
  /** The engine's view: service states for GetService, snapshots for Watch. */
  readonly engine: ServiceStateSource & Pick<MonitorEngine, "snapshot">;
  readonly clock: Clock;
  /** The check history and its stats, for ManagementService's history RPCs. */
  readonly history: HistoryQueries;
  readonly health: HealthStatus;
  readonly streamOptions?: CallerStreamOptions;
  /** Open Watch streams allowed per caller and per connection. */
  readonly streamLimits?: WatchStreamLimits;
  /** Admits Watch streams per caller; shared so metrics and shutdown can count them. */
  readonly watchGate?: WatchStreamGate;
  /** Called with a handler's unexpected error (a bug), before INTERNAL is returned. */
  readonly onInternalError: (error: unknown, procedure: string) => void;
  /** Authentication and authorisation; every call is let through when absent (auth off). */
  readonly auth?: AuthInterceptorDeps;
  /** Whether server reflection is served (--no-reflection turns it off); default true. */
  readonly reflection?: boolean;
  /** The per-client mutation rate (--max-mutation-rate); not limited when absent. */
  readonly mutationRate?: MutationRateOptions;
}

/** The services listed by reflection (reflection adds itself). */
export const SERVED_SERVICES = [ManagementService, WatchService, Health] as const;

/**
 * Every service the server hosts, in one place, so the real server and the
 * in-memory transport of the handler tests serve exactly the same thing.
 */
export function createRoutes(deps: RouteDeps): (router: ConnectRouter) => void {
  return (router) => {
    router.service(
      ManagementService,
      createManagementService({
        registry: deps.registry,
        states: deps.engine,
        clock: deps.clock,
        history: deps.history,
      }),
    );
    router.service(
      WatchService,
      createWatchService({
        registry: deps.registry,
        store: deps.store,
        lastSequence: (callerId) => deps.queue.lastSequence(callerId),
        callerExists: (callerId) => deps.registry.getCaller(callerId) !== undefined,
        hub: deps.hub,
        snapshot: (callerId) => deps.engine.snapshot(callerId),
        now: () => deps.clock.now(),
        ...(deps.streamOptions === undefined ? {} : { streamOptions: deps.streamOptions }),
        ...(deps.streamLimits === undefined ? {} : { streamLimits: deps.streamLimits }),
        ...(deps.watchGate === undefined ? {} : { gate: deps.watchGate }),
        onInternalError: deps.onInternalError,
      }),
    );
    router.service(Health, createHealthService(deps.health));
    if (deps.reflection !== false) registerReflection(router, [...SERVED_SERVICES]);
  };
}

/**
 * Interceptors, outermost first. Auth runs inside the error interceptor but
 * before any handler: its refusals are ConnectErrors and pass through as they
 * are, while a Watch request it cannot decode, or a bug in it, is mapped like
 * any handler's. The mutation rate runs inside auth, which names the client
 * it counts against (and so an unauthenticated flood costs no bucket).
 */
export function createRouterOptions(deps: Pick<RouteDeps, "onInternalError" | "auth" | "mutationRate">): ConnectRouterOptions {
  return {
    interceptors: [
      createErrorInterceptor(deps.onInternalError),
      ...(deps.auth === undefined ? [] : [createAuthInterceptor(deps.auth)]),
      ...(deps.mutationRate === undefined ? [] : [createMutationRateInterceptor(deps.mutationRate)]),
    ],
  };
}
