import { createServer } from "node:net";
import type { Socket } from "node:net";
import type { BindRetry } from "./bind-server.js";
import { createConnectionLog, createListenerLifecycle } from "./listener-lifecycle.js";
import type { ListenerState } from "./scenario.js";
import type { Clock } from "./scheduler.js";

/** Where and how a simulated service listens. */
export interface ListenerOptions {
  /** Used in error messages only. */
  readonly name?: string;
  /** Loopback only: "127.0.0.1" (default) or "::1". */
  readonly host?: string;
  /** 0 (default) picks a free port on the first `up()`; later `up()`s reuse it. */
  readonly port?: number;
  /** Stamps accepted connections (epoch ms); defaults to Date.now. */
  readonly clock?: Clock;
  readonly bindRetry?: BindRetry;
}

/**
 * One simulated TCP service on loopback. "up" accepts connections (and closes
 * them at once: the monitor only checks that a connect succeeds); "down" has
 * no listening socket, so connects get ECONNREFUSED. Every accepted
 * connection is stamped so tests can assert how often the monitor checked.
 * Operations are applied in call order.
 */
export interface SimListener {
  readonly host: string;
  /** The bound port; `undefined` only while a port-0 listener has never been up. */
  port(): number | undefined;
  /** The settled state (an operation in progress has not changed it yet). */
  state(): ListenerState;
  /** Starts listening (same port as before, retrying EADDRINUSE); resolves to the port. */
  up(): Promise<number>;
  down(): Promise<void>;
  /** Goes down for good; later `up()` calls reject. Idempotent. */
  close(): Promise<void>;
  /** Timestamps (epoch ms) of accepted connections, oldest first. */
  connections(): readonly number[];
  connectionCount(): number;
  /** Connections with `fromMs <= t < toMs`. */
  connectionsBetween(fromMs: number, toMs: number): readonly number[];
  resetConnections(): void;
  /** Calls `callback` on each accepted connection; returns an unsubscribe function. */
  onConnection(callback: (atMs: number) => void): () => void;
}

/** Creates a listener in the "down" state; call `up()` to start it. */
export function createListener(options: ListenerOptions = {}): SimListener {
  const log = createConnectionLog(options.clock ?? Date.now);
  const onSocket = (socket: Socket): void => {
    // The monitor's probe resets the connection right after connecting.
    socket.on("error", () => {});
    socket.destroy();
    log.record();
  };
  const lifecycle = createListenerLifecycle(options, { labelPrefix: "", makeServer: () => createServer(onSocket) });
  return {
    host: lifecycle.host,
    port: lifecycle.port,
    state: lifecycle.state,
    up: lifecycle.up,
    down: lifecycle.down,
    close: lifecycle.close,
    connections: log.connections,
    connectionCount: log.connectionCount,
    connectionsBetween: log.connectionsBetween,
    resetConnections: log.reset,
    onConnection: log.onConnection,
  };
}
