import type { Server } from "node:net";
import { DEFAULT_BIND_RETRY, bindServer } from "./bind-server.js";
import type { ListenerOptions } from "./create-listener.js";
import { DEFAULT_HOST, isLoopbackHost } from "./is-loopback-host.js";
import type { ListenerState } from "./scenario.js";

/** What every simulated listener does the same way: where it binds, up/down/close in call order. */
export interface ListenerLifecycle {
  readonly host: string;
  /** The bound port; `undefined` only while a port-0 listener has never been up. */
  port(): number | undefined;
  state(): ListenerState;
  up(): Promise<number>;
  down(): Promise<void>;
  close(): Promise<void>;
  /** The listening server while up. */
  currentServer(): Server | undefined;
  /** "listener \"db\" on 127.0.0.1:5432", for messages. */
  label(): string;
}

/** How one kind of listener makes its server. */
export interface ServerMaker {
  /** Prefixes the label, e.g. "http " (empty for TCP). */
  readonly labelPrefix: string;
  /** Runs before each bind (the HTTPS variant makes its certificate on the first). */
  prepare?(): Promise<void>;
  makeServer(): Server;
  /** After `server.close()` is asked for, before waiting for it: drop connections still open. */
  dropConnections?(): void;
}

type Phase =
  | { readonly kind: "down" }
  | { readonly kind: "up"; readonly server: Server; readonly port: number }
  | { readonly kind: "closed" };

/**
 * The shared lifecycle of the TCP and HTTP(S) listeners: loopback only, a
 * port-0 listener keeps the port it was first given, EADDRINUSE retried on
 * `up()`, operations serialized in call order, `close()` for good.
 */
export function createListenerLifecycle(options: ListenerOptions, maker: ServerMaker): ListenerLifecycle {
  const host = options.host ?? DEFAULT_HOST;
  if (!isLoopbackHost(host)) {
    throw new Error(`simulator listeners bind to loopback only: expected "127.0.0.1" or "::1", got "${host}"`);
  }
  const requested = options.port ?? 0;
  if (!Number.isInteger(requested) || requested < 0 || requested > 65535) {
    throw new RangeError(`port must be an integer from 0 to 65535, got ${requested}`);
  }
  const retry = options.bindRetry ?? DEFAULT_BIND_RETRY;
  let port: number | undefined = requested === 0 ? undefined : requested;
  let phase: Phase = { kind: "down" };
  let closing = false;
  let queue: Promise<unknown> = Promise.resolve();
  const label = (): string =>
    `${maker.labelPrefix}listener${options.name === undefined ? "" : ` "${options.name}"`} on ${host}:${port ?? 0}`;

  const serialize = <T>(op: () => Promise<T>): Promise<T> => {
    const result = queue.then(op);
    queue = result.catch(() => undefined);
    return result;
  };

  const goDown = async (): Promise<void> => {
    if (phase.kind !== "up") return;
    const { server } = phase;
    phase = { kind: "down" };
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    maker.dropConnections?.();
    await closed;
  };

  return {
    host,
    port: () => port,
    state: () => (phase.kind === "up" ? "up" : "down"),
    up: () =>
      serialize(async () => {
        if (phase.kind === "closed") throw new Error(`${label()} is closed`);
        if (phase.kind === "up") return phase.port;
        await maker.prepare?.();
        const bound = await bindServer(() => maker.makeServer(), host, port ?? 0, retry, () => closing, label());
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
    currentServer: () => (phase.kind === "up" ? phase.server : undefined),
    label,
  };
}

/** Stamps of accepted connections (epoch ms), shared by every listener kind. */
export function createConnectionLog(clock: () => number) {
  const stamps: number[] = [];
  const subscribers = new Set<(atMs: number) => void>();
  return {
    /** Stamps one accepted connection and tells the subscribers. */
    record(): void {
      const atMs = clock();
      stamps.push(atMs);
      for (const subscriber of subscribers) subscriber(atMs);
    },
    connections: (): readonly number[] => stamps.slice(),
    connectionCount: (): number => stamps.length,
    connectionsBetween: (fromMs: number, toMs: number): readonly number[] => stamps.filter((t) => t >= fromMs && t < toMs),
    reset: (): void => {
      stamps.length = 0;
    },
    onConnection(callback: (atMs: number) => void): () => void {
      subscribers.add(callback);
      return () => subscribers.delete(callback);
    },
  };
}
