import type { LegacyEventLog } from "./read-legacy-event-log.js";
import type { RegistryData } from "./registry.js";
import type { StoreOp } from "./store.js";
import { validateStoreContents } from "./validate-store-contents.js";

/** The one write that imports a previous data dir, and what it holds, for the log. */
export interface LegacyImportPlan {
  readonly ops: readonly StoreOp[];
  readonly counts: {
    readonly services: number;
    readonly callers: number;
    readonly subscriptions: number;
    readonly outages: number;
    readonly events: number;
    readonly sequences: number;
    readonly announced: number;
    /** Events and announced rows of callers no longer in the registry, left out. */
    readonly droppedEvents: number;
    readonly droppedAnnounced: number;
  };
}

/** Where each half came from, for messages: the files' paths. */
export interface LegacySources {
  readonly registry: string;
  readonly eventLog: string;
}

const NO_EVENT_LOG: LegacyEventLog = { sequences: [], events: [], announced: [] };

/**
 * Turns the previous release's registry and event log into the ops of one
 * store write (pure: it reads nothing and writes nothing):
 * every service, caller, subscription and outage as it was (managedBy
 * absent: they were all made through the API); every retained event with
 * its own sequence and time, in order per caller, so the store derives the
 * announced state as it did; every counter (set_last_sequence), so a
 * removed caller or one whose events were all pruned never reuses a
 * sequence; then every row of the old announced table, last, so the old
 * table wins and covers subscriptions whose deciding events were pruned.
 *
 * Events and announced rows of callers missing from the registry are left
 * out: the previous release stopped between removing the caller from
 * registry.json and dropping its log, and would have dropped them at its
 * next start. Their counters are kept. An announced row whose subscription
 * is gone is kept: the server sends its subscription_ended at start.
 *
 * Throws StoreError("corrupt") when the values break the API's rules
 * (validateStoreContents), naming the file they came from.
 */
export function planLegacyImport(
  registry: RegistryData,
  eventLog: LegacyEventLog | undefined,
  sources: LegacySources,
): LegacyImportPlan {
  const log = eventLog ?? NO_EVENT_LOG;
  validateStoreContents({ ...registry, observations: [], announced: [], sequences: [] }, sources.registry);
  validateStoreContents(
    { services: [], callers: [], subscriptions: [], outages: [], observations: [], announced: log.announced, sequences: log.sequences },
    sources.eventLog,
  );

  const callers = new Set(registry.callers.map((c) => c.id));
  const events = log.events.filter((e) => callers.has(e.callerId));
  const announced = log.announced.filter((a) => callers.has(a.callerId));
  const ops: StoreOp[] = [
    ...registry.services.map((service): StoreOp => ({ kind: "put_service", service })),
    ...registry.callers.map((caller): StoreOp => ({ kind: "put_caller", caller })),
    ...registry.subscriptions.map((subscription): StoreOp => ({ kind: "put_subscription", subscription })),
    ...registry.outages.map((outage): StoreOp => ({ kind: "put_outage", outage })),
  ];
  // A loop, not a spread: a full log is up to 10,000 events per caller.
  for (const event of events) ops.push({ kind: "append_event", event });
  for (const { callerId, lastSequence } of log.sequences) ops.push({ kind: "set_last_sequence", callerId, lastSequence });
  for (const entry of announced) ops.push({ kind: "put_announced", entry });

  return {
    ops,
    counts: {
      services: registry.services.length,
      callers: registry.callers.length,
      subscriptions: registry.subscriptions.length,
      outages: registry.outages.length,
      events: events.length,
      sequences: log.sequences.length,
      announced: announced.length,
      droppedEvents: log.events.length - events.length,
      droppedAnnounced: log.announced.length - announced.length,
    },
  };
}
