import { describe, expect, it } from "vitest";
import { MonitorError } from "../../server/domain/monitor-error.js";
import type { LoggedEvent } from "../../server/domain/types.js";
import { createCommitQueue, type Planner } from "../../server/store/commit-queue.js";
import { createRegistryModel } from "../../server/store/registry-model.js";
import { StoreError, type StoreOp } from "../../server/store/store.js";

const caller = (id: string) => ({ id, displayName: "", createdAt: 0 });
const ended = (callerId: string, serviceId: string) =>
  ({ kind: "event", callerId, event: { kind: "subscription_ended", serviceId, reason: "unsubscribed" } }) as const;

/** A queue over a store that records its writes and fails them on demand. */
function queueUnderTest(sequences: Array<{ callerId: string; lastSequence: number }> = []) {
  const writes: StoreOp[][] = [];
  const published: LoggedEvent[][] = [];
  let failWith: Error | undefined;
  const model = createRegistryModel();
  const queue = createCommitQueue({
    store: {
      async write(ops) {
        if (failWith !== undefined) throw failWith;
        writes.push([...ops]);
      },
    },
    model,
    sequences,
    now: () => 42,
    publish: (events) => void published.push([...events]),
  });
  return { queue, model, writes, published, fail: (error: Error | undefined) => void (failWith = error) };
}

