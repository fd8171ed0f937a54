/**
 * Whether an HTTP/2 session is doing anything: "busy" while it has an open
 * stream (a Watch can be silent for hours and is still busy), "idle" from the
 * moment its last stream closed (or it connected) until the next one opens.
 * Pure: times are passed in, so the rule is tested without waiting.
 */
export type SessionActivity =
  | { readonly kind: "busy"; readonly openStreams: number }
  | { readonly kind: "idle"; readonly since: number };

/** A session that has no stream yet, or no longer has one, since `at` (ms). */
export const idleSince = (at: number): SessionActivity => ({ kind: "idle", since: at });

const busy = (openStreams: number): SessionActivity => ({ kind: "busy", openStreams });

/** One more stream is open. */
export function streamOpened(activity: SessionActivity): SessionActivity {
  return busy(activity.kind === "busy" ? activity.openStreams + 1 : 1);
}

/** One stream closed at `now`; with none left the session is idle from then. */
export function streamClosed(activity: SessionActivity, now: number): SessionActivity {
  if (activity.kind === "busy" && activity.openStreams > 1) return busy(activity.openStreams - 1);
  return activity.kind === "idle" ? activity : idleSince(now);
}

/** True once a session has been idle for at least `timeoutMs` at `now`. */
export function isIdleFor(activity: SessionActivity, now: number, timeoutMs: number): boolean {
  return activity.kind === "idle" && now - activity.since >= timeoutMs;
}
