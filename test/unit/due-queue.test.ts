import { describe, expect, it } from "vitest";
import { createDueQueue } from "../../server/engine/due-queue.js";
import { prng } from "../support/prng.js";

function drain<K>(q: ReturnType<typeof createDueQueue<K>>): Array<[K, number]> {
  const out: Array<[K, number]> = [];
  for (let e = q.pop(); e !== undefined; e = q.pop()) out.push([e.key, e.dueMs]);
  return out;
}

describe("createDueQueue", () => {
  it("is empty at first", () => {
    const q = createDueQueue<string>();
    expect(q.size).toBe(0);
    expect(q.peek()).toBeUndefined();
    expect(q.pop()).toBeUndefined();
    expect(q.has("a")).toBe(false);
    expect(q.dueAt("a")).toBeUndefined();
    expect(q.delete("a")).toBe(false);
  });

  it("pops in due order", () => {
    const q = createDueQueue<string>();
    q.set("c", 30);
    q.set("a", 10);
    q.set("d", 40);
    q.set("b", 20);
    expect(q.size).toBe(4);
    expect(q.peek()).toEqual({ key: "a", dueMs: 10 });
    expect(drain(q)).toEqual([
      ["a", 10],
      ["b", 20],
      ["c", 30],
      ["d", 40],
    ]);
    expect(q.size).toBe(0);
  });

  it("breaks ties in insertion order (FIFO)", () => {
    const q = createDueQueue<number>();
    for (let i = 0; i < 100; i++) q.set(i, 5);
    expect(drain(q).map(([k]) => k)).toEqual([...Array(100).keys()]);
  });

  it("moves a key: set again re-plans it and counts as a fresh insertion for ties", () => {
    const q = createDueQueue<string>();
    q.set("a", 10);
    q.set("b", 10);
    q.set("c", 10);
    q.set("a", 10); // re-set: now behind b and c
    q.set("c", 1); // moved earlier
    expect(q.size).toBe(3);
    expect(q.dueAt("c")).toBe(1);
    expect(drain(q)).toEqual([
      ["c", 1],
      ["b", 10],
      ["a", 10],
    ]);
  });

  it("moves a key later", () => {
    const q = createDueQueue<string>();
    q.set("a", 1);
    q.set("b", 2);
    q.set("a", 3);
    expect(q.peek()).toEqual({ key: "b", dueMs: 2 });
    expect(drain(q).map(([k]) => k)).toEqual(["b", "a"]);
  });

  it("deletes from anywhere in the heap", () => {
    const q = createDueQueue<number>();
    for (let i = 0; i < 20; i++) q.set(i, 100 - i);
    expect(q.delete(0)).toBe(true); // last in order (a leaf)
    expect(q.delete(19)).toBe(true); // the root
    expect(q.delete(10)).toBe(true); // the middle
    expect(q.delete(10)).toBe(false);
    expect(q.has(10)).toBe(false);
    expect(q.size).toBe(17);
    expect(drain(q).map(([k]) => k)).toEqual([18, 17, 16, 15, 14, 13, 12, 11, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it("peek returns a snapshot that later moves do not rewrite", () => {
    const q = createDueQueue<string>();
    q.set("a", 1);
    const seen = q.peek();
    q.set("a", 50);
    expect(seen).toEqual({ key: "a", dueMs: 1 });
  });

  it("clear empties it", () => {
    const q = createDueQueue<string>();
    q.set("a", 1);
    q.set("b", 2);
    q.clear();
    expect(q.size).toBe(0);
    expect(q.has("a")).toBe(false);
    q.set("b", 3);
    expect(drain(q)).toEqual([["b", 3]]);
  });

  it("rejects NaN and accepts infinities", () => {
    const q = createDueQueue<string>();
    expect(() => q.set("a", Number.NaN)).toThrow(RangeError);
    expect(q.size).toBe(0);
    q.set("late", Number.POSITIVE_INFINITY);
    q.set("early", Number.NEGATIVE_INFINITY);
    expect(drain(q).map(([k]) => k)).toEqual(["early", "late"]);
  });

  it("matches a sorted-array model over many random operations", () => {
    const random = prng(0x5eed);
    const q = createDueQueue<number>();
    // The model: entries kept sorted by (due, seq).
    let model: Array<{ key: number; due: number; seq: number }> = [];
    let seq = 0;
    const sortModel = (): void => {
      model.sort((a, b) => a.due - b.due || a.seq - b.seq);
    };
    const KEYS = 64;
    const DUE_RANGE = 40; // small, so ties are frequent
    let pops = 0;
    for (let step = 0; step < 50_000; step++) {
      const op = random();
      const key = Math.floor(random() * KEYS);
      if (op < 0.5) {
        const due = Math.floor(random() * DUE_RANGE);
        q.set(key, due);
        model = model.filter((e) => e.key !== key);
        model.push({ key, due, seq: seq++ });
        sortModel();
      } else if (op < 0.65) {
        const had = model.some((e) => e.key === key);
        expect(q.delete(key)).toBe(had);
        model = model.filter((e) => e.key !== key);
      } else if (op < 0.85) {
        const expected = model.shift();
        const got = q.pop();
        expect(got).toEqual(expected === undefined ? undefined : { key: expected.key, dueMs: expected.due });
        pops++;
      } else {
        const entry = model.find((e) => e.key === key);
        expect(q.has(key)).toBe(entry !== undefined);
        expect(q.dueAt(key)).toBe(entry?.due);
      }
      const head = model[0];
      const top = q.peek();
      // Plain comparisons in the hot loop (expect() per step is slow); fail with context.
      if (q.size !== model.length || top?.key !== head?.key || top?.dueMs !== head?.due) {
        expect({ step, size: q.size, top }).toEqual({
          step,
          size: model.length,
          top: head === undefined ? undefined : { key: head.key, dueMs: head.due },
        });
      }
    }
    expect(pops).toBeGreaterThan(5_000);
    expect(drain(q)).toEqual(model.map((e) => [e.key, e.due]));
  });

  it("handles 20,000 keys and 200,000 moves quickly", () => {
    const random = prng(42);
    const q = createDueQueue<string>();
    const keys = Array.from({ length: 20_000 }, (_, i) => `svc-${i}`);
    for (const k of keys) q.set(k, Math.floor(random() * 1e6));
    const start = performance.now();
    for (let i = 0; i < 200_000; i++) q.set(keys[i % keys.length]!, Math.floor(random() * 1e6));
    const elapsed = performance.now() - start;
    expect(q.size).toBe(20_000);
    let previous = Number.NEGATIVE_INFINITY;
    let outOfOrder = 0;
    for (let e = q.pop(); e !== undefined; e = q.pop()) {
      if (e.dueMs < previous) outOfOrder++;
      previous = e.dueMs;
    }
    expect(outOfOrder).toBe(0);
    // Generous bound: a linear-scan implementation would take seconds here.
    expect(elapsed).toBeLessThan(2_000);
  });
});
