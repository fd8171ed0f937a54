import { createRouterTransport, type Transport } from "@connectrpc/connect";
import type { CallerStreamOptions } from "../../server/engine/caller-stream.js";
import { createRouterOptions, createRoutes } from "../../server/rpc/routes.js";
import { createInMemoryMonitor } from "../support/in-memory-monitor.js";

export type InMemoryMonitor = Awaited<ReturnType<typeof createInMemoryMonitor>>;

/**
 * The server's routes over connect's in-memory transport, for the SDK to use
 * as its `transport`: the same wiring as createInMemoryMonitor's own clients,
 * with the stream limits a test needs (a tiny buffer forces RESOURCE_EXHAUSTED).
 */
export function createRoutesTransport(m: InMemoryMonitor, streamOptions?: CallerStreamOptions): Transport {
  const deps = {
    registry: m.registry,
    eventLog: m.eventLog,
    hub: m.hub,
    engine: m.engine,
    clock: m.clock,
    health: m.healthStatus,
    ...(streamOptions === undefined ? {} : { streamOptions }),
    onInternalError: (error: unknown) => void m.internalErrors.push(error),
  };
  return createRouterTransport(createRoutes(deps), { router: createRouterOptions(deps) });
}
