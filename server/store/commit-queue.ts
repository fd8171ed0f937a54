import { MonitorError } from "../domain/monitor-error.js";
import type { CallerEvent, LoggedEvent, Millis } from "../domain/types.js";
import type { RegistryModel, Undo } from "./registry-model.js";
import { StoreError, type Store, type StoreOp } from "./store.js";

/** One step of a plan: a row op, or an event to number and append to a caller's log. */
export type Step = StoreOp | { readonly kind: "event"; readonly callerId: string; readonly event: CallerEvent };

/** What one submission commits, and what it does once that is durable. */
export interface Plan<T> {
  readonly steps: readonly Step[];
  /**
   * Runs once the batch is durable and memory shows it, before the batch's
   * events are published; gets this plan's events as numbered. Its value
   * resolves the submission.
   */
  readonly committed?: (logged: readonly LoggedEvent[]) => T;
  /** Runs when the batch could not be written (nothing of it is kept). */
  readonly failed?: () => void;
}

/**
 * Decides what to commit, synchronously, against memory as it will be after
 * the earlier plans of the same batch. Returns undefined for nothing to do;
 * throws (a MonitorError) to refuse, which fails this submission only.
 */
export type Planner<T> = (now: Millis) => Plan<T> | undefined;

export interface CommitQueueOptions {
  readonly store: Pick<Store, "write">;
  readonly model: RegistryModel;
  /** Each caller's last sequence, as loaded. */
  readonly sequences: Iterable<{ readonly callerId: string; readonly lastSequence: number }>;
  readonly now: () => Millis;
  /** Hands a durable batch's events to open streams (the event hub). */
  readonly publish: (events: readonly LoggedEvent[]) => void;
  /** Told of every batch written (metrics). */
  readonly written?: (batch: BatchWritten) => void;
  /** Told why a batch failed (before its submitters hear it), or of a failing publish (logs). */
  readonly onError?: (error: unknown, context: string) => void;
}

/** One durable write of the queue. */
export interface BatchWritten {
  readonly ops: number;
  /** Submissions it committed. */
  readonly plans: number;
  readonly events: number;
  readonly durationMs: number;
}

export interface CommitQueue {
  /** Queues a plan for the next batch; resolves with its `committed` value once durable. */
  submit<T = void>(planner: Planner<T>): Promise<T | undefined>;
  /** The last sequence of the caller's log that is durable and published; 0 if none. */
  lastSequence(callerId: string): number;
  /** Resolves once every submission so far has been written (or failed). */
  idle(): Promise<void>;
}

interface Waiting {
  readonly planner: Planner<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** Written in a batch of its own: its last batch failed for a reason that may be its own. */
  alone?: boolean;
}

interface Planned {
  readonly waiting: Waiting;
  readonly plan: Plan<unknown>;
  readonly logged: LoggedEvent[];
}

/**
 * Group commit for the one store (docs/architecture.md, "Storage"): every
 * submission made while a batch is being written, or in the same turn of the
 * event loop, goes into the next batch — one transaction, one fsync — so a
 * check tick that changes a thousand statuses, or 64 clients' mutations, cost
 * one write, not one each.
 *
 * Planning is serial and synchronous: each planner sees memory as the earlier
 * plans of its batch leave it (so uniqueness checks and "does this still
 * exist" hold within a batch), then memory is put back and nothing is shown
 * until the write succeeds; only then are the ops applied for real, the
 * sequences advanced, the `committed` callbacks run and the events published,
 * all in one synchronous step. A failed write leaves memory as it was and
 * fails every submission of the batch: a store that is unavailable answers
 * `unavailable`, anything else is passed on as it is (the rpc boundary turns
 * it into INTERNAL and logs it).
 */
