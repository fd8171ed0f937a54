import type { CallerEvent, Millis, Status } from "../domain/types.js";

/**
 * What a caller's events do to one subscription's announced row, folded over
 * a run of events so a write touches each row once (a check tick appends
 * thousands of events, and PostgreSQL cannot touch one row twice in one
 * statement). Both stores apply the same fold, so they derive the same rows:
 *
 * - `status_change` sets the status and its since, keeping `alerting`;
 * - `availability_alert` / `availability_recovered` set `alerting` (true /
 *   false), keeping the status and since;
 * - `subscription_ended` deletes the row;
 * - `service_paused` / `service_resumed` announce nothing and leave it alone.
 *
 * A row that does not exist yet is created with what the event sets and the
 * defaults for the rest: status "unknown" since 0, not alerting (an alert
 * before any status change). Pure.
 */
export type AnnouncedEffect =
  | { readonly kind: "delete" }
  /** Upserts the row; a part left undefined keeps the row's value (the default when the row is new). */
  | {
      readonly kind: "upsert";
      readonly status?: { readonly status: Status; readonly sinceMs: Millis };
      readonly alerting?: boolean;
    };

/** The row a delete followed by an event starts from: every part set, to the defaults. */
const NEW_ROW = { status: { status: "unknown", sinceMs: 0 }, alerting: false } as const;

/** The effect of `before` (undefined: none yet) followed by `event`. */
export function foldAnnouncedEffect(before: AnnouncedEffect | undefined, event: CallerEvent): AnnouncedEffect | undefined {
  // After a delete the row is new: what the event leaves unset is the default, not the old row's.
  const base = before?.kind === "delete" ? NEW_ROW : before;
  switch (event.kind) {
    case "status_change":
      return { ...base, kind: "upsert", status: { status: event.status, sinceMs: event.sinceMs } };
    case "availability_alert":
    case "availability_recovered":
      return { ...base, kind: "upsert", alerting: event.kind === "availability_alert" };
    case "subscription_ended":
      return { kind: "delete" };
    case "service_paused":
    case "service_resumed":
      return before;
  }
}
