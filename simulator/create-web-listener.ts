import type { IncomingMessage, ServerResponse } from "node:http";
import type { Server, Socket } from "node:net";
import type { BindRetry } from "./bind-server.js";
import { DEFAULT_BIND_RETRY, bindServer } from "./bind-server.js";
import type { ListenerOptions, SimListener } from "./create-listener.js";
import type { HttpResponseSpec } from "./http-response.js";
import { DEFAULT_HTTP_RESPONSE, mergeHttpResponse } from "./http-response.js";
import { DEFAULT_HOST, isLoopbackHost } from "./is-loopback-host.js";

/** One request as the simulated service saw it. */
export interface HttpRequestRecord {
  /** When the request's head arrived (epoch ms, from the listener's clock). */
  readonly atMs: number;
  readonly method: string;
  /** The request target as sent, e.g. "/health?x=1". */
  readonly path: string;
}

/** Where an HTTP(S) listener listens and what it answers at first. */
export interface WebListenerOptions extends ListenerOptions {
  /** Fields left out take {@link DEFAULT_HTTP_RESPONSE}'s. */
  readonly response?: Partial<HttpResponseSpec>;
}

/**
 * A simulated HTTP or HTTPS service on loopback. Up/down/close and the
 * connection log behave as in the TCP listener (`connections()` counts
 * accepted sockets, so a TLS handshake that the client rejects still shows
 * as a check); `requests()` logs the requests that reached the handler.
 * "down" also drops connections in flight, as a crashed service would.
 */
export interface SimHttpListener extends SimListener {
  readonly protocol: "http" | "https";
  /** `http://127.0.0.1:PORT/path` (brackets for ::1); throws before the first `up()` of a port-0 listener. */
  url(path?: string): string;
  /** What the next request will be answered with. */
  response(): HttpResponseSpec;
  /**
   * Changes the answer for requests arriving from now on (one already waiting
   * out its delay keeps the answer it arrived to); returns the merged result.
   * Throws RangeError on a bad field, leaving the answer as it was.
   */
  respond(change: Partial<HttpResponseSpec>): HttpResponseSpec;
  requests(): readonly HttpRequestRecord[];
  requestCount(): number;
  /** Requests with `fromMs <= atMs < toMs`. */
  requestsBetween(fromMs: number, toMs: number): readonly HttpRequestRecord[];
  /** Calls `callback` on each request as it arrives; returns an unsubscribe function. */
  onRequest(callback: (request: HttpRequestRecord) => void): () => void;
}

type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** How the HTTP and HTTPS variants differ: the server they make, and what must exist first. */
export interface WebServerFactory {
  readonly protocol: "http" | "https";
  /** Runs before each bind (the HTTPS variant makes its certificate on the first). */
  prepare(): Promise<void>;
  makeServer(handler: RequestHandler): Server;
}

/** The listener plus the live server, for a variant that must reach it (a certificate swap). */
export interface WebListenerHandle {
  readonly listener: SimHttpListener;
  currentServer(): Server | undefined;
}

type Phase =
  | { readonly kind: "down" }
  | { readonly kind: "up"; readonly server: Server; readonly port: number }
  | { readonly kind: "closed" };

