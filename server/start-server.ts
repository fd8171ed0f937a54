import { setMaxListeners } from "node:events";
import { mkdir } from "node:fs/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "pino";
import { HealthCheckResponse_ServingStatus as ServingStatus } from "./gen/grpc/health/v1/health_pb.js";
import type { Clock } from "./domain/clock.js";
import type { TcpCloseMode } from "./domain/types.js";
import { withSpecGrpcMessage } from "./grpc-message-encoding.js";
import { withUnreadRequestReset } from "./http/reset-unread-requests.js";
import { serveHttp2 } from "./http/serve-http2.js";
import { withUnaryDecodeErrors } from "./http/unary-decode-errors.js";
import { createHealthStatus } from "./rpc/health-service.js";
import { createRouterOptions, createRoutes, SERVED_SERVICES } from "./rpc/routes.js";
import { createWatchStreamGate, DEFAULT_WATCH_STREAM_LIMITS } from "./rpc/watch-stream-gate.js";
import { watchTransportValues } from "./rpc/watch-transport.js";
import { limitWatchStreamsPerConnection } from "./rpc/watch-connection-limit.js";
import { DEFAULT_STREAM_OPTIONS } from "./engine/caller-stream.js";
import { createCheckByKind } from "./engine/check-by-kind.js";
import { createDnsCache } from "./engine/dns-cache.js";
import { createEventHub } from "./engine/event-hub.js";
import { createHttpProbe } from "./engine/http-probe.js";
import { createMonitorEngine, type MonitorEngine } from "./engine/monitor-engine.js";
import { createTcpProbe } from "./engine/probe.js";
import { createCommitQueue } from "./store/commit-queue.js";
import { createRegistry } from "./store/create-registry.js";
import { openServerStore, type ServerStore } from "./store/open-server-store.js";
import { createRegistryModel } from "./store/registry-model.js";
import { createStoreFailureLog } from "./store/store-failure-log.js";
import { createStoreOutage, type StoreOutage } from "./store/store-outage.js";
import { createHistoryRuntime } from "./history/start-history.js";
import { DEFAULT_HISTORY_RETENTION, type HistoryRetention } from "./history/retention-job.js";
import { startConfigFileSync } from "./config/config-file-sync.js";
import { combineObservers } from "./combine-observers.js";
import { logRegistryChanges } from "./logging/log-registry-changes.js";
import { withStreamLogging } from "./logging/log-watch-streams.js";
import { createLoggingObserver } from "./logging/logging-observer.js";
import { isLoopbackHost } from "./metrics/is-loopback-host.js";
import { serveMetrics, type MetricsEndpoint } from "./metrics/serve-metrics.js";
import { withRemoteAddress } from "./auth/remote-address.js";
import { startAuth, type AuthOptions } from "./auth/start-auth.js";
import type { RegistryLimits } from "./limits/registry-limits.js";
import { createRefusalLog } from "./limits/refusal-log.js";
import { DEFAULT_ALLOW_TARGETS, parseTargetPolicy, type TargetPolicy } from "./limits/target-policy.js";
import { guardResolve } from "./limits/guard-resolve.js";
import type { BucketRate } from "./limits/token-bucket.js";
import { loadTlsMaterial, type TlsFiles, type TlsMaterial } from "./tls/load-tls-material.js";
import { logCertificate, startTlsReloader, type TlsReload } from "./tls/tls-reloader.js";

