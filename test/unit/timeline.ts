/**
 * A test harness that runs one service over simulated time using only the
 * domain rules: `nextCheckAt` plans the checks, `observe` folds scripted
 * results, `decide`/`applyAnnouncement` drive each subscription, and
 * `nextOutageBoundary` says when to reconcile. It stands in for the engine so
 * scenario tests can assert the exact announcements and check times the rules
 * produce, without clocks, sockets or timers.
 *
 * Like the engine, it evaluates `decide` for every subscription after each
 * check and at each outage boundary, and for one subscription when it is
 * created or its settings change (rule 5). Checks take no time (the result
 * is known at the check's start).
 */
import { effectiveIntervalMs } from "../../server/domain/effective-interval.js";
import { nextCheckAt } from "../../server/domain/next-check.js";
import {
  applyAnnouncement,
  decide,
  NOTHING_ANNOUNCED,
} from "../../server/domain/notification.js";
import { observe, UNOBSERVED } from "../../server/domain/observe.js";
import {
  isInOutage,
  nextOutageBoundary,
  type OutageWindow,
} from "../../server/domain/outage-windows.js";
import type { Announced, Millis, Observation } from "../../server/domain/types.js";

/** Seconds → milliseconds, so scenarios read in seconds. */
export const s = (seconds: number): Millis => Math.round(seconds * 1000);

export type Scripted = "up" | "down";

/**
 * A status script: `initial` until the first change, then each `[at, status]`
 * from `at` on. Changes must be in time order.
 */
export function script(
  initial: Scripted,
  ...changes: ReadonlyArray<readonly [Millis, Scripted]>
): (t: Millis) => Scripted {
  return (t) => {
    let status = initial;
    for (const [at, next] of changes) {
      if (t >= at) status = next;
    }
    return status;
  };
}

export interface TimelineSubscription {
  readonly callerId: string;
  readonly pollingIntervalMs: number;
  readonly gracePeriodMs: number;
  /** When the caller subscribes; default the timeline's start. */
  readonly fromMs?: Millis;
  /** When the caller unsubscribes; default never. */
  readonly untilMs?: Millis;
  /** Subscribing again with new settings, at the given times. */
  readonly updates?: ReadonlyArray<{
    readonly atMs: Millis;
    readonly pollingIntervalMs: number;
    readonly gracePeriodMs: number;
  }>;
}

export interface TimelineInput {
  readonly serviceId?: string;
  /** The service's own check interval. */
  readonly checkIntervalMs: number;
  readonly subscriptions: readonly TimelineSubscription[];
  readonly outages?: readonly OutageWindow[];
  /** What a check started at `t` finds. */
  readonly statusAt: (t: Millis) => Scripted;
  /** When the service is registered; default 0. */
  readonly startMs?: Millis;
  /** The simulation stops after this time. */
  readonly endMs: Millis;
  /** When the service is unregistered; default never. */
  readonly unregisterAtMs?: Millis;
}

/** One announcement as a caller would hear it. */
export interface RecordedAnnouncement {
  readonly at: Millis;
  readonly callerId: string;
  readonly status: "up" | "down";
  readonly since: Millis;
}

export interface RecordedEnd {
  readonly at: Millis;
  readonly callerId: string;
  readonly reason: "unsubscribed" | "service unregistered";
}

export interface TimelineResult {
  readonly announcements: RecordedAnnouncement[];
  /** Start times of every check, in order. */
  readonly checks: Millis[];
  readonly ended: RecordedEnd[];
  /** The observation when the simulation stopped. */
  readonly observation: Observation;
}

interface ActiveSubscription {
  readonly callerId: string;
  pollingIntervalMs: number;
  gracePeriodMs: number;
  announced: Announced;
}

type TimelineEvent =
  | { readonly at: Millis; readonly order: 0; readonly kind: "unregister" }
  | { readonly at: Millis; readonly order: 1; readonly kind: "unsubscribe"; readonly callerId: string }
  | {
      readonly at: Millis;
      readonly order: 2;
      readonly kind: "update";
      readonly callerId: string;
      readonly pollingIntervalMs: number;
      readonly gracePeriodMs: number;
    }
  | { readonly at: Millis; readonly order: 3; readonly kind: "subscribe"; readonly sub: TimelineSubscription };

const MAX_STEPS = 100_000;

