import type { StoreOp } from "./store.js";

/**
 * Groups a write's ops into runs of one kind, each written by one multi-row
 * statement, so a check tick fanning out to 10,000 callers or an import of a
 * whole registry is a handful of round trips instead of one per op.
 *
 * Grouping moves an op earlier, next to the last op of its kind, and that is
 * only allowed when it commutes with every op it jumps over. Each op names
 * the rows it writes and the rows it needs to exist (a subscription needs its
 * caller and service: the foreign keys); two ops conflict when one writes
 * what the other reads or writes. So `delete_subscription` never passes the
 * `delete_service` of its service, nor `append_event` a `delete_caller` of its
 * caller, and an outcome equals applying the ops one by one, in order.
 *
 * Inside a run, ops on one key collapse to the last (a later put replaces,
 * a delete twice is one); `append_event` keeps every event, in order, so the
 * announced effect is the last event's per subscription (see the statements).
 */
export type OpRun = { [K in StoreOp["kind"]]: { readonly kind: K; readonly ops: Extract<StoreOp, { kind: K }>[] } }[StoreOp["kind"]];

interface Access {
  /** "svc:<id>", "caller:<id>", "log:<callerId>" (events and announced), … */
  readonly key: string;
  readonly write: boolean;
}

/** What an op touches. `anyService` marks delete_outage, which does not know its service. */
interface Footprint {
  readonly accesses: readonly Access[];
  readonly readsAnyService: boolean;
}

const w = (key: string): Access => ({ key, write: true });
const r = (key: string): Access => ({ key, write: false });

function footprint(op: StoreOp): Footprint {
  const of = (...accesses: Access[]): Footprint => ({ accesses, readsAnyService: false });
  switch (op.kind) {
    case "put_service":
      return of(w(`svc:${op.service.id}`));
    case "delete_service":
      return of(w(`svc:${op.serviceId}`), w(`obs:${op.serviceId}`));
    case "put_caller":
      return of(w(`caller:${op.caller.id}`));
    case "delete_caller":
      // The counter is kept, so a delete_caller commutes with set_last_sequence.
      return of(w(`caller:${op.callerId}`), w(`log:${op.callerId}`));
    case "put_subscription": {
      const { callerId, serviceId } = op.subscription;
      return of(w(`sub:${callerId}\0${serviceId}`), r(`caller:${callerId}`), r(`svc:${serviceId}`));
    }
    case "delete_subscription":
      return of(w(`sub:${op.callerId}\0${op.serviceId}`), r(`caller:${op.callerId}`), r(`svc:${op.serviceId}`));
    case "put_outage":
      return of(w(`outage:${op.outage.id}`), r(`svc:${op.outage.serviceId}`));
    case "delete_outage":
      // Its service is unknown here: it must not pass any write of a service
      // (a delete_service needs its outages gone first).
      return { accesses: [w(`outage:${op.outageId}`)], readsAnyService: true };
    case "put_observation":
      return of(w(`obs:${op.serviceId}`), r(`svc:${op.serviceId}`));
    case "append_event":
      return of(w(`log:${op.event.callerId}`), w(`counter:${op.event.callerId}`));
    case "set_last_sequence":
      return of(w(`counter:${op.callerId}`));
    case "put_announced":
      return of(w(`log:${op.entry.callerId}`));
  }
}

interface Building {
  readonly kind: StoreOp["kind"];
  readonly ops: StoreOp[];
  readonly writes: Set<string>;
  readonly reads: Set<string>;
  writesAnyService: boolean;
  readsAnyService: boolean;
}

function conflicts(op: Footprint, run: Building): boolean {
  if (op.readsAnyService && run.writesAnyService) return true;
  for (const { key, write } of op.accesses) {
    if (run.writes.has(key)) return true;
    if (write && run.reads.has(key)) return true;
    if (write && run.readsAnyService && key.startsWith("svc:")) return true;
  }
  return false;
}

function add(run: Building, op: StoreOp, print: Footprint): void {
  run.ops.push(op);
  for (const { key, write } of print.accesses) {
    (write ? run.writes : run.reads).add(key);
    if (write && key.startsWith("svc:")) run.writesAnyService = true;
  }
  if (print.readsAnyService) run.readsAnyService = true;
}

/**
 * The runs to execute, in order. Pure; linear in the number of ops (the
 * backward scan stops at the first run of the op's kind, and there are only
 * thirteen kinds, or at the first conflict).
 */
export function planOpRuns(ops: readonly StoreOp[]): OpRun[] {
  const runs: Building[] = [];
  for (const op of ops) {
    const print = footprint(op);
    let target: Building | undefined;
    for (let i = runs.length - 1; i >= 0; i--) {
      const run = runs[i]!;
      if (run.kind === op.kind) {
        target = run;
        break;
      }
      if (conflicts(print, run)) break;
    }
    if (target === undefined) {
      target = { kind: op.kind, ops: [], writes: new Set(), reads: new Set(), writesAnyService: false, readsAnyService: false };
      runs.push(target);
    }
    add(target, op, print);
  }
  return runs.map(({ kind, ops: runOps }) => ({ kind, ops: runOps }) as OpRun);
}
