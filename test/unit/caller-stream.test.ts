import { afterEach, describe, expect, it } from "vitest";
import type { CallerEvent } from "../../server/domain/types.js";
import { openCallerStream, type CallerStreamDeps, type StreamItem, type StreamStart } from "../../server/engine/caller-stream.js";
import { createEventHub } from "../../server/engine/event-hub.js";
import { createStoreStack } from "../support/store-stack.js";

/**
 * The replay/live hand-over, driven directly against a real (in-memory)
 * store, the commit queue and the hub — with the store's reads made slow on
 * demand, so events commit while a replay's read is in flight.
 */

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function setup(retentionPerCaller = 10_000) {
  const hub = createEventHub();
  const stack = await createStoreStack({ now: () => 0, hub, retentionPerCaller });
  closers.push(() => stack.store.close());
  const event = (n: number): CallerEvent => ({
    kind: "status_change",
    serviceId: `svc_${n}`,
    host: "127.0.0.1",
    port: n,
    previous: "unknown",
    status: "up",
    sinceMs: n,
    detail: "",
  });
  /** Commits one event for caller "c" and publishes it, as the engine does. */
  const raise = async (n: number) => {
    await stack.queue.submit(() => ({ steps: [{ kind: "event", callerId: "c", event: event(n) }] }));
  };
  /** Reads answer this many turns of the event loop after they read (0: as fast as the store is), as a network round trip does. */
  let readDelay = 0;
  const turns = async (n: number) => {
    for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  const deps: CallerStreamDeps = {
    store: {
      readEvents: async (callerId, afterSequence, limit) => {
        const page = await stack.store.readEvents(callerId, afterSequence, limit);
        await turns(readDelay);
        return page;
      },
      firstRetained: async (callerId) => {
        const first = await stack.store.firstRetained(callerId);
        await turns(readDelay);
        return first;
      },
    },
    lastSequence: (callerId) => stack.queue.lastSequence(callerId),
    callerExists: () => true,
    hub,
    snapshot: () => [],
    now: () => 0,
  };
  return { hub, raise, deps, log: stack.log, slowReads: (n: number) => void (readDelay = n) };
}

const after = (afterSequence: number): StreamStart => ({ kind: "replay", afterSequence });

const label = (item: StreamItem) => (item.kind === "snapshot" ? `snapshot@${item.sequence}${item.resync ? " resync" : ""}` : `#${item.event.sequence}`);

describe("caller stream", () => {
  it("events raised while a replay is being read arrive once, after it, in order", async () => {
    const { raise, deps } = await setup();
    for (let n = 1; n <= 7; n++) await raise(n);
    const abort = new AbortController();
    const stream = openCallerStream(deps, "c", after(2), abort.signal, { bufferLimit: 100, pageSize: 2 });
    const seen: string[] = [];
    for await (const item of stream) {
      seen.push(label(item));
      // Raise new events at awkward moments: mid-page, at a page boundary, after the hand-over.
      if (seen.length === 1) await raise(8);
      if (seen.length === 4) await raise(9);
      if (seen.length === 7) await raise(10);
      if (seen.length === 8) break;
    }
    expect(seen).toEqual(["#3", "#4", "#5", "#6", "#7", "#8", "#9", "#10"]);
  });

  it("sends a resync snapshot when retention overtakes a slow replay", async () => {
    const { raise, deps } = await setup(4);
    for (let n = 1; n <= 4; n++) await raise(n);
    const abort = new AbortController();
    const stream = openCallerStream(deps, "c", after(1), abort.signal, { bufferLimit: 100, pageSize: 1 });
    const first = await stream.next();
    expect(label(first.value as StreamItem)).toBe("#2");
    // While the client sits on #2, ten more events push #3.. out of retention.
    for (let n = 5; n <= 14; n++) await raise(n);
    const next = await stream.next();
    expect(label(next.value as StreamItem)).toBe("snapshot@14 resync");
    await raise(15);
    expect(label((await stream.next()).value as StreamItem)).toBe("#15");
    abort.abort();
    expect((await stream.next()).done).toBe(true);
  });

  it("a replay after 0 sends every event from #1, then live, with no snapshot; a resync once #1 is gone", async () => {
    const { raise, deps, log } = await setup(3);
    const abort = new AbortController();
    // An empty log: nothing to replay, so the stream waits for #1.
    const empty = openCallerStream(deps, "c", after(0), abort.signal, { bufferLimit: 100, pageSize: 2 });
    const first = empty.next();
    await raise(1);
    expect(label((await first).value as StreamItem)).toBe("#1");
    await empty.return();
    for (let n = 2; n <= 3; n++) await raise(n);
    const seen: string[] = [];
    for await (const item of openCallerStream(deps, "c", after(0), abort.signal, { bufferLimit: 100, pageSize: 2 })) {
      seen.push(label(item));
      if (seen.length === 2) await raise(4);
      if (seen.length === 4) break;
    }
    expect(seen).toEqual(["#1", "#2", "#3", "#4"]);
    expect(await log.position("c")).toEqual({ lastSequence: 4, firstRetained: 2 });
    const gone = openCallerStream(deps, "c", after(0), abort.signal);
    expect(label((await gone.next()).value as StreamItem)).toBe("snapshot@4 resync");
    await gone.return();
    expect(deps.hub.streamCount("c")).toBe(0);
  });

  it("stops waiting when the signal aborts, and detaches from the hub", async () => {
    const { hub, deps } = await setup();
    const abort = new AbortController();
    const stream = openCallerStream(deps, "c", { kind: "snapshot" }, abort.signal);
    expect(label((await stream.next()).value as StreamItem)).toBe("snapshot@0");
    expect(hub.streamCount("c")).toBe(1);
    const pending = stream.next();
    abort.abort();
    expect((await pending).done).toBe(true);
    expect(hub.streamCount("c")).toBe(0);
  });

  it("on overflow tells onOverflow at once, detaches, and throws RESOURCE_EXHAUSTED at the next pull", async () => {
    const { hub, raise, deps } = await setup();
    const abort = new AbortController();
    const overflows: string[] = [];
    const stream = openCallerStream(deps, "c", { kind: "snapshot" }, abort.signal, { bufferLimit: 3, pageSize: 10 }, (error) =>
      overflows.push(`${error.kind}: ${error.message}`),
    );
    expect(label((await stream.next()).value as StreamItem)).toBe("snapshot@0");
    await raise(1);
    expect(label((await stream.next()).value as StreamItem)).toBe("#1");
    // The consumer is now stuck (as on a write the client never reads): three fit, the fourth overflows.
    for (let n = 2; n <= 4; n++) await raise(n);
    expect(overflows).toEqual([]);
    await raise(5);
    expect(overflows).toEqual(["resource_exhausted: stream fell more than 3 events behind; resume with after_sequence=1"]);
    expect(hub.streamCount("c")).toBe(0);
    await raise(6);
    expect(overflows).toHaveLength(1);
    // Nothing buffered is sent after the overflow: the client resumes from the log.
    await expect(stream.next()).rejects.toMatchObject({ kind: "resource_exhausted", message: expect.stringMatching(/after_sequence=1$/) });
  });

  it("hands over from replay to live exactly while events commit during every slow read", async () => {
    const { raise, deps, slowReads } = await setup();
    for (let n = 1; n <= 50; n++) await raise(n);
    slowReads(3);
    const abort = new AbortController();
    const stream = openCallerStream(deps, "c", after(10), abort.signal, { bufferLimit: 1000, pageSize: 7 });
    // A writer that never waits for the reader: one event per turn of the loop, 150 in all.
    let next = 51;
    const writer = (async () => {
      while (next <= 200) {
        void raise(next++);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const seen: number[] = [];
    for await (const item of stream) {
      expect(item.kind).toBe("event");
      if (item.kind === "event") seen.push(item.event.sequence);
      if (seen.length === 190) break;
    }
    await writer;
    expect(seen).toEqual(Array.from({ length: 190 }, (_, i) => i + 11));
  });
});
