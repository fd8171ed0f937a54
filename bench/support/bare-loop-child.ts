/**
 * The limit a check is compared with: a bare `net.connect` +
 * `socket.resetAndDestroy()` loop at a fixed rate, nothing else — no
 * scheduler, no promise, no timer per connect, no bookkeeping. Runs in its own
 * process so its CPU can be read from /proc like the server's.
 */
import { connect, type Socket } from "node:net";
import { serveRequests } from "./child-worker.js";

export type BareLoopRequest =
  /** Connects round-robin to `ports` at `rate` per second until stopped. */
  | { readonly id: number; readonly op: "start"; readonly ports: readonly number[]; readonly rate: number }
  /** Answers how many connects have completed so far. */
  | { readonly id: number; readonly op: "count" }
  | { readonly id: number; readonly op: "stop" };

export interface BareLoopResults {
  readonly start: null;
  readonly count: number;
  readonly stop: number;
}

/** How often the loop wakes to issue the connects that have come due. */
const TICK_MS = 10;

let completed = 0;
let timer: NodeJS.Timeout | undefined;

function onConnect(this: Socket): void {
  completed++;
  this.resetAndDestroy();
}

function onError(): void {
  completed++;
}

function start(ports: readonly number[], rate: number): void {
  const begun = performance.now();
  let issued = 0;
  let next = 0;
  timer = setInterval(() => {
    const due = Math.floor(((performance.now() - begun) / 1000) * rate);
    for (; issued < due; issued++) {
      const socket = connect({ host: "127.0.0.1", port: ports[next]!, noDelay: true });
      socket.on("connect", onConnect);
      socket.on("error", onError);
      next = next + 1 === ports.length ? 0 : next + 1;
    }
  }, TICK_MS);
}

serveRequests<BareLoopRequest>(async (request) => {
  switch (request.op) {
    case "start":
      start(request.ports, request.rate);
      return null;
    case "count":
      return completed;
    case "stop":
      clearInterval(timer);
      return completed;
  }
});