/** Shared body of {@link createHttpListener} and {@link createHttpsListener}. */
export function createWebListener(options: WebListenerOptions, factory: WebServerFactory): WebListenerHandle {
  const host = options.host ?? DEFAULT_HOST;
  if (!isLoopbackHost(host)) {
    throw new Error(`simulator listeners bind to loopback only: expected "127.0.0.1" or "::1", got "${host}"`);
  }
  const requested = options.port ?? 0;
  if (!Number.isInteger(requested) || requested < 0 || requested > 65535) {
    throw new RangeError(`port must be an integer from 0 to 65535, got ${requested}`);
  }
  let answer = mergeHttpResponse(DEFAULT_HTTP_RESPONSE, options.response ?? {});
  const clock = options.clock ?? Date.now;
  const retry: BindRetry = options.bindRetry ?? DEFAULT_BIND_RETRY;
  let port: number | undefined = requested === 0 ? undefined : requested;
  let phase: Phase = { kind: "down" };
  let closing = false;
  let queue: Promise<unknown> = Promise.resolve();
  const stamps: number[] = [];
  const log: HttpRequestRecord[] = [];
  const connectionSubscribers = new Set<(atMs: number) => void>();
  const requestSubscribers = new Set<(request: HttpRequestRecord) => void>();
  // Open sockets, so "down" can drop them: server.close() alone waits for every one to end.
  const sockets = new Set<Socket>();
  const label = (): string =>
    `${factory.protocol} listener${options.name === undefined ? "" : ` "${options.name}"`} on ${host}:${port ?? 0}`;

  const serialize = <T>(op: () => Promise<T>): Promise<T> => {
    const result = queue.then(op);
    queue = result.catch(() => undefined);
    return result;
  };

  const onConnection = (socket: Socket): void => {
    // Clients reset, time out and reject certificates; none of that may crash a test run.
    socket.on("error", () => {});
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    const atMs = clock();
    stamps.push(atMs);
    for (const subscriber of connectionSubscribers) subscriber(atMs);
  };

  const handler: RequestHandler = (request, response) => {
    const record: HttpRequestRecord = { atMs: clock(), method: request.method ?? "", path: request.url ?? "" };
    log.push(record);
    for (const subscriber of requestSubscribers) subscriber(record);
    const spec = answer;
    request.resume();
    const send = (): void => {
      response.writeHead(spec.status, spec.headers);
      response.end(spec.body);
    };
    if (spec.delayMs === 0) return send();
    const timer = setTimeout(send, spec.delayMs);
    // The client gave up (its timeout) or "down" dropped the socket: nothing left to answer.
    response.once("close", () => clearTimeout(timer));
  };

  const goDown = async (): Promise<void> => {
    if (phase.kind !== "up") return;
    const { server } = phase;
    phase = { kind: "down" };
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };

  const listener: SimHttpListener = {
    host,
    protocol: factory.protocol,
    port: () => port,
    state: () => (phase.kind === "up" ? "up" : "down"),
    url: (path = "/") => {
      if (port === undefined) throw new Error(`${label()} has no port yet: call up() first`);
      const authority = host.includes(":") ? `[${host}]` : host;
      return `${factory.protocol}://${authority}:${port}${path.startsWith("/") ? path : `/${path}`}`;
    },
    up: () =>
      serialize(async () => {
        if (phase.kind === "closed") throw new Error(`${label()} is closed`);
        if (phase.kind === "up") return phase.port;
        await factory.prepare();
        const makeServer = (): Server => {
          const server = factory.makeServer(handler);
          server.on("connection", onConnection);
          return server;
        };
        const bound = await bindServer(makeServer, host, port ?? 0, retry, () => closing, label());
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
    response: () => answer,
    respond: (change) => {
      answer = mergeHttpResponse(answer, change);
      return answer;
    },
    connections: () => stamps.slice(),
    connectionCount: () => stamps.length,
    connectionsBetween: (fromMs, toMs) => stamps.filter((t) => t >= fromMs && t < toMs),
    requests: () => log.slice(),
    requestCount: () => log.length,
    requestsBetween: (fromMs, toMs) => log.filter((r) => r.atMs >= fromMs && r.atMs < toMs),
    /** Clears the request log too, so both counts start again together. */
    resetConnections: () => {
      stamps.length = 0;
      log.length = 0;
    },
    onConnection: (callback) => {
      connectionSubscribers.add(callback);
      return () => connectionSubscribers.delete(callback);
    },
    onRequest: (callback) => {
      requestSubscribers.add(callback);
      return () => requestSubscribers.delete(callback);
    },
  };
  return { listener, currentServer: () => (phase.kind === "up" ? phase.server : undefined) };
}
