/**
 * A closed loop of checks in its own process, so its CPU is read from /proc
 * apart from the listeners': `concurrency` checks always in flight, each
 * started as soon as one ends, round-robin over the targets, with one of the
 * clients of loop-clients.ts. Counts successes and failures until stopped.
 */
import { serveRequests } from "./child-worker.js";
import { createLoopClient, type LoopClientKind, type LoopDone, type LoopTarget } from "./loop-clients.js";

export type CheckLoopRequest =
  | {
      readonly id: number;
      readonly op: "start";
      readonly client: LoopClientKind;
      readonly targets: readonly LoopTarget[];
      readonly concurrency: number;
    }
  /** Answers the counts so far. */
  | { readonly id: number; readonly op: "count" }
  /** Starts no more checks; answers the counts. */
  | { readonly id: number; readonly op: "stop" };

export interface LoopCounts {
  readonly succeeded: number;
  readonly failed: number;
  /** The last failure's detail; "" while none failed. */
  readonly lastFailure: string;
}

export interface CheckLoopResults {
  readonly start: null;
  readonly count: LoopCounts;
  readonly stop: LoopCounts;
}

let succeeded = 0;
let failed = 0;
let lastFailure = "";
let running = false;

function start(client: LoopClientKind, targets: readonly LoopTarget[], concurrency: number): void {
  if (targets.length === 0) throw new RangeError("no targets");
  const check = createLoopClient(client, targets);
  running = true;
  let next = 0;
  const lane = (): void => {
    if (!running) return;
    const index = next;
    next = next + 1 === targets.length ? 0 : next + 1;
    check(index, onDone);
  };
  const onDone: LoopDone = (failure) => {
    if (failure === undefined) {
      succeeded++;
      lane();
      return;
    }
    failed++;
    lastFailure = failure;
    // A failure may come at once (e.g. refused); a macrotask keeps a run of them from spinning the loop.
    setImmediate(lane);
  };
  for (let i = 0; i < concurrency; i++) lane();
}

const counts = (): LoopCounts => ({ succeeded, failed, lastFailure });

serveRequests<CheckLoopRequest>(async (request) => {
  switch (request.op) {
    case "start":
      start(request.client, request.targets, request.concurrency);
      return null;
    case "count":
      return counts();
    case "stop":
      running = false;
      return counts();
  }
});
