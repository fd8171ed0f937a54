#!/usr/bin/env node
import type { Logger } from "pino";
import { decideAuthMode } from "./auth/auth-mode.js";
import { createJsonLogger, createLogger } from "./logging/create-logger.js";
import { parseServerArgs } from "./server-args.js";
import { createStopSignals } from "./shutdown-signals.js";
import { startServer } from "./start-server.js";
import { loadTlsMaterial, type TlsFiles } from "./tls/load-tls-material.js";

/**
 * The process edge: flags and environment, the real clock, signals and exit
 * codes. Everything else is in startServer, which tests drive directly.
 */
// JSON at info until the flags choose: main()'s catch logs with it whatever happens first.
let logger: Logger = createJsonLogger("info");

async function main(): Promise<void> {
  const parsed = parseServerArgs(process.argv.slice(2), process.env);
  if (parsed.kind === "help") {
    process.stdout.write(parsed.text);
    return;
  }
  if (parsed.kind === "error") {
    process.stderr.write(`${parsed.message}\n\n${parsed.usage}`);
    process.exitCode = 2;
    return;
  }
  const { listen, dataDir, database, config } = parsed.args;
  const { logLevel, logFormat, metricsListen } = parsed.args;
  const { adminTokens, adminTokensFile, insecureNoAuth, noReflection } = parsed.args;
  // Before anything opens: a refused start binds no socket and touches no store.
  const authMode = decideAuthMode({ host: listen.host, authConfigured: adminTokens !== undefined || adminTokensFile !== undefined, insecureNoAuth });
  if (authMode.kind === "refuse") {
    process.stderr.write(`${authMode.message}\n`);
    process.exitCode = 2;
    return;
  }
  // TLS, like the flags: a certificate that cannot be served is bad input (exit 2), found before any store opens.
  const { tlsCert, tlsKey, tlsClientCa } = parsed.args;
  const tls: TlsFiles | undefined =
    tlsCert === undefined || tlsKey === undefined ? undefined : { certFile: tlsCert, keyFile: tlsKey, ...(tlsClientCa === undefined ? {} : { clientCaFile: tlsClientCa }) };
  if (tls !== undefined) {
    const loaded = await loadTlsMaterial(tls);
    if (!loaded.ok) {
      process.stderr.write(`TLS: ${loaded.file}: ${loaded.reason}\n`);
      process.exitCode = 2;
      return;
    }
  }
  logger = await createLogger({ level: logLevel, format: logFormat });
  if (authMode.kind === "open_insecure") logger.warn(authMode.warning);
  const { tcpClose } = parsed.args;
  const { maxWatchStreamsPerCaller, maxWatchStreamsPerConnection, watchBufferEvents } = parsed.args;
  const { maxRequestBytes, maxConnections, idleTimeout } = parsed.args;
  const { historyRetention, minuteRollupRetention, hourRollupRetention, dayRollupRetention, rollupInterval } = parsed.args;
  const { maxServices, maxCallers, maxSubscriptions, allowTargets, maxMutationRate, mutationBurst } = parsed.args;
  let stopForFatal: (() => void) | undefined;
  const server = await startServer({
    host: listen.host,
    port: listen.port,
    dataDir,
    ...(database === undefined ? {} : { databaseUrl: database }),
    ...(config === undefined ? {} : { configFile: config }),
    // Already logged by the server; stop as on a signal, but exit 1.
    onFatal: () => stopForFatal?.(),
    logger,
    clock: { now: Date.now },
    tcpCloseMode: tcpClose,
    maxWatchStreamsPerCaller,
    maxWatchStreamsPerConnection,
    watchBufferEvents,
    maxRequestBytes,
    maxConnections,
    idleTimeoutMs: idleTimeout,
    historyRetention: { recordsMs: historyRetention, minuteMs: minuteRollupRetention, hourMs: hourRollupRetention, dayMs: dayRollupRetention },
    rollupIntervalMs: rollupInterval,
    ...(metricsListen === undefined ? {} : { metricsListen }),
    ...(authMode.kind === "auth"
      ? {
          auth: {
            ...(adminTokens === undefined ? {} : { adminTokens }),
            ...(adminTokensFile === undefined ? {} : { adminTokensFile }),
          },
        }
      : {}),
    reflection: !noReflection,
    registryLimits: { maxServices, maxCallers, maxSubscriptions },
    targetPolicy: allowTargets,
    ...(maxMutationRate === 0 ? {} : { mutationRate: { ratePerSecond: maxMutationRate, burst: mutationBurst } }),
    ...(tls === undefined ? {} : { tls }),
  });

  const signals = createStopSignals();
  const stop = (signal: NodeJS.Signals) => {
    const verdict = signals.receive(signal, Date.now());
    if (verdict === "repeat") {
      logger.debug({ signal }, "the same signal again (relayed by the parent process): already stopping");
      return;
    }
    if (verdict === "force") {
      logger.warn({ signal }, "second signal: exiting at once");
      process.exit(1);
    }
    logger.info({ signal }, "shutting down");
    // A stop is promised within 5 s (docs/architecture.md); never hang on a stuck close.
    // Referenced, not unref'd: should a close step wait on something that
    // holds no handle, the process must exit 1 here, not 0 with steps undone.
    setTimeout(() => {
      logger.error("shutdown took longer than 5 s; exiting");
      process.exit(1);
    }, 5000);
    server.close().then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  stopForFatal = () => {
    setTimeout(() => process.exit(1), 5000);
    server.close().finally(() => process.exit(1));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  // SIGHUP re-reads the TLS files (they are watched too); without TLS it is
  // ignored rather than left to kill the process, as Node's default would.
  process.on("SIGHUP", () => {
    void server.reloadTls("SIGHUP").then((outcome) => {
      if (outcome.kind === "no_tls") logger.info("SIGHUP: nothing to reload (no --tls-cert)");
    });
  });
  // Only now: whoever waits for this line may signal at once, and the
  // handlers must already be there to make that a graceful stop.
  // "listening on HOST:PORT" first, then the scheme: scripts read the address from it.
  const scheme = server.scheme === "https" ? " (TLS, https)" : "";
  logger.info({ address: server.address, scheme: server.scheme, ...(database === undefined ? { dataDir } : {}) }, `listening on ${server.address}${scheme}`);
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, error instanceof Error ? error.message : String(error));
  // exit() rather than exitCode: whatever started before the failure (a
  // listening port, timers) would otherwise keep the process alive.
  process.exit(1);
});
