import { describe, expect, it } from "vitest";
import { createKeyedQueue } from "../../server/rpc/keyed-queue.js";

/** A deferred promise the test settles by hand. */
function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("createKeyedQueue", () => {
  it("runs one key's tasks one after another, in order, and other keys alongside", async () => {
    const run = createKeyedQueue();
    const started: string[] = [];
    const first = deferred();
    const a1 = run("a", async () => {
      started.push("a1");
      await first.promise;
    });
    const a2 = run("a", async () => void started.push("a2"));
    const b1 = run("b", async () => void started.push("b1"));
    await b1;
    expect(started).toEqual(["a1", "b1"]); // a2 waits for a1; b1 did not
    first.resolve();
    await Promise.all([a1, a2]);
    expect(started).toEqual(["a1", "b1", "a2"]);
  });

  it("a failing task rejects its own promise only; the next one still runs", async () => {
    const run = createKeyedQueue();
    const failing = run("a", async () => {
      throw new Error("refused");
    });
    const next = run("a", async () => "ran");
    await expect(failing).rejects.toThrow("refused");
    await expect(next).resolves.toBe("ran");
  });
});
