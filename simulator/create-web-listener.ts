import type { IncomingMessage, ServerResponse } from "node:http";
import type { Server, Socket } from "node:net";
import type { ListenerOptions, SimListener } from "./create-listener.js";
import type { HttpResponseSpec } from "./http-response.js";
import { DEFAULT_HTTP_RESPONSE, mergeHttpResponse } from "./http-response.js";
import { createConnectionLog, createListenerLifecycle } from "./listener-lifecycle.js";

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

/** Shared body of {@link createHttpListener} and {@link createHttpsListener}. */
export function createWebListener(options: WebListenerOptions, factory: WebServerFactory): WebListenerHandle {
  let answer = mergeHttpResponse(DEFAULT_HTTP_RESPONSE, options.response ?? {});
  const clock = options.clock ?? Date.now;
  const connections = createConnectionLog(clock);
  const log: HttpRequestRecord[] = [];
  const requestSubscribers = new Set<(request: HttpRequestRecord) => void>();
  // Open sockets, so "down" can drop them: server.close() alone waits for every one to end.
  const sockets = new Set<Socket>();

  const onConnection = (socket: Socket): void => {
    // Clients reset, time out and reject certificates; none of that may crash a test run.
    socket.on("error", () => {});
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    connections.record();
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

  const lifecycle = createListenerLifecycle(options, {
    labelPrefix: `${factory.protocol} `,
    prepare: () => factory.prepare(),
    makeServer: () => factory.makeServer(handler).on("connection", onConnection),
    dropConnections: () => {
      for (const socket of sockets) socket.destroy();
    },
  });

  const listener: SimHttpListener = {
    host: lifecycle.host,
    protocol: factory.protocol,
    port: lifecycle.port,
    state: lifecycle.state,
    url: (path = "/") => {
      const port = lifecycle.port();
      if (port === undefined) throw new Error(`${lifecycle.label()} has no port yet: call up() first`);
      const authority = lifecycle.host.includes(":") ? `[${lifecycle.host}]` : lifecycle.host;
      return `${factory.protocol}://${authority}:${port}${path.startsWith("/") ? path : `/${path}`}`;
    },
    up: lifecycle.up,
    down: lifecycle.down,
    close: lifecycle.close,
    response: () => answer,
    respond: (change) => {
      answer = mergeHttpResponse(answer, change);
      return answer;
    },
    connections: connections.connections,
    connectionCount: connections.connectionCount,
    connectionsBetween: connections.connectionsBetween,
    requests: () => log.slice(),
    requestCount: () => log.length,
    requestsBetween: (fromMs, toMs) => log.filter((r) => r.atMs >= fromMs && r.atMs < toMs),
    /** Clears the request log too, so both counts start again together. */
    resetConnections: () => {
      connections.reset();
      log.length = 0;
    },
    onConnection: connections.onConnection,
    onRequest: (callback) => {
      requestSubscribers.add(callback);
      return () => requestSubscribers.delete(callback);
    },
  };
  return { listener, currentServer: lifecycle.currentServer };
}