export interface ServerOptions {
  /** Host to bind; "127.0.0.1" unless told otherwise. */
  readonly host: string;
  /** Port to bind; 0 picks a free one. */
  readonly port: number;
  readonly dataDir: string;
  /** A `postgres://` URL (--database); the embedded SQLite store in dataDir when absent. */
  readonly databaseUrl?: string;
  /** The declarative config file (--config), applied at start and whenever it changes. */
  readonly configFile?: string;
  readonly logger: Logger;
  /**
   * The server can no longer run safely (after a PostgreSQL outage another
   * server holds the lock, or the store no longer matches memory): the
   * process should close it and exit non-zero. Logged either way.
   */
  readonly onFatal?: (error: unknown) => void;
  readonly clock: Clock;
  readonly maxConcurrentChecks?: number;
  /** Where to serve Prometheus metrics (HTTP/1.1 `GET /metrics`); not served when absent. */
  readonly metricsListen?: { readonly host: string; readonly port: number };
  /** How checks close, for services that chose no close mode (`--tcp-close`); default "fin". */
  readonly tcpCloseMode?: TcpCloseMode;
  /** Open Watch streams per caller id; default 16 (DEFAULT_WATCH_STREAM_LIMITS). */
  readonly maxWatchStreamsPerCaller?: number;
  /** Open Watch streams per HTTP/2 connection; default 100. */
  readonly maxWatchStreamsPerConnection?: number;
  /** Live events a Watch stream may hold unsent before it is cut; default 1,000. */
  readonly watchBufferEvents?: number;
  /** Largest request message accepted, in bytes; default {@link DEFAULT_MAX_REQUEST_BYTES}. */
  readonly maxRequestBytes?: number;
  /** Open TCP connections at most; default {@link DEFAULT_MAX_CONNECTIONS}. */
  readonly maxConnections?: number;
  /** An HTTP/2 session with no open stream for this long is closed; default {@link DEFAULT_IDLE_TIMEOUT_MS}. */
  readonly idleTimeoutMs?: number;
  /** How long check rows and rollups are kept (the retention flags); default {@link DEFAULT_HISTORY_RETENTION}. */
  readonly historyRetention?: HistoryRetention;
  /** How often the rollup job runs (`--rollup-interval`); default 1 minute. */
  readonly rollupIntervalMs?: number;
  /** Admin tokens (MONITOR_ADMIN_TOKENS, --admin-tokens-file): auth is on when given, off when absent. */
  readonly auth?: AuthOptions;
  /** Whether gRPC server reflection is served; default true (--no-reflection). */
  readonly reflection?: boolean;
  /** Registry size limits (--max-services, --max-callers, --max-subscriptions); defaults when absent. */
  readonly registryLimits?: RegistryLimits;
  /** Which hosts checks may reach (--allow-targets); {@link DEFAULT_ALLOW_TARGETS} when absent. */
  readonly targetPolicy?: TargetPolicy;
  /** Mutating RPCs per second per client and the burst (--max-mutation-rate); not limited when absent. */
  readonly mutationRate?: BucketRate;
  // TLS (--tls-cert, --tls-key, --tls-client-ca): cleartext h2c when absent.
  /** Serve over TLS from these files, re-read when they change and on {@link RunningServer.reloadTls}. */
  readonly tls?: TlsFiles;
}

/**
 * 1 MiB: the largest request this API has is a RegisterService of a few
 * hundred bytes. connect's own default (4 GiB) let one client exhaust the heap.
 */
export const DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;
/**
 * 4,096 connections: far more than the clients of one monitor need (a gRPC
 * client multiplexes every call on one connection), far below the usual
 * file-descriptor limits, and bounded memory: an open session costs about
 * 70 KiB (measured, 2,000 sessions after one call each), so about 290 MiB at
 * the limit. Without a limit 20,000 idle sessions filled the FD table.
 */
export const DEFAULT_MAX_CONNECTIONS = 4096;
/**
 * 5 minutes: longer than any pause between a client's calls that is worth a
 * kept connection, short enough that abandoned connections do not pile up.
 * Sessions holding a Watch are never idle.
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;

export interface RunningServer {
  /** The bound address, e.g. "127.0.0.1:50051". */
  readonly address: string;
  readonly port: number;
  /** The bound metrics address, when metrics are served. */
  readonly metricsAddress: string | undefined;
  /** Graceful shutdown: NOT_SERVING, no new calls, streams end with UNAVAILABLE, stores flushed. */
  close(): Promise<void>;
  /** "https" when served over TLS, else "http" (h2c). */
  readonly scheme: "http" | "https";
  /** Re-reads the TLS files now (SIGHUP): new connections get what loads, a failed load keeps the old certificate. */
  reloadTls(trigger?: string): Promise<TlsReload | { readonly kind: "no_tls" }>;
}

const SHUTDOWN_GRACE_MS = 3000;
const STORE_FLUSH_MS = 1000;
/** The history's last batch at shutdown; what is not written by then is lost (history, not the registry). */
const HISTORY_FLUSH_MS = 1000;

