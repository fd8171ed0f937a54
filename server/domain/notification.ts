/**
 * The per-caller, per-service notification state machine (docs/architecture.md,
 * notification rules 1, 2, 4 and 5), as pure functions of what the
 * subscription last announced, what the checks show, and now.
 *
 * The engine calls {@link decide} after every check, when a subscription is
 * created or changed, and when an outage window ends; whatever it returns is
 * logged for the caller and folded in with {@link applyAnnouncement}.
 */
import type { Announced, Announcement, Millis, Observation } from "./types.js";

/**
 * What a new subscription has announced: nothing yet ("unknown", since 0).
 * It is the seed state, so rule 5 (a new subscriber hears the current status)
 * falls out of the ordinary rules instead of being a special case.
 */
export const NOTHING_ANNOUNCED: Announced = { status: "unknown", sinceMs: 0 };

/**
 * When DOWN becomes due for one subscription: `down_since + grace`, defined
 * only while the service is failing and this subscription has not announced
 * DOWN. It exists for rule 3: the scheduler checks the service at this time,
 * so DOWN is heard on time even when the grace period is shorter than the
 * polling interval.
 *
 * Once DOWN is announced there is nothing left to wait for; that includes a
 * new failure after a recovery that was never announced (the recovery fell in
 * a planned outage): the caller already believes the service is down.
 */
export function graceDeadline(
  announced: Announced,
  observation: Observation,
  gracePeriodMs: number,
): Millis | undefined {
  if (observation.status !== "down" || announced.status === "down") return undefined;
  return observation.sinceMs + gracePeriodMs;
}

/** What {@link decide} looks at. */
export interface DecideInput {
  /** The service the announcement is about (copied into it). */
  readonly serviceId: string;
  /** What this subscription last announced. */
  readonly announced: Announced;
  /** What the checks of the service show now. */
  readonly observation: Observation;
  /** This subscription's grace period. */
  readonly gracePeriodMs: number;
  readonly now: Millis;
  /** Whether `now` is inside one of the service's planned outages. */
  readonly inOutage: boolean;
}

/**
 * The announcement this subscription owes its caller now, or undefined.
 *
 * - Inside a planned outage: nothing (rule 4).
 * - Service up, announced not up: UP, since the first successful check of this
 *   up period (rule 1; rule 5 for a new subscription; rule 4 at a window's end).
 * - Service down, announced not down, and `now ≥ down_since + grace`: DOWN,
 *   since `down_since`, with the latest check's detail (rule 2). Every check
 *   since `down_since` failed, or the observation would not be down.
 * - Either carries the latest check's HTTP details, and the note of a target
 *   change (UpdateService) while the observation still has one, for a caller
 *   that had heard of the old target.
 * - Otherwise nothing: a failure still inside its grace period, or a status the
 *   caller already knows.
 *
 * It only compares states, so calling it again (or at any extra moment) never
 * repeats an announcement once {@link applyAnnouncement} has been applied.
 */
export function decide(input: DecideInput): Announcement | undefined {
  const { serviceId, announced, observation, gracePeriodMs, now, inOutage } = input;
  if (inOutage) return undefined;
  if (observation.status === "up" && announced.status !== "up") {
    return {
      serviceId,
      previous: announced.status,
      status: "up",
      sinceMs: observation.sinceMs,
      detail: withNote("", noteFor(announced, observation)),
      ...(observation.http === undefined ? {} : { http: observation.http }),
    };
  }
  const deadline = graceDeadline(announced, observation, gracePeriodMs);
  if (deadline !== undefined && now >= deadline) {
    return {
      serviceId,
      previous: announced.status,
      status: "down",
      sinceMs: observation.sinceMs,
      detail: withNote(observation.detail, noteFor(announced, observation)),
      ...(observation.http === undefined ? {} : { http: observation.http }),
    };
  }
  return undefined;
}

/**
 * The target-change note is for a caller that was told something of the old
 * target; one that has heard nothing yet (a subscription made since) learns
 * of the new target only, and needs no history.
 */
function noteFor(announced: Announced, observation: Observation): string | undefined {
  return announced.status === "unknown" ? undefined : observation.note;
}

/** "status 503 not in 200–399; check target changed from … to …". */
function withNote(detail: string, note: string | undefined): string {
  if (note === undefined) return detail;
  return detail === "" ? note : `${detail}; ${note}`;
}

/**
 * The subscription's state after `announcement` was logged for its caller:
 * the announced status and its since; whether an availability alert stands
 * is another fold (availability-alert.ts) and is kept. Keeping this as a
 * function (rather than letting the engine build the object) keeps the state
 * machine's transitions in one file.
 */
export function applyAnnouncement(announced: Announced, announcement: Announcement): Announced {
  const next = { status: announcement.status, sinceMs: announcement.sinceMs };
  return announced.alerting === true ? { ...next, alerting: true } : next;
}