describe("the commit queue", () => {
  it("writes everything submitted in one turn as one batch, numbering events per caller in order", async () => {
    const { queue, writes, published } = queueUnderTest([{ callerId: "a", lastSequence: 7 }]);
    const results = await Promise.all([
      queue.submit(() => ({ steps: [ended("a", "s1"), ended("b", "s1")], committed: (logged) => logged.map((e) => e.sequence) })),
      queue.submit(() => ({ steps: [ended("a", "s2")], committed: (logged) => logged.map((e) => e.sequence) })),
    ]);
    expect(results).toEqual([[8, 1], [9]]);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.map((op) => (op.kind === "append_event" ? `${op.event.callerId}#${op.event.sequence}@${op.event.timeMs}` : op.kind))).toEqual([
      "a#8@42",
      "b#1@42",
      "a#9@42",
    ]);
    expect(published.flat().map((e) => `${e.callerId}#${e.sequence}`)).toEqual(["a#8", "b#1", "a#9"]);
    expect(queue.lastSequence("a")).toBe(9);
  });

  it("refuses one planner without disturbing the others of its batch", async () => {
    const { queue, model, writes } = queueUnderTest();
    const refusing: Planner<void> = () => {
      throw new MonitorError("not_found", "nope");
    };
    const [first, second, third] = await Promise.allSettled([
      queue.submit(() => ({ steps: [{ kind: "put_caller", caller: caller("x") }, ended("x", "s")] })),
      queue.submit(refusing),
      queue.submit(() => ({ steps: [ended("x", "t")], committed: (logged) => logged[0]!.sequence })),
    ]);
    expect(first.status).toBe("fulfilled");
    expect(second).toMatchObject({ status: "rejected", reason: { kind: "not_found" } });
    expect(third).toEqual({ status: "fulfilled", value: 2 });
    expect(writes).toHaveLength(1);
    expect(model.getCaller("x")).toEqual(caller("x"));
  });

  it("shows nothing in memory before the write succeeds, and lets later planners see earlier ones", async () => {
    const { queue, model } = queueUnderTest();
    const seenByLater: boolean[] = [];
    const pending = Promise.all([
      queue.submit(() => ({ steps: [{ kind: "put_caller", caller: caller("x") }] })),
      queue.submit(() => {
        seenByLater.push(model.getCaller("x") !== undefined);
        return undefined;
      }),
    ]);
    expect(model.getCaller("x")).toBeUndefined();
    await pending;
    expect(seenByLater).toEqual([true]);
    expect(model.getCaller("x")).toEqual(caller("x"));
  });

  it("fails the whole batch when the write fails: unavailable, memory and sequences as they were, failed() told", async () => {
    const { queue, model, published, fail } = queueUnderTest();
    fail(new StoreError("unavailable", "sqlite /x/monitor.db: database or disk is full (SQLITE_FULL)"));
    let failedTold = 0;
    const results = await Promise.allSettled([
      queue.submit(() => ({ steps: [{ kind: "put_caller", caller: caller("x") }, ended("x", "s")], failed: () => failedTold++ })),
      queue.submit(() => ({ steps: [ended("y", "s")] })),
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    const reason = (results[0] as PromiseRejectedResult).reason as MonitorError;
    expect(reason).toMatchObject({ kind: "unavailable" });
    expect(reason.message).not.toContain("/x/monitor.db");
    expect(failedTold).toBe(1);
    expect(model.getCaller("x")).toBeUndefined();
    expect(queue.lastSequence("x")).toBe(0);
    expect(published).toEqual([]);

    fail(undefined);
    const sequence = await queue.submit(() => ({ steps: [ended("x", "s")], committed: (logged) => logged[0]!.sequence }));
    expect(sequence).toBe(1);
  });

  it("passes a store error that is not `unavailable` on as it is, for the boundary to answer INTERNAL", async () => {
    const { queue, fail } = queueUnderTest();
    const corrupt = new StoreError("corrupt", "sqlite /x/monitor.db: database disk image is malformed (SQLITE_CORRUPT)");
    fail(corrupt);
    await expect(queue.submit(() => ({ steps: [ended("x", "s")] }))).rejects.toBe(corrupt);
  });

  it("keeps a commit whose follower throws: that submitter hears the error, the events are still published", async () => {
    const { queue, published } = queueUnderTest();
    const [broken, fine] = await Promise.allSettled([
      queue.submit(() => ({
        steps: [ended("a", "s")],
        committed: () => {
          throw new Error("follower bug");
        },
      })),
      queue.submit(() => ({ steps: [ended("b", "s")] })),
    ]);
    expect(broken).toMatchObject({ status: "rejected", reason: { message: "follower bug" } });
    expect(fine.status).toBe("fulfilled");
    expect(published.flat().map((e) => e.callerId)).toEqual(["a", "b"]);
  });

  it("batches submissions that arrive while a write is in flight into the next one", async () => {
    const writes: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const queue = createCommitQueue({
      store: {
        async write(ops) {
          writes.push(ops.length);
          if (writes.length === 1) await gate;
        },
      },
      model: createRegistryModel(),
      sequences: [],
      now: () => 0,
      publish: () => {},
    });
    const first = queue.submit(() => ({ steps: [ended("a", "s")] }));
    await new Promise((resolve) => setImmediate(resolve));
    const later = Array.from({ length: 5 }, () => queue.submit(() => ({ steps: [ended("a", "s")] })));
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await Promise.all([first, ...later]);
    expect(writes).toEqual([1, 5]);
    await queue.idle();
  });

  it("isolates the plan a store refuses for its own reasons: written alone, only it fails", async () => {
    const writes: string[][] = [];
    const queue = createCommitQueue({
      store: {
        async write(ops) {
          const ids = ops.flatMap((op) => (op.kind === "put_caller" ? [op.caller.id] : []));
          writes.push(ids);
          if (ids.includes("bad")) throw new Error("FOREIGN KEY constraint failed");
        },
      },
      model: createRegistryModel(),
      sequences: [],
      now: () => 0,
      publish: () => {},
    });
    const put = (id: string) => queue.submit(() => ({ steps: [{ kind: "put_caller", caller: caller(id) }] }));
    const results = await Promise.allSettled([put("a"), put("bad"), put("c")]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ message: "FOREIGN KEY constraint failed" });
    expect(writes).toEqual([["a", "bad", "c"], ["a"], ["bad"], ["c"]]);
  });
});
