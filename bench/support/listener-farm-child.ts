/**
 * The listener farm: a child process holding the simulated services
 * (simulator createListener on 127.0.0.1), so their accept work is measured
 * apart from the server and the driver. Driven over IPC (farm-protocol.ts).
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createListener, type SimListener } from "../../simulator/index.js";
import { serveRequests } from "./child-worker.js";
import type { FarmRequest, FarmWindow } from "./farm-protocol.js";

const listeners: SimListener[] = [];
let lastAcceptMs = new Float64Array(0);
let counts = new Uint32Array(0);
let firstInWindow = new Float64Array(0);
let lateness: number[] = [];
let windowStartedAt = performance.now();
let intervalMs = 1000;
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

/** Grows the per-listener arrays to `size`, keeping what they hold. */
function grow(size: number): void {
  const last = new Float64Array(size);
  last.set(lastAcceptMs);
  lastAcceptMs = last;
  const c = new Uint32Array(size);
  c.set(counts);
  counts = c;
  const first = new Float64Array(size).fill(Number.NaN);
  first.set(firstInWindow);
  firstInWindow = first;
}

function onAccept(index: number): void {
  // performance.now() for the gap (sub-millisecond, monotonic); Date.now()
  // only where the time is compared with another process's clock.
  const now = performance.now();
  const last = lastAcceptMs[index]!;
  if (last > 0) lateness.push(now - last - intervalMs);
  lastAcceptMs[index] = now;
  counts[index]!++;
  if (Number.isNaN(firstInWindow[index]!)) firstInWindow[index] = Date.now();
}

async function open(count: number): Promise<number[]> {
  const start = listeners.length;
  grow(start + count);
  const ports: number[] = [];
  // Bind in batches: thousands of concurrent binds gain nothing.
  for (let base = start; base < start + count; base += 500) {
    const batch: Promise<number>[] = [];
    for (let i = base; i < Math.min(base + 500, start + count); i++) {
      const listener = createListener({ name: `bench-${i}` });
      listeners.push(listener);
      // Only the callback is used; the listener's own stamp list is cleared at
      // each window so it does not grow for the whole run.
      listener.onConnection(() => onAccept(i));
      batch.push(listener.up());
    }
    ports.push(...(await Promise.all(batch)));
  }
  return ports;
}

async function set(indices: readonly number[], state: "up" | "down"): Promise<number> {
  await Promise.all(
    indices.map((i) => {
      const listener = listeners[i];
      if (listener === undefined) throw new RangeError(`no listener ${i}`);
      // A listener that comes back starts a new gap series.
      lastAcceptMs[i] = 0;
      return state === "up" ? listener.up() : listener.down();
    }),
  );
  return Date.now();
}

function startWindow(): void {
  counts.fill(0);
  firstInWindow.fill(Number.NaN);
  lateness = [];
  loopDelay.reset();
  windowStartedAt = performance.now();
  for (const listener of listeners) listener.resetConnections();
}

function collect(): FarmWindow {
  let accepts = 0;
  for (const c of counts) accepts += c;
  const window: FarmWindow = {
    durationMs: performance.now() - windowStartedAt,
    accepts,
    perListener: counts.slice(),
    lateness: Float64Array.from(lateness),
    firstAccepts: firstInWindow.slice(),
    loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
  };
  startWindow();
  return window;
}

async function handle(request: FarmRequest): Promise<unknown> {
  switch (request.op) {
    case "open":
      return open(request.count);
    case "set":
      return set(request.indices, request.state);
    case "window":
      intervalMs = request.intervalMs;
      startWindow();
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
