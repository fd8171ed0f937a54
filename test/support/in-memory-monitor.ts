import { createClient, createRouterTransport, type Client } from "@connectrpc/connect";
import { Health } from "../../server/gen/grpc/health/v1/health_pb.js";
import { ManagementService } from "../../sdk/gen/monitor/v1/management_service_pb.js";
import { WatchService } from "../../sdk/gen/monitor/v1/watch_service_pb.js";
import type { ServiceState } from "../../server/domain/service-state.js";
import type { CheckResult } from "../../server/domain/types.js";
import type { CallerStreamOptions } from "../../server/engine/caller-stream.js";
import { createEventHub } from "../../server/engine/event-hub.js";
import { createMonitorEngine } from "../../server/engine/monitor-engine.js";
import type { ProbeTarget } from "../../server/engine/probe.js";
import { createHealthStatus } from "../../server/rpc/health-service.js";
import { createRouterOptions, createRoutes } from "../../server/rpc/routes.js";
import type { WatchStreamLimits } from "../../server/rpc/watch-stream-gate.js";
import { createMemoryRegistryPersistence } from "../../server/store/memory-registry-persistence.js";
import { openRegistry } from "../../server/store/open-registry.js";
import type { RegistryData } from "../../server/store/registry.js";
import { openSqliteEventLog } from "../../server/store/sqlite-event-log.js";
import { createManualTime } from "./manual-time.js";

export interface InMemoryMonitorOptions {
  readonly streamOptions?: CallerStreamOptions;
  readonly streamLimits?: WatchStreamLimits;
  readonly retentionPerCaller?: number;
  readonly registryData?: RegistryData;
  readonly eventLogPath?: string;
}

/**
 * The server's routes and engine over an in-memory transport: a memory
 * registry, an SQLite event log (":memory:" unless a path is given), manual
 * time, and a probe whose answer per port the test sets. No sockets, no
 * sleeping: `time.advance(ms)` runs the engine exactly.
 */
export async function createInMemoryMonitor(options: InMemoryMonitorOptions = {}) {
  const time = createManualTime();
  const clock = time.clock;
  const persistence = createMemoryRegistryPersistence(options.registryData);
  let ids = 0;
  const registry = await openRegistry(persistence, {
    newId: (prefix) => `${prefix}_${String(++ids).padStart(4, "0")}`,
  });
  const eventLog = openSqliteEventLog({
    path: options.eventLogPath ?? ":memory:",
    ...(options.retentionPerCaller === undefined ? {} : { retentionPerCaller: options.retentionPerCaller }),
  });
  const hub = createEventHub();

  /** What the fake probe answers, by port: "up", or a failure detail. Unset ports are refused. */
  const answers = new Map<number, "up" | string>();
  const probes: Array<{ port: number; at: number }> = [];
  const probe = async (target: ProbeTarget): Promise<CheckResult> => {
    const at = clock.now();
    probes.push({ port: target.port, at });
    const answer = answers.get(target.port) ?? "connection refused";
    return answer === "up"
      ? { status: "up", at, latencyMs: 0.5, detail: "" }
      : { status: "down", at, latencyMs: 0.5, detail: answer };
  };
  const engineErrors: unknown[] = [];
  const engine = createMonitorEngine({
    registry,
    eventLog,
    hub,
    probe,
    clock,
    timers: time.timers,
    onError: (error) => void engineErrors.push(error),
  });
  engine.start();

  /** Overrides of the engine's service state, for handler tests of GetService. */
  const states = new Map<string, ServiceState>();
  const internalErrors: unknown[] = [];
  const health = createHealthStatus(["monitor.v1.ManagementService", "monitor.v1.WatchService"]);
  const deps = {
    registry,
    eventLog,
    hub,
    clock,
    health,
    engine: {
      stateOf: (id: string) => states.get(id) ?? engine.stateOf(id),
      snapshot: (callerId: string) => engine.snapshot(callerId),
    },
    ...(options.streamOptions === undefined ? {} : { streamOptions: options.streamOptions }),
    ...(options.streamLimits === undefined ? {} : { streamLimits: options.streamLimits }),
    onInternalError: (error: unknown) => void internalErrors.push(error),
  };
  const transport = createRouterTransport(createRoutes(deps), { router: createRouterOptions(deps) });
  const management: Client<typeof ManagementService> = createClient(ManagementService, transport);
  const watch: Client<typeof WatchService> = createClient(WatchService, transport);
  const healthClient: Client<typeof Health> = createClient(Health, transport);
  return {
    /** The routes over the in-memory transport, e.g. for the SDK's `transport` option. */
    transport,
    management,
    watch,
    health: healthClient,
    healthStatus: health,
    registry,
    persistence,
    eventLog,
    hub,
    engine,
    time,
    clock,
    answers,
    probes,
    states,
    internalErrors,
    engineErrors,
    close() {
      engine.stop();
      eventLog.close();
    },
  };
}

export type InMemoryMonitor = Awaited<ReturnType<typeof createInMemoryMonitor>>;
