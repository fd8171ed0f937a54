/** The first wait after the database went away: short, since a restart often takes well under a second. */
export const RECONNECT_FIRST_MS = 100;
/** The longest wait: the outage is noticed within 5 s of the database's return, and a down database is not hammered. */
export const RECONNECT_MAX_MS = 5_000;

/**
 * How long to wait before reconnect attempt `attempt` (0 for the first):
 * doubling from 100 ms up to 5 s, with ±20 % jitter (kept within those bounds)
 * so servers that lost the same database do not all come back in step.
 * `random` is a number in [0, 1), injected so the rule is deterministic in tests.
 */
export function reconnectDelayMs(attempt: number, random: number): number {
  const steps = Math.max(0, Math.min(Math.floor(attempt), 32));
  const exponential = Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** steps);
  const jittered = exponential * (0.8 + 0.4 * Math.min(Math.max(random, 0), 1));
  return Math.round(Math.min(RECONNECT_MAX_MS, Math.max(RECONNECT_FIRST_MS, jittered)));
}
