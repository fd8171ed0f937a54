import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CallerEvent } from "../../server/domain/types.js";
import { openCallerStream, type CallerStreamDeps, type StreamItem } from "../../server/engine/caller-stream.js";
import { createEventHub } from "../../server/engine/event-hub.js";
import { createStoreStack } from "../support/store-stack.js";
import { PROPERTY_SEED } from "./timeline-arbitrary.js";

/**
 * Watch stream rules, as properties: whatever interleaving of callers' events
 * the commit queue sees, each caller's log is numbered 1, 2, 3… with no gap,
 * and a stream resumed after any k delivers exactly k+1.. and then the live
 * events, with no gap and no duplicate. Real (in-memory SQLite) store.
 */

const callers = ["a", "b", "c"] as const;

const statusChange = (serviceId: string, n: number): CallerEvent => ({
  kind: "status_change",
  serviceId,
  host: "127.0.0.1",
  port: 1 + (n % 65_000),
  previous: n % 2 === 0 ? "up" : "down",
  status: n % 2 === 0 ? "down" : "up",
  sinceMs: n,
  detail: "",
});

async function setup() {
  const hub = createEventHub();
  const stack = await createStoreStack({ now: () => 0, hub });
  /** One commit: several events, possibly for several callers, as one check's fan-out is. */
  const commit = async (batch: readonly (typeof callers)[number][]) => {
    await stack.queue.submit(() => ({
      steps: batch.map((callerId, i) => ({ kind: "event" as const, callerId, event: statusChange(`svc_${i}`, i) })),
    }));
  };
  const deps: CallerStreamDeps = {
    store: stack.store,
    lastSequence: (callerId) => stack.queue.lastSequence(callerId),
    callerExists: () => true,
    hub,
    snapshot: () => [],
    now: () => 0,
  };
  return { stack, commit, deps };
}

const batches = fc.array(fc.array(fc.constantFrom(...callers), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 });

const sequenceOf = (item: StreamItem) => (item.kind === "event" ? item.event.sequence : -1);

describe("event sequences, over random interleavings", () => {
  it("each caller's log is numbered 1..n, n being how many events it was sent", async () => {
    await fc.assert(
      fc.asyncProperty(batches, async (history) => {
        const { stack, commit } = await setup();
        try {
          for (const batch of history) await commit(batch);
          for (const callerId of callers) {
            const sent = history.flat().filter((c) => c === callerId).length;
            const logged = await stack.log.read(callerId);
            expect(logged.map((e) => e.sequence)).toEqual(Array.from({ length: sent }, (_, i) => i + 1));
            expect(stack.queue.lastSequence(callerId)).toBe(sent);
          }
        } finally {
          await stack.store.close();
        }
      }),
      { seed: PROPERTY_SEED, numRuns: 40 },
    );
  });

  it("a stream resumed after any k delivers exactly k+1.. and then the live events", async () => {
    await fc.assert(
      fc.asyncProperty(batches, fc.nat(), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), async (history, pick, pageSize, live) => {
        const { stack, commit, deps } = await setup();
        const abort = new AbortController();
        try {
          for (const batch of history) await commit(batch);
          const n = stack.queue.lastSequence("a");
          const k = pick % (n + 1);
          const stream = openCallerStream(deps, "a", { kind: "replay", afterSequence: k }, abort.signal, { bufferLimit: 100, pageSize });
          const seen: number[] = [];
          for (let i = k; i < n; i++) seen.push(sequenceOf((await stream.next()).value as StreamItem));
          // Live events raised after the replay (and, for the first, while the stream is waiting).
          for (let i = 0; i < live; i++) {
            const next = stream.next();
            await commit(["b", "a", "c"]);
            seen.push(sequenceOf((await next).value as StreamItem));
          }
          expect(seen).toEqual(Array.from({ length: n - k + live }, (_, i) => k + 1 + i));
          await stream.return(undefined);
        } finally {
          abort.abort();
          await stack.store.close();
        }
      }),
      { seed: PROPERTY_SEED, numRuns: 40 },
    );
  });
});
