import type { ConnectRouter, ConnectRouterOptions } from "@connectrpc/connect";
import { Health } from "../../sdk/gen/grpc/health/v1/health_pb.js";
import { ManagementService } from "../../sdk/gen/monitor/v1/management_service_pb.js";
import type { Clock } from "../domain/clock.js";
import type { ServiceStateSource } from "../domain/service-state.js";
import type { Registry } from "../store/registry.js";
import { createErrorInterceptor } from "./error-interceptor.js";
import { createHealthService, type HealthStatus } from "./health-service.js";
import { createManagementService } from "./management-service.js";
import { registerReflection } from "./reflection/register-reflection.js";

export interface RouteDeps {
  readonly registry: Registry;
  readonly states: ServiceStateSource;
  readonly clock: Clock;
  readonly health: HealthStatus;
  /** Called with a handler's unexpected error (a bug), before INTERNAL is returned. */
  readonly onInternalError: (error: unknown, procedure: string) => void;
}

/**
 * Every service the server hosts, in one place, so the real server and the
 * in-memory transport of the handler tests serve exactly the same thing.
 */
export function createRoutes(deps: RouteDeps): (router: ConnectRouter) => void {
  return (router) => {
    router.service(ManagementService, createManagementService(deps));
    router.service(Health, createHealthService(deps.health));
    registerReflection(router, [ManagementService, Health]);
  };
}

export function createRouterOptions(deps: Pick<RouteDeps, "onInternalError">): ConnectRouterOptions {
  return { interceptors: [createErrorInterceptor(deps.onInternalError)] };
}
