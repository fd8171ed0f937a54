/**
 * How often one service is checked (docs/architecture.md, checking rule 1).
 *
 * A service is checked once per effective interval however many callers
 * subscribe: the fastest any subscriber asked for, or the service's own
 * interval when nobody asks for faster, never faster than once a second.
 */

/**
 * The least time between the starts of two checks of one service, and the
 * floor of every effective interval. It exists so no subscriber (and no grace
 * deadline) can make the server hammer a host with connects.
 */
export const MIN_CHECK_SPACING_MS = 1000;

/**
 * The interval a service is checked at: the shortest of its own check
 * interval and every subscriber's polling interval, never below
 * {@link MIN_CHECK_SPACING_MS}. One number per service (not per caller) is what
 * lets the scheduler check a service once for all its subscribers.
 *
 * Inputs are validated at the edge (1 s – 24 h); this only applies the rule.
 */
export function effectiveIntervalMs(
  checkIntervalMs: number,
  pollingIntervalsMs: Iterable<number>,
): number {
  let shortest = checkIntervalMs;
  for (const polling of pollingIntervalsMs) {
    if (polling < shortest) shortest = polling;
  }
  return Math.max(MIN_CHECK_SPACING_MS, shortest);
}
