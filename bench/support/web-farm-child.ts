/**
 * The web farm: a child process of simulated HTTP and HTTPS services (the
 * simulator's createHttpListener / createHttpsListener on 127.0.0.1, each
 * answering 200 "ok"), so their work — parsing requests, the server side of
 * every TLS handshake — is measured apart from the client that checks them.
 * Many services share one listener, told apart by path (web-farm-protocol.ts).
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import {
  createHttpListener,
  createHttpsListener,
  type HttpRequestRecord,
  type SimHttpListener,
  type SimHttpsListener,
} from "../../simulator/index.js";
import { serveRequests } from "./child-worker.js";
import { serviceIndexOfPath, type WebFarmRequest, type WebFarmWindow, type WebListenersOpened } from "./web-farm-protocol.js";

const listeners: SimHttpListener[] = [];
let services = 0;
let intervalMs = 1000;
let lastRequestMs = new Float64Array(0);
let counts = new Uint32Array(0);
let firstInWindow = new Float64Array(0);
let lateness: number[] = [];
let requests = 0;
let connections = 0;
let windowStartedAt = performance.now();
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

function onRequest(record: HttpRequestRecord): void {
  requests++;
  const index = serviceIndexOfPath(record.path);
  if (index < 0 || index >= services) return;
  // performance.now() for the gap (monotonic, sub-millisecond); Date.now()
  // only where another process's clock compares with it.
  const now = performance.now();
  const last = lastRequestMs[index]!;
  if (last > 0) lateness.push(now - last - intervalMs);
  lastRequestMs[index] = now;
  counts[index]!++;
  if (Number.isNaN(firstInWindow[index]!)) firstInWindow[index] = Date.now();
}

function onConnection(): void {
  connections++;
}

async function open(protocol: "http" | "https", count: number): Promise<WebListenersOpened> {
  const opened: SimHttpListener[] = [];
  const secure: SimHttpsListener[] = [];
  for (let i = 0; i < count; i++) {
    const name = `bench-${protocol}-${listeners.length + i}`;
    if (protocol === "http") opened.push(createHttpListener({ name }));
    else {
      const listener = createHttpsListener({ name });
      secure.push(listener);
      opened.push(listener);
    }
  }
  for (const listener of opened) {
    listener.onRequest(onRequest);
    listener.onConnection(onConnection);
    listeners.push(listener);
  }
  await Promise.all(opened.map((l) => l.up()));
  return {
    // url("/") minus its "/": the origin.
    origins: opened.map((l) => l.url("/").slice(0, -1)),
    certificates: secure.map((l) => l.certificate()!.cert),
  };
}

function startWindow(serviceCount: number): void {
  if (serviceCount !== services) {
    services = serviceCount;
    lastRequestMs = new Float64Array(services);
    counts = new Uint32Array(services);
    firstInWindow = new Float64Array(services);
  }
  counts.fill(0);
  firstInWindow.fill(Number.NaN);
  lateness = [];
  requests = 0;
  connections = 0;
  loopDelay.reset();
  windowStartedAt = performance.now();
  // The listeners' own logs are not used; cleared so they do not grow for the whole run.
  for (const listener of listeners) listener.resetConnections();
}

function collect(): WebFarmWindow {
  const window: WebFarmWindow = {
    durationMs: performance.now() - windowStartedAt,
    accepts: requests,
    connections,
    perListener: counts.slice(),
    lateness: Float64Array.from(lateness),
    firstAccepts: firstInWindow.slice(),
    loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
  };
  startWindow(services);
  return window;
}

async function handle(request: WebFarmRequest): Promise<unknown> {
  switch (request.op) {
    case "open":
      return open(request.protocol, request.count);
    case "window":
      intervalMs = request.intervalMs;
      lastRequestMs.fill(0);
      startWindow(request.services);
      return null;
    case "collect":
      return collect();
    case "close":
      await Promise.all(listeners.map((l) => l.close()));
      setImmediate(() => process.exit(0));
      return null;
  }
}

serveRequests(handle);
