import { createServer } from "node:net";
import type { Server, Socket } from "node:net";
import type { BindRetry } from "./bind-server.js";
import { DEFAULT_BIND_RETRY, bindServer } from "./bind-server.js";
import { DEFAULT_HOST, isLoopbackHost } from "./is-loopback-host.js";
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

type Phase =
  | { readonly kind: "down" }
  | { readonly kind: "up"; readonly server: Server; readonly port: number }
  | { readonly kind: "closed" };

/** Creates a listener in the "down" state; call `up()` to start it. */
export function createListener(options: ListenerOptions = {}): SimListener {
  const host = options.host ?? DEFAULT_HOST;
  if (!isLoopbackHost(host)) {
    throw new Error(`simulator listeners bind to loopback only: expected "127.0.0.1" or "::1", got "${host}"`);
  }
  const requested = options.port ?? 0;
  if (!Number.isInteger(requested) || requested < 0 || requested > 65535) {
    throw new RangeError(`port must be an integer from 0 to 65535, got ${requested}`);
  }
  const clock = options.clock ?? Date.now;
  const retry = options.bindRetry ?? DEFAULT_BIND_RETRY;
  let port: number | undefined = requested === 0 ? undefined : requested;
  let phase: Phase = { kind: "down" };
  let closing = false;
  let queue: Promise<unknown> = Promise.resolve();
  const stamps: number[] = [];
  const subscribers = new Set<(atMs: number) => void>();
  const label = (): string =>
    `listener${options.name === undefined ? "" : ` "${options.name}"`} on ${host}:${port ?? 0}`;

  const serialize = <T>(op: () => Promise<T>): Promise<T> => {
    const result = queue.then(op);
    queue = result.catch(() => undefined);
    return result;
  };

  const onSocket = (socket: Socket): void => {
    // The monitor's probe resets the connection right after connecting.
    socket.on("error", () => {});
    socket.destroy();
    const atMs = clock();
    stamps.push(atMs);
    for (const subscriber of subscribers) subscriber(atMs);
  };

  const goDown = async (): Promise<void> => {
    if (phase.kind !== "up") return;
    const { server } = phase;
    phase = { kind: "down" };
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  return {
    host,
    port: () => port,
    state: () => (phase.kind === "up" ? "up" : "down"),
    up: () =>
      serialize(async () => {
        if (phase.kind === "closed") throw new Error(`${label()} is closed`);
        if (phase.kind === "up") return phase.port;
        const bound = await bindServer(() => createServer(onSocket), host, port ?? 0, retry, () => closing, label());
        // Errors after listening (e.g. EMFILE on accept) must not crash a test run.
        bound.server.on("error", () => {});
        port = bound.port;
        phase = { kind: "up", server: bound.server, port: bound.port };
        return bound.port;
      }),
    down: () => serialize(goDown),
    close: () => {
      closing = true;
      return serialize(async () => {
        await goDown();
        phase = { kind: "closed" };
      });
    },
    connections: () => stamps.slice(),
    connectionCount: () => stamps.length,
    connectionsBetween: (fromMs, toMs) => stamps.filter((t) => t >= fromMs && t < toMs),
    resetConnections: () => {
      stamps.length = 0;
    },
    onConnection: (callback) => {
      subscribers.add(callback);
      return () => subscribers.delete(callback);
    },
  };
}
