/**
 * The scheduler's priority queue: which key (service) is due next.
 *
 * One scheduler drives every service with one timer (docs/architecture.md, checking
 * rule 2), so it needs "the earliest due key" in O(1) and "re-plan this key"
 * in O(log n) for 10,000+ keys updated thousands of times per second. A plain
 * binary heap cannot move or remove an arbitrary key without a linear scan, so
 * this heap is *indexed*: every key maps to its heap node, and every node knows
 * its position in the heap array.
 *
 * Equal due times come out in the order they were set (FIFO), so services
 * planned for the same millisecond are checked in a stable, fair order instead
 * of whatever order the heap happens to leave them in.
 */

import type { Millis } from "../domain/types.js";

/** A key and the time it is due; what {@link DueQueue.peek} and {@link DueQueue.pop} report. */
export interface DueEntry<K> {
  readonly key: K;
  readonly dueMs: Millis;
}

/**
 * An indexed min-heap of keys ordered by due time, ties in insertion order.
 * Why an interface over a class: callers depend on the operations, not on the
 * heap layout, so the representation can change without touching them.
 */
export interface DueQueue<K> {
  /**
   * Inserts `key` due at `dueMs`, or moves it there if already queued. Every
   * call counts as a fresh insertion for tie-breaking, so a re-planned key
   * goes behind keys already waiting for the same time. O(log n).
   * @throws RangeError if `dueMs` is NaN (it would corrupt the ordering).
   */
  set(key: K, dueMs: Millis): void;
  /** Removes `key`; returns whether it was queued. O(log n). */
  delete(key: K): boolean;
  /** Whether `key` is queued. O(1). */
  has(key: K): boolean;
  /** When `key` is due, or `undefined` if it is not queued. O(1). */
  dueAt(key: K): Millis | undefined;
  /** The earliest entry without removing it, or `undefined` when empty. O(1). */
  peek(): DueEntry<K> | undefined;
  /** Removes and returns the earliest entry, or `undefined` when empty. O(log n). */
  pop(): DueEntry<K> | undefined;
  /** Removes every key. */
  clear(): void;
  /** How many keys are queued. */
  readonly size: number;
}

/**
 * One queued key. Mutable and internal: moving a key rewrites `dueMs`/`seq`
 * and swaps update `index`, so an update allocates nothing and touches the
 * key map not at all (only insert and delete do).
 */
class Node<K> {
  constructor(
    readonly key: K,
    public dueMs: number,
    public seq: number,
    public index: number,
  ) {}
}

/** Whether `a` must come out before `b`: earlier due time, then earlier insertion. */
function before<K>(a: Node<K>, b: Node<K>): boolean {
  return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.seq < b.seq);
}

/**
 * Creates an empty queue. Keys are compared with `Map` semantics
 * (SameValueZero), so strings and numbers work as expected.
 */
export function createDueQueue<K>(): DueQueue<K> {
  const heap: Node<K>[] = [];
  const nodes = new Map<K, Node<K>>();
  // Strictly increasing stamp for FIFO ties; 2^53 sets are out of reach.
  let nextSeq = 0;

  function place(node: Node<K>, index: number): void {
    heap[index] = node;
    node.index = index;
  }

  /** Moves `node` (at `index`) towards the root until its parent is earlier. */
  function siftUp(node: Node<K>, index: number): void {
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex]!;
      if (!before(node, parent)) break;
      place(parent, index);
      index = parentIndex;
    }
    place(node, index);
  }

  /** Moves `node` (at `index`) towards the leaves until both children are later. */
  function siftDown(node: Node<K>, index: number): void {
    const length = heap.length;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = heap[left]!;
      let childIndex = left;
      if (right < length) {
        const r = heap[right]!;
        if (before(r, child)) {
          child = r;
          childIndex = right;
        }
      }
      if (!before(child, node)) break;
      place(child, index);
      index = childIndex;
    }
    place(node, index);
  }

  /** Restores the heap order around a node whose key changed in place. */
  function fix(node: Node<K>): void {
    const index = node.index;
    if (index > 0 && before(node, heap[(index - 1) >> 1]!)) siftUp(node, index);
    else siftDown(node, index);
  }

  /** Detaches the node at `index`, filling the hole with the last node. */
  function removeAt(index: number): Node<K> {
    const node = heap[index]!;
    const last = heap.pop()!;
    if (last !== node) {
      last.index = index;
      heap[index] = last;
      fix(last);
    }
    nodes.delete(node.key);
    return node;
  }

  return {
    set(key, dueMs) {
      if (Number.isNaN(dueMs)) throw new RangeError("due time must not be NaN");
      const seq = nextSeq++;
      const existing = nodes.get(key);
      if (existing !== undefined) {
        existing.dueMs = dueMs;
        existing.seq = seq;
        fix(existing);
        return;
      }
      const node = new Node(key, dueMs, seq, heap.length);
      nodes.set(key, node);
      heap.push(node);
      siftUp(node, node.index);
    },
    delete(key) {
      const node = nodes.get(key);
      if (node === undefined) return false;
      removeAt(node.index);
      return true;
    },
    has(key) {
      return nodes.has(key);
    },
    dueAt(key) {
      return nodes.get(key)?.dueMs;
    },
    peek() {
      const top = heap[0];
      // A fresh object, not the node: the node is rewritten when its key moves.
      return top === undefined ? undefined : { key: top.key, dueMs: top.dueMs };
    },
    pop() {
      if (heap.length === 0) return undefined;
      const node = removeAt(0);
      return { key: node.key, dueMs: node.dueMs };
    },
    clear() {
      heap.length = 0;
      nodes.clear();
    },
    get size() {
      return heap.length;
    },
  };
}