/** Whether `promise` settles within `ms` (its outcome is not waited for beyond that). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
const HEALTH_DRAIN_MS = 100;

/**
 * Wires stores, engine and RPC services onto one HTTP/2 port and starts
 * listening. Owns no process-wide state (signals, env): main.ts does that,
 * so tests can run several servers in one process.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { logger } = options;
  // Before the store: a server that cannot serve its certificate touches nothing.
  const tls = options.tls === undefined ? undefined : await loadTlsMaterial(options.tls);
  if (tls !== undefined && !tls.ok) throw new Error(`TLS: ${tls.file}: ${tls.reason}`);
  if (options.databaseUrl === undefined) await mkdir(options.dataDir, { recursive: true });
  // The store's lock comes first: a second server must not even read the
  // store (it would write over the first one's changes).
  // Store outages: PostgreSQL reconnects by itself; health follows the store.
  const outage = createStoreOutage({ logger, clock: options.clock, onFatal: (error) => options.onFatal?.(error) });
  const opened = await openServerStore({
    dataDir: options.dataDir,
    databaseUrl: options.databaseUrl,
    log: (message) => logger.info(message),
    // Reconnecting: a lost lock is an outage, which `outage` logs.
    onLockLost: () => undefined,
    reconnect: outage.reconnect,
  });
  logger.info({ store: opened.store.description }, `store: ${opened.store.description}`);
  // What start-up has opened so far, undone newest first if a later step
  // fails (a port in use, a bad option): the lock is not released while an
  // engine, a database handle or a listener of this server lives on.
  const undo: Array<() => unknown> = [];
  try {
    return await startLocked(options, opened, undo, outage, tls?.material);
  } catch (error) {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (undoError) {
        logger.warn({ err: undoError }, "undoing a failed start-up");
      }
    }
    // The history first: it shares the main store's database (and lock).
    await opened.history.close().catch((closeError: unknown) => logger.warn({ err: closeError }, "closing the history store"));
    await opened.store.close().catch((closeError: unknown) => logger.warn({ err: closeError }, "closing the store"));
    await opened.lock.release();
    throw error;
  }
}

/** startServer once the store is ours; its lock is released by close(), `undo` collects what a failed start must close. */
async function startLocked(
  options: ServerOptions,
  opened: ServerStore,
  undo: Array<() => unknown>,
  outage: StoreOutage,
  tls: TlsMaterial | undefined,
): Promise<RunningServer> {
  const { logger, clock } = options;
  const { store, lock, contents } = opened;
  // Off by default: no default-metrics collectors, no histograms at every check,
  // and prom-client (200-300 ms to import) not even loaded.
  const metrics = options.metricsListen === undefined ? undefined : (await import("./metrics/create-metrics.js")).createMetrics();
  const hub = withStreamLogging(createEventHub(), logger);
  const model = createRegistryModel(contents);
  const failures = createStoreFailureLog(logger, clock.now);
  const queue = createCommitQueue({
    store: outage.watchWrites(store),
    model,
    sequences: contents.sequences,
    now: clock.now,
    publish: (events) => hub.publish(events),
    ...(metrics === undefined ? {} : { written: metrics.storeWritten }),
    onError: failures("store"),
  });
  const refusals = createRefusalLog(logger, clock.now, metrics?.refused);
  const targetPolicy = options.targetPolicy ?? (parseTargetPolicy(DEFAULT_ALLOW_TARGETS) as TargetPolicy);
  const registry = createRegistry(model, queue, {
    onLimitRefused: (row, error) => refusals(`max_${row}s` as const, error.message),
    onListenerError: (error, change) => logger.error({ err: error }, `registry: a listener failed on ${change.kind}`),
    ...(options.registryLimits === undefined ? {} : { limits: options.registryLimits }),
    targetPolicy,
    onTargetRefused: (error) => refusals("target_not_allowed", error.message),
  });
  const stopLoggingChanges = logRegistryChanges(registry, logger);
  undo.push(() => registry.flush(), stopLoggingChanges);

  const health = createHealthStatus(SERVED_SERVICES.map((service) => service.typeName));
  outage.attach(health, () => ({
    services: model.listServices(),
    callers: model.listCallers(),
    subscriptions: model.listSubscriptions(),
    outages: model.listOutages(),
    sequences: model.listCallers().map((caller) => ({ callerId: caller.id, lastSequence: queue.lastSequence(caller.id) })),
  }));
  undo.push(() => outage.detach());
  const shutdown = new AbortController();
  // connect links every call in flight to this signal (one abort listener each, removed when the
  // call ends), so more than 10 concurrent calls tripped MaxListenersExceededWarning: not a leak.
  // The connection and stream limits bound the listeners; the warning would only be noise.
  setMaxListeners(0, shutdown.signal);
  const dnsCache = createDnsCache({ now: clock.now });
  const dns = { resolve: guardResolve(dnsCache.resolve, targetPolicy, (detail) => refusals("target_not_allowed", detail)) };
  // Reads the engine's state lazily (it is created next) for stats' current streak.
  let engineForHistory: { stateOf: MonitorEngine["stateOf"] } | undefined;
  const history = createHistoryRuntime({
    store: opened.history,
    retention: options.historyRetention ?? DEFAULT_HISTORY_RETENTION,
    ...(options.rollupIntervalMs === undefined ? {} : { rollupEveryMs: options.rollupIntervalMs }),
    isRegistered: (id) => registry.getService(id) !== undefined,
    current: (id) => {
      const service = registry.getService(id);
      if (service === undefined) return undefined;
      const observation = engineForHistory?.stateOf(id)?.observation;
      return {
        status: observation?.status ?? "unknown",
        sinceMs: observation?.lastCheckAt === undefined ? undefined : observation.sinceMs,
        paused: service.pausedAt !== undefined,
      };
    },
    now: clock.now,
    logger,
    metrics: metrics?.history,
  });
  const engine = createMonitorEngine({
    registry,
    queue,
    hub,
    clock,
    prepareCheck: createCheckByKind({
      tcp: createTcpProbe({ resolve: dns.resolve, now: clock.now, closeMode: options.tcpCloseMode ?? "fin" }),
      http: createHttpProbe({ resolve: dns.resolve, now: clock.now }),
    }),
    ...(options.maxConcurrentChecks === undefined ? {} : { maxConcurrentChecks: options.maxConcurrentChecks }),
    observer: combineObservers(createLoggingObserver(logger), ...(metrics === undefined ? [] : [metrics.observer])),
    onError: failures("engine"),
    history: history.writer,
  });
  engineForHistory = engine;
  engine.start({ announced: contents.announced, observations: contents.observations });
  history.start();
  // Undone newest first: the engine stops before the history's last flush.
  undo.push(() => history.close(), () => engine.stop());
  // After the engine follows the registry, so what the file declares is checked like the rest.
  const configSync =
    options.configFile === undefined
      ? undefined
      : await startConfigFileSync({ path: options.configFile, registry, logger, now: clock.now });
  undo.push(() => configSync?.close());

  // After the registry holds the callers, whose token hashes auth indexes.
  const authDeps = { registry, logger, now: clock.now, ...(metrics === undefined ? {} : { counted: metrics.authRefused }) };
  const auth = options.auth === undefined ? undefined : await startAuth(options.auth, authDeps);
  undo.push(() => auth?.close());

  const perCaller = options.maxWatchStreamsPerCaller ?? DEFAULT_WATCH_STREAM_LIMITS.perCaller;
  // Counts Watch streams from admission, replaying or live (the hub only sees live ones).
  const watchGate = createWatchStreamGate(perCaller);
  const deps = {
    registry,
    store,
    queue,
    hub,
    engine,
    clock,
    health,
    history: history.queries,
    streamOptions: { ...DEFAULT_STREAM_OPTIONS, bufferLimit: options.watchBufferEvents ?? DEFAULT_STREAM_OPTIONS.bufferLimit },
    streamLimits: {
      perCaller,
      perConnection: options.maxWatchStreamsPerConnection ?? DEFAULT_WATCH_STREAM_LIMITS.perConnection,
    },
    watchGate,
    onInternalError: (error: unknown, procedure: string) =>
      logger.error({ err: error, procedure }, "internal error in handler"),
    ...(auth === undefined ? {} : { auth: auth.interceptor }),
    reflection: options.reflection ?? true,
    ...(options.mutationRate === undefined
      ? {}
      : { mutationRate: { rate: options.mutationRate, now: clock.now, onRefused: (client: string, message: string) => refusals("mutation_rate", `${client}: ${message}`) } }),
  };

  // Outermost first. grpc-message in the spec's encoding, for every client;
  // an answered upload is cut instead of read to its end; the per-connection
  // Watch limit before connect, whose per-request cost a flood would pay.
  const handler = withSpecGrpcMessage(
    withUnreadRequestReset(
      limitWatchStreamsPerConnection(
        connectNodeAdapter({
          ...createRouterOptions(deps),
          // connect checks a message's declared length (the gRPC envelope's, or
          // Content-Length) against this before it allocates anything.
          readMaxBytes: options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
          routes: withUnaryDecodeErrors(createRoutes(deps)),
          shutdownSignal: shutdown.signal,
          // Hands Watch its HTTP/2 stream, to cut a stream whose client stopped reading.
          contextValues: (req) => withRemoteAddress(watchTransportValues(req), req),
        }),
        deps.streamLimits.perConnection,
      ),
    ),
  );
  const front = await serveHttp2(handler, {
    host: options.host,
    port: options.port,
    maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    logger,
    ...(tls === undefined ? {} : { tls }),
  });
  undo.push(() => {
    front.stopAccepting();
    return front.closeSessions(0);
  });
  const { address } = front;
  const { setTlsMaterial } = front;
  if (tls !== undefined) logCertificate(logger, tls.certificate, clock.now(), "TLS");
  const tlsReloader =
    tls === undefined || options.tls === undefined || setTlsMaterial === undefined
      ? undefined
      : startTlsReloader({ files: options.tls, initial: tls.certificate, apply: setTlsMaterial, logger, now: clock.now });
  undo.push(() => tlsReloader?.close());

  let metricsEndpoint: MetricsEndpoint | undefined;
  if (metrics !== undefined && options.metricsListen !== undefined) {
    const { host, port } = options.metricsListen;
    metrics.readFrom({ registry, states: engine, hub: { streamCount: () => watchGate.total() } });
    metricsEndpoint = await serveMetrics(metrics.registry, host, port);
    const metricsAddress = metricsEndpoint.address;
    if (!isLoopbackHost(host)) {
      logger.warn({ metricsAddress }, `metrics on ${metricsAddress} are unauthenticated and reachable from the network`);
    }
    logger.info({ metricsAddress }, `metrics on http://${metricsAddress}/metrics`);
  }

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    outage.detach();
    health.setAll(ServingStatus.NOT_SERVING);
    logger.info("shutdown: health is NOT_SERVING");
    // Let health watchers hear NOT_SERVING before their streams end.
    await new Promise((resolve) => setTimeout(resolve, HEALTH_DRAIN_MS));
    front.stopAccepting();
    tlsReloader?.close();
    const unavailable = new ConnectError("server is shutting down", Code.Unavailable);
    shutdown.abort(unavailable);
    await configSync?.close();
    auth?.close();
    engine.stop();
    const streams = watchGate.total();
    hub.endAll(unavailable);
    logger.info({ streams }, `shutdown: checks stopped, ${streams} watch stream(s) ended with UNAVAILABLE`);
    await front.closeSessions(SHUTDOWN_GRACE_MS);
    try {
      // Bounded: a store that hangs (a stalled database connection) must not
      // keep the lock past the promised stop; what is not written was not
      // acknowledged.
      const flushed = await settlesWithin(registry.flush(), STORE_FLUSH_MS);
      if (!flushed) logger.warn(`shutdown: the store did not finish writing within ${STORE_FLUSH_MS} ms`);
      // Checks have stopped: the history's last rows, then its jobs are gone.
      if (!(await settlesWithin(history.close(), HISTORY_FLUSH_MS))) {
        const lost = history.writer.buffered();
        logger.warn(
          lost > 0
            ? `shutdown: the history did not finish writing within ${HISTORY_FLUSH_MS} ms; ${lost} row(s) lost`
            : `shutdown: the history's jobs did not stop within ${HISTORY_FLUSH_MS} ms (a rollup pass under way is redone at the next start)`,
        );
      }
      // The history before the main store, whose close folds SQLite's WAL
      // (both connections' commits) into monitor.db. Bounded like the flush:
      // a stalled PostgreSQL connection waits for its call in flight forever.
      const historyClosed = opened.history.close().catch((error: unknown) => logger.warn({ err: error }, "shutdown: closing the history store"));
      if (!(await settlesWithin(historyClosed, HISTORY_FLUSH_MS))) {
        logger.warn(`shutdown: the history store did not close within ${HISTORY_FLUSH_MS} ms; left to the process's exit`);
      }
      await store.close();
    } finally {
      stopLoggingChanges();
      await metricsEndpoint?.close();
      await lock.release();
    }
    logger.info({ store: store.description }, `shutdown: store flushed and closed, ${lock.resource} unlocked`);
  }

  return {
    address,
    port: front.port,
    metricsAddress: metricsEndpoint?.address,
    close: () => (closing ??= close()),
    scheme: tls === undefined ? "http" : "https",
    reloadTls: async (trigger = "asked") => (tlsReloader === undefined ? { kind: "no_tls" } : tlsReloader.reload(trigger)),
  };
}
