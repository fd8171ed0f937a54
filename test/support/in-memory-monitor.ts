import { createClient, createRouterTransport, type Client } from "@connectrpc/connect";
import { Health } from "../../server/gen/grpc/health/v1/health_pb.js";
import { ManagementService } from "../../sdk/gen/monitor/v1/management_service_pb.js";
import { WatchService } from "../../sdk/gen/monitor/v1/watch_service_pb.js";
import type { ServiceState } from "../../server/domain/service-state.js";
import type { CheckResult, ServiceConfig } from "../../server/domain/types.js";
import type { CallerStreamOptions } from "../../server/engine/caller-stream.js";
import type { HistoryQueries } from "../../server/history/history-queries.js";
import { createEventHub } from "../../server/engine/event-hub.js";
import { createMonitorEngine } from "../../server/engine/monitor-engine.js";
import type { HistorySink } from "../../server/history/history-sink.js";
import { createHealthStatus } from "../../server/rpc/health-service.js";
import { createRouterOptions, createRoutes } from "../../server/rpc/routes.js";
import type { WatchStreamLimits } from "../../server/rpc/watch-stream-gate.js";
import type { Store } from "../../server/store/store.js";
import { startAuth, type AuthOptions } from "../../server/auth/start-auth.js";
import { capturedLogger } from "./captured-logger.js";
import { createFakeHistoryQueries } from "./fake-history-queries.js";
import { createManualTime } from "./manual-time.js";
import { createStoreStack } from "./store-stack.js";
import type { RegistryLimits } from "../../server/limits/registry-limits.js";
import type { TargetPolicy } from "../../server/limits/target-policy.js";
import type { BucketRate } from "../../server/limits/token-bucket.js";

export interface InMemoryMonitorOptions {
  readonly streamOptions?: CallerStreamOptions;
  readonly streamLimits?: WatchStreamLimits;
  readonly retentionPerCaller?: number;
  /** A store file, to start a second monitor on what the first left; in memory by default. */
  readonly storePath?: string;
  /** An open store to use instead (e.g. one whose writes fail). */
  readonly store?: Store;
  /** Where manual time starts (a restarted monitor continues where the first stopped). */
  readonly startMs?: number;
  /** Where the engine hands history rows (none by default). */
  readonly historySink?: HistorySink;
  /** What the history RPCs read; by default a fake the test fills (`fakeHistory`). */
  readonly history?: HistoryQueries;
  /** Admin tokens: auth is on when given (its log lines in `authLog`). */
  readonly auth?: AuthOptions;
  /** Whether reflection is served; default true. */
  readonly reflection?: boolean;
  /** Registry size limits (--max-services etc.); the server's defaults when absent. */
  readonly registryLimits?: RegistryLimits;
  /** The check-target policy (--allow-targets) at registration; every host allowed when absent. */
  readonly targetPolicy?: TargetPolicy;
  /** Mutating RPCs per second and burst per client (--max-mutation-rate), on the manual clock; off when absent. */
  readonly mutationRate?: BucketRate;
}

/**
 * The server's routes and engine over an in-memory transport: the SQLite
 * store (":memory:" unless a path is given) with the server's registry and
 * commit queue, manual time, and a probe whose answer per port the test sets. No sockets, no
 * sleeping: `time.advance(ms)` runs the engine exactly.
 */
export async function createInMemoryMonitor(options: InMemoryMonitorOptions = {}) {
  const time = createManualTime(options.startMs);
  const clock = time.clock;
  const hub = createEventHub();
  const engineErrors: unknown[] = [];
  const stack = await createStoreStack({
    now: clock.now,
    hub,
    ...(options.storePath === undefined ? {} : { path: options.storePath }),
    ...(options.store === undefined ? {} : { store: options.store }),
    ...(options.retentionPerCaller === undefined ? {} : { retentionPerCaller: options.retentionPerCaller }),
    ...(options.registryLimits === undefined ? {} : { limits: options.registryLimits }),
    ...(options.targetPolicy === undefined ? {} : { targetPolicy: options.targetPolicy }),
    onError: (error) => void engineErrors.push(error),
  });
  const { registry, store, queue, log } = stack;

  /**
   * What the fake probe answers, by port (an HTTP service's is its URL's):
   * "up", a failure detail, or a whole result (e.g. with HTTP details).
   * Unset ports are refused.
   */
  const answers = new Map<number, "up" | string | Omit<CheckResult, "at">>();
  const probes: Array<{ port: number; at: number; serviceId: string }> = [];
  const prepareCheck = (service: ServiceConfig) => async (): Promise<CheckResult> => {
    const at = clock.now();
    probes.push({ port: service.port, at, serviceId: service.id });
    const answer = answers.get(service.port) ?? "connection refused";
    if (typeof answer === "object") return { ...answer, at };
    return answer === "up"
      ? { status: "up", at, latencyMs: 0.5, detail: "" }
      : { status: "down", at, latencyMs: 0.5, detail: answer };
  };
  const engine = createMonitorEngine({
    registry,
    queue,
    hub,
    prepareCheck,
    clock,
    timers: time.timers,
    ...(options.historySink === undefined ? {} : { history: options.historySink }),
    onError: (error) => void engineErrors.push(error),
  });
  engine.start({ announced: stack.contents.announced, observations: stack.contents.observations });

  /** Overrides of the engine's service state, for handler tests of GetService. */
  const states = new Map<string, ServiceState>();
  const internalErrors: unknown[] = [];
  const health = createHealthStatus(["monitor.v1.ManagementService", "monitor.v1.WatchService"]);
  const fakeHistory = createFakeHistoryQueries();
  const authLog = capturedLogger("info");
  const auth = options.auth === undefined ? undefined : await startAuth(options.auth, { registry, logger: authLog.logger, now: clock.now });
  const deps = {
    registry,
    store,
    queue,
    hub,
    clock,
    health,
    history: options.history ?? fakeHistory.history,
    engine: {
      stateOf: (id: string) => states.get(id) ?? engine.stateOf(id),
      snapshot: (callerId: string) => engine.snapshot(callerId),
    },
    ...(options.streamOptions === undefined ? {} : { streamOptions: options.streamOptions }),
    ...(options.streamLimits === undefined ? {} : { streamLimits: options.streamLimits }),
    onInternalError: (error: unknown) => void internalErrors.push(error),
    ...(auth === undefined ? {} : { auth: auth.interceptor }),
    ...(options.reflection === undefined ? {} : { reflection: options.reflection }),
    ...(options.mutationRate === undefined ? {} : { mutationRate: { rate: options.mutationRate, now: clock.now } }),
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
    store,
    queue,
    /** The callers' logs as the store holds them. */
    log,
    /** How many store writes (batches) so far. */
    storeWrites: stack.writes,
    hub,
    engine,
    time,
    clock,
    answers,
    probes,
    states,
    /** The history RPCs' fake HistoryQueries (unused when `history` was given). */
    fakeHistory,
    internalErrors,
    engineErrors,
    /** What auth logged (refusals, reloads), parsed. */
    authLog: authLog.lines,
    async close() {
      auth?.close();
      engine.stop();
      await queue.idle();
      await store.close();
    },
  };
}

export type InMemoryMonitor = Awaited<ReturnType<typeof createInMemoryMonitor>>;