/** Runs the scenario; throws if two checks are ever less than 1 s apart. */
export function runTimeline(input: TimelineInput): TimelineResult {
  const serviceId = input.serviceId ?? "svc-1";
  const outages = input.outages ?? [];
  const startMs = input.startMs ?? 0;

  const events: TimelineEvent[] = [];
  if (input.unregisterAtMs !== undefined) {
    events.push({ at: input.unregisterAtMs, order: 0, kind: "unregister" });
  }
  for (const sub of input.subscriptions) {
    events.push({ at: sub.fromMs ?? startMs, order: 3, kind: "subscribe", sub });
    if (sub.untilMs !== undefined) {
      events.push({ at: sub.untilMs, order: 1, kind: "unsubscribe", callerId: sub.callerId });
    }
    for (const u of sub.updates ?? []) {
      events.push({ at: u.atMs, order: 2, kind: "update", callerId: sub.callerId, ...u });
    }
  }
  events.sort((a, b) => a.at - b.at || a.order - b.order);

  const announcements: RecordedAnnouncement[] = [];
  const checks: Millis[] = [];
  const ended: RecordedEnd[] = [];
  const active = new Map<string, ActiveSubscription>();
  let observation = UNOBSERVED;

  const evaluate = (sub: ActiveSubscription, now: Millis): void => {
    const a = decide({
      serviceId,
      announced: sub.announced,
      observation,
      gracePeriodMs: sub.gracePeriodMs,
      now,
      inOutage: isInOutage(outages, now),
    });
    if (a === undefined) return;
    if (a.previous !== sub.announced.status || a.serviceId !== serviceId) {
      throw new Error(`inconsistent announcement ${JSON.stringify(a)}`);
    }
    sub.announced = applyAnnouncement(sub.announced, a);
    announcements.push({ at: now, callerId: sub.callerId, status: a.status, since: a.sinceMs });
  };

  const plan = (now: Millis): Millis =>
    nextCheckAt({
      now,
      lastCheckAt: observation.lastCheckAt,
      effectiveIntervalMs: effectiveIntervalMs(
        input.checkIntervalMs,
        [...active.values()].map((sub) => sub.pollingIntervalMs),
      ),
      observation,
      subscriptions: [...active.values()],
      outages,
    });

  let nextEvent = 0;
  let now = startMs;
  let nextCheck = plan(now);
  for (let step = 0; step < MAX_STEPS; step++) {
    // 1. Registry changes due now.
    while (nextEvent < events.length && events[nextEvent]!.at <= now) {
      const e = events[nextEvent++]!;
      switch (e.kind) {
        case "unregister":
          for (const sub of active.values()) {
            ended.push({ at: now, callerId: sub.callerId, reason: "service unregistered" });
          }
          active.clear();
          return { announcements, checks, ended, observation };
        case "unsubscribe":
          if (active.delete(e.callerId)) {
            ended.push({ at: now, callerId: e.callerId, reason: "unsubscribed" });
          }
          break;
        case "update": {
          const sub = active.get(e.callerId);
          if (sub !== undefined) {
            sub.pollingIntervalMs = e.pollingIntervalMs;
            sub.gracePeriodMs = e.gracePeriodMs;
            evaluate(sub, now);
          }
          break;
        }
        case "subscribe": {
          const sub: ActiveSubscription = {
            callerId: e.sub.callerId,
            pollingIntervalMs: e.sub.pollingIntervalMs,
            gracePeriodMs: e.sub.gracePeriodMs,
            announced: NOTHING_ANNOUNCED,
          };
          active.set(sub.callerId, sub);
          evaluate(sub, now); // rule 5
          break;
        }
      }
    }
    nextCheck = plan(now);

    // 2. The check, if due; then every subscription hears what it owes.
    if (nextCheck <= now) {
      const last = checks.at(-1);
      if (last !== undefined && now - last < 1000) {
        throw new Error(`checks at ${last} and ${now} are less than 1 s apart`);
      }
      checks.push(now);
      const status = input.statusAt(now);
      observation = observe(observation, {
        status,
        at: now,
        latencyMs: status === "up" ? 1 : 0,
        detail: status === "up" ? "" : "connection refused",
      });
      for (const sub of active.values()) evaluate(sub, now);
      nextCheck = plan(now);
    }

    // 3. Outage boundaries: reconcile (decide says nothing while inside one).
    if (outages.some((o) => o.startMs === now || o.endMs === now)) {
      for (const sub of active.values()) evaluate(sub, now);
      nextCheck = plan(now);
    }

    // 4. On to the next thing that happens.
    let next = nextCheck;
    const boundary = nextOutageBoundary(outages, now);
    if (boundary !== undefined && boundary < next) next = boundary;
    if (nextEvent < events.length && events[nextEvent]!.at < next) next = events[nextEvent]!.at;
    if (next <= now) throw new Error(`timeline stuck at ${now}`);
    if (next > input.endMs) return { announcements, checks, ended, observation };
    now = next;
  }
  throw new Error("timeline did not finish");
}
