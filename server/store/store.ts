import type {
  Announced,
  CallerConfig,
  LoggedEvent,
  Observation,
  PlannedOutage,
  ServiceConfig,
  SubscriptionConfig,
} from "../domain/types.js";

/**
 * One row-level change. A mutation is a list of these, written in one
 * transaction by the store and applied to memory by the registry model, so
 * memory and disk agree by construction. Each op writes the rows it names
 * and nothing else: no op's cost grows with the size of the registry.
 *
 * Deletes do not cascade: a mutation that removes a service lists the
 * deletes of its subscriptions, outages and observation first. The schema's
 * foreign keys refuse a transaction that would leave an orphan, so a
 * mistake there fails loudly instead of corrupting the store.
 */
export type StoreOp =
  /** Inserts the service, or replaces the one with its id. */
  | { readonly kind: "put_service"; readonly service: ServiceConfig }
  /** Deletes the service row and its observation. */
  | { readonly kind: "delete_service"; readonly serviceId: string }
  | { readonly kind: "put_caller"; readonly caller: CallerConfig }
  /** Deletes the caller row, its events and its announced rows; its sequence counter is kept forever. */
  | { readonly kind: "delete_caller"; readonly callerId: string }
  /** Inserts or replaces the subscription keyed (callerId, serviceId). */
  | { readonly kind: "put_subscription"; readonly subscription: SubscriptionConfig }
  | { readonly kind: "delete_subscription"; readonly callerId: string; readonly serviceId: string }
  | { readonly kind: "put_outage"; readonly outage: PlannedOutage }
  | { readonly kind: "delete_outage"; readonly outageId: string }
  /**
   * Appends one numbered event. The sequence is assigned by the caller of
   * `write` (the commit queue), one more than the caller's last; the store
   * records it as the caller's last sequence, deletes the caller's events
   * that fall out of the retention window, and derives the announced state:
   * a `status_change` sets (callerId, serviceId)'s announced status and since,
   * a `subscription_ended` deletes it.
   */
  | { readonly kind: "append_event"; readonly event: LoggedEvent }
  /** Inserts or replaces what the checks of a service have shown. */
  | { readonly kind: "put_observation"; readonly serviceId: string; readonly observation: Observation }
  /**
   * Raises a caller's last sequence without an event (never lowers it). Only
   * for importing a log whose events were pruned.
   */
  | { readonly kind: "set_last_sequence"; readonly callerId: string; readonly lastSequence: number }
  /**
   * Sets a subscription's announced state without an event. Only for
   * importing a log whose deciding events were pruned.
   */
  | { readonly kind: "put_announced"; readonly entry: AnnouncedEntry };

/** What a subscription last announced, as kept by the store. */
export interface AnnouncedEntry {
  readonly callerId: string;
  readonly serviceId: string;
  readonly announced: Announced;
}

/** Everything the store holds except the events themselves, read at start. */
export interface StoreContents {
  readonly services: readonly ServiceConfig[];
  readonly callers: readonly CallerConfig[];
  readonly subscriptions: readonly SubscriptionConfig[];
  readonly outages: readonly PlannedOutage[];
  readonly observations: readonly { readonly serviceId: string; readonly observation: Observation }[];
  readonly announced: readonly AnnouncedEntry[];
  /** Every caller's last sequence ever assigned, including callers since removed. */
  readonly sequences: readonly { readonly callerId: string; readonly lastSequence: number }[];
}

/**
 * The one durable store of the server (SQLite or PostgreSQL). The server keeps
 * the registry in memory and writes through this; it owns the store for its
 * lifetime (the store lock), so nothing else writes between load and close.
 *
 * Errors: every failure is a {@link StoreError}. A write that fails commits
 * nothing.
 */
export interface Store {
  /** What the store is, for logs: "sqlite /data/monitor.db", "postgres 127.0.0.1:5432/monitor" (never a password). */
  readonly description: string;
  /** Reads everything but the events. */
  load(): Promise<StoreContents>;
  /**
   * Applies the ops in order in one transaction; resolves once it is durable
   * (on SQLite `synchronous=FULL`: fsynced). Never called concurrently: the
   * commit queue writes one batch at a time.
   */
  write(ops: readonly StoreOp[]): Promise<void>;
  /** A caller's retained events with sequence > afterSequence, ascending, at most `limit`. */
  readEvents(callerId: string, afterSequence: number, limit: number): Promise<LoggedEvent[]>;
  /** The caller's oldest retained sequence, or undefined when none is retained. */
  firstRetained(callerId: string): Promise<number | undefined>;
  /** Flushes and closes. Idempotent. */
  close(): Promise<void>;
}

/**
 * Why the store failed:
 * - `unavailable`: it could not be reached or written just now (disk full,
 *   read-only file, lost connection); retrying later may succeed. Clients see
 *   UNAVAILABLE.
 * - `corrupt`: what it holds cannot be trusted (a failed integrity check, a
 *   row that does not decode, a schema newer than this code). The server
 *   refuses to start on it; at run time clients see INTERNAL.
 * The message names the store (file or database) and, at start, what to do.
 */
export class StoreError extends Error {
  override readonly name = "StoreError";
  constructor(
    readonly kind: "unavailable" | "corrupt",
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