export function createCommitQueue(options: CommitQueueOptions): CommitQueue {
  const { store, model, publish } = options;
  const sequences = new Map<string, number>();
  for (const { callerId, lastSequence } of options.sequences) sequences.set(callerId, lastSequence);
  const waiting: Waiting[] = [];
  let running: Promise<void> | undefined;
  let scheduled = false;

  function schedule(): void {
    if (scheduled || running !== undefined) return;
    scheduled = true;
    // setImmediate, not a microtask: everything the current I/O phase
    // delivers (requests, probe results) joins the batch.
    setImmediate(() => {
      scheduled = false;
      if (running !== undefined) return;
      running = runBatch()
        .catch((error: unknown) => options.onError?.(error, "running a batch"))
        .finally(() => {
          running = undefined;
          if (waiting.length > 0) schedule();
        });
    });
  }

  /** The next batch: everything waiting, or one submission being isolated. */
  function takeBatch(): Waiting[] {
    if (waiting[0]?.alone === true) return [waiting.shift()!];
    const end = waiting.findIndex((entry) => entry.alone === true);
    return end < 0 ? waiting.splice(0) : waiting.splice(0, end);
  }

  function settleFailed(planned: readonly Planned[], refusal: unknown): void {
    for (const { plan, waiting: entry } of planned) {
      try {
        plan.failed?.();
      } catch (error) {
        options.onError?.(error, "undoing a failed plan");
      }
      entry.reject(refusal);
    }
  }

  /** Plans every waiting submission; returns the plans and the ops to write, memory unchanged. */
  function planBatch(batch: readonly Waiting[], now: Millis): { planned: Planned[]; ops: StoreOp[] } {
    const planned: Planned[] = [];
    const ops: StoreOp[] = [];
    const undos: Undo[] = [];
    const next = new Map<string, number>();
    try {
      for (const entry of batch) {
        const mark = undos.length;
        const opsMark = ops.length;
        /** Callers whose next sequence this entry moved, with what it was before. */
        const moved: Array<[string, number | undefined]> = [];
        try {
          const plan = entry.planner(now);
          if (plan === undefined) {
            entry.resolve(undefined);
            continue;
          }
          const logged: LoggedEvent[] = [];
          for (const step of plan.steps) {
            if (step.kind === "event") {
              const previous = next.get(step.callerId);
              const sequence = (previous ?? sequences.get(step.callerId) ?? 0) + 1;
              moved.push([step.callerId, previous]);
              next.set(step.callerId, sequence);
              const event: LoggedEvent = { callerId: step.callerId, sequence, timeMs: now, event: step.event };
              logged.push(event);
              ops.push({ kind: "append_event", event });
            } else {
              undos.push(model.apply(step));
              ops.push(step);
            }
          }
          planned.push({ waiting: entry, plan, logged });
        } catch (error) {
          // This submission only: revert what it had applied, keep the others.
          for (let i = undos.length - 1; i >= mark; i--) undos[i]!();
          undos.length = mark;
          ops.length = opsMark;
          for (let i = moved.length - 1; i >= 0; i--) {
            const [callerId, previous] = moved[i]!;
            if (previous === undefined) next.delete(callerId);
            else next.set(callerId, previous);
          }
          entry.reject(error);
        }
      }
    } finally {
      for (let i = undos.length - 1; i >= 0; i--) undos[i]!();
    }
    return { planned, ops };
  }

  async function runBatch(): Promise<void> {
    const batch = takeBatch();
    const { planned, ops } = planBatch(batch, options.now());
    if (planned.length === 0) return;
    const started = performance.now();
    try {
      if (ops.length > 0) await store.write(ops);
    } catch (error) {
      options.onError?.(error, `writing a batch of ${ops.length} ops to the store`);
      const unavailable = error instanceof StoreError && error.kind === "unavailable";
      if (!unavailable && planned.length > 1) {
        // Not the store being down: one plan may be at fault (a bug, a bad
        // value). Plan and write each again on its own, so only it fails.
        for (const { plan } of planned) {
          try {
            plan.failed?.();
          } catch (undoError) {
            options.onError?.(undoError, "undoing a failed plan");
          }
        }
        waiting.unshift(...planned.map(({ waiting: entry }) => ({ ...entry, alone: true })));
        return;
      }
      settleFailed(
        planned,
        unavailable ? new MonitorError("unavailable", "the store could not save the change; nothing was changed, try again") : error,
      );
      return;
    }
    const events = planned.flatMap((p) => p.logged);
    try {
      options.written?.({ ops: ops.length, plans: planned.length, events: events.length, durationMs: performance.now() - started });
    } catch (error) {
      options.onError?.(error, "reporting a store write");
    }
    // Durable: show it, in one synchronous step.
    for (const op of ops) {
      if (op.kind === "append_event") sequences.set(op.event.callerId, op.event.sequence);
      else if (op.kind === "set_last_sequence") sequences.set(op.callerId, Math.max(op.lastSequence, sequences.get(op.callerId) ?? 0));
      else model.apply(op);
    }
    const values: unknown[] = [];
    const failures: unknown[] = [];
    for (const { plan, logged } of planned) {
      try {
        values.push(plan.committed?.(logged));
        failures.push(undefined);
      } catch (error) {
        // A bug in a follower; the commit stands, the submitter hears it.
        values.push(undefined);
        failures.push(error ?? new Error("committed callback failed"));
      }
    }
    try {
      if (events.length > 0) publish(events);
    } catch (error) {
      options.onError?.(error, "publishing events to open streams");
    }
    planned.forEach(({ waiting: entry }, i) => (failures[i] === undefined ? entry.resolve(values[i]) : entry.reject(failures[i])));
  }

  return {
    submit<T>(planner: Planner<T>) {
      return new Promise<T | undefined>((resolve, reject) => {
        waiting.push({ planner, resolve: resolve as (value: unknown) => void, reject });
        schedule();
      });
    },
    lastSequence: (callerId) => sequences.get(callerId) ?? 0,
    async idle() {
      while (running !== undefined || scheduled || waiting.length > 0) {
        if (running !== undefined) await running.catch(() => {});
        else await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
}
