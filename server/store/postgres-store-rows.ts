import type { LoggedEvent, Observation, ServiceConfig } from "../domain/types.js";
import { toCallerEvent } from "./caller-event-codec.js";
import {
  createObservationDecoder,
  createServiceDecoder,
  decodeEvent as decodeEventRow,
  eventKey,
  failRow,
  toObservedHttp,
  toProbe,
  type CounterRow,
  type EventRow,
  type ObservationRow,
  type RowKey,
  type ServiceRow,
} from "./store-rows.js";

/**
 * What PostgreSQL's rows need beyond store-rows.ts: the probe, an
 * observation's HTTP details and an event's payload are jsonb, which the driver hands back parsed, and sequences are
 * bigint, which the store's type parser turns into numbers that must have
 * fitted (a number loses integers above 2^53).
 */

/** A bigint column, parsed to a number by the store's type parser: it must have fitted. */
function sequence(value: number, table: string, key: RowKey, column: string): number {
  if (!Number.isSafeInteger(value)) failRow(table, key, `${column} ${String(value)} is not an integer below 2^53`);
  return value;
}

/** Decodes services; their probe column is jsonb, already parsed. */
export const decodeService: (row: ServiceRow<unknown>) => ServiceConfig = createServiceDecoder(toProbe);

/** Decodes observations; their http column is jsonb, already parsed. */
export const decodeObservation: (row: ObservationRow<unknown>) => { serviceId: string; observation: Observation } =
  createObservationDecoder(toObservedHttp);

export function decodeCounter([callerId, lastSequence]: CounterRow): { callerId: string; lastSequence: number } {
  const key = () => `caller_id ${JSON.stringify(callerId)}`;
  return { callerId, lastSequence: sequence(lastSequence, "caller_counters", key, "last_sequence") };
}

/** Decodes one of `callerId`'s events; its payload column is jsonb, already parsed. */
export function decodeEvent(callerId: string, row: EventRow<unknown>): LoggedEvent {
  const logged = decodeEventRow(callerId, row, toCallerEvent);
  sequence(logged.sequence, "events", eventKey(callerId, logged.sequence), "sequence");
  return logged;
}
