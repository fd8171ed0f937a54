import { createClient, createRouterTransport, type Client } from "@connectrpc/connect";
import { ManagementService } from "../../sdk/gen/monitor/v1/management_service_pb.js";
import { Health } from "../../sdk/gen/grpc/health/v1/health_pb.js";
import type { ServiceState } from "../../server/domain/service-state.js";
import { createHealthStatus } from "../../server/rpc/health-service.js";
import { createRouterOptions, createRoutes } from "../../server/rpc/routes.js";
import { createMemoryRegistryPersistence } from "../../server/store/memory-registry-persistence.js";
import { openRegistry } from "../../server/store/open-registry.js";

/** A settable clock for handler tests. */
export function createTestClock(start = Date.parse("2026-01-01T00:00:00Z")) {
  let now = start;
  return {
    now: () => now,
    set: (ms: number) => void (now = ms),
    advance: (ms: number) => void (now += ms),
  };
}

/**
 * The server's routes over an in-memory transport, with a memory-backed
 * registry and a settable clock: handler tests without sockets or files.
 */
export async function createInMemoryMonitor() {
  const clock = createTestClock();
  const persistence = createMemoryRegistryPersistence();
  let ids = 0;
  const registry = await openRegistry(persistence, {
    newId: (prefix) => `${prefix}_${String(++ids).padStart(4, "0")}`,
  });
  const states = new Map<string, ServiceState>();
  const internalErrors: unknown[] = [];
  const health = createHealthStatus(["monitor.v1.ManagementService", "monitor.v1.WatchService"]);
  const deps = {
    registry,
    clock,
    health,
    states: { stateOf: (id: string) => states.get(id) },
    onInternalError: (error: unknown) => void internalErrors.push(error),
  };
  const transport = createRouterTransport(createRoutes(deps), { router: createRouterOptions(deps) });
  const management: Client<typeof ManagementService> = createClient(ManagementService, transport);
  const healthClient: Client<typeof Health> = createClient(Health, transport);
  return { management, health: healthClient, healthStatus: health, registry, persistence, clock, states, internalErrors };
}
