import { Code, ConnectError } from "@connectrpc/connect";

/** How long a resuming watch waits between reconnects. */
export interface BackoffOptions {
  /** The ceiling of the first wait, in ms. */
  readonly initialMs: number;
  /** The largest ceiling, in ms, however many attempts failed. */
  readonly maxMs: number;
  /** How much the ceiling grows per failed attempt; 2 unless given. */
  readonly multiplier?: number;
}

/** Quick first retry (a server restart takes about a second), at most 15 s apart. */
export const DEFAULT_BACKOFF: Required<BackoffOptions> = { initialMs: 250, maxMs: 15_000, multiplier: 2 };

/**
 * The wait before reconnect number `attempt` (0 for the first after a
 * success): "full jitter", uniform in [0, min(maxMs, initialMs × multiplier^attempt)).
 * Spreading the whole range, not ±20 %, keeps thousands of clients that lost
 * the same server from coming back in the same instant. `random` returns a
 * number in [0, 1), like Math.random; tests pass a fixed one.
 */
export function backoffDelay(attempt: number, options: Required<BackoffOptions>, random: () => number): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * options.multiplier ** attempt);
  return Math.floor(random() * ceiling);
}

/**
 * Fills in the default multiplier and checks the numbers.
 *
 * @throws ConnectError (INVALID_ARGUMENT) naming the option: initialMs must be
 *   finite and > 0, maxMs finite and ≥ initialMs, multiplier finite and ≥ 1.
 */
export function checkBackoff(options: BackoffOptions | undefined): Required<BackoffOptions> {
  if (options === undefined) return DEFAULT_BACKOFF;
  const resolved = { multiplier: DEFAULT_BACKOFF.multiplier, ...options };
  const problem =
    !(Number.isFinite(resolved.initialMs) && resolved.initialMs > 0)
      ? `backoff.initialMs: must be a finite number > 0, got ${resolved.initialMs}`
      : !(Number.isFinite(resolved.maxMs) && resolved.maxMs >= resolved.initialMs)
        ? `backoff.maxMs: must be a finite number ≥ initialMs (${resolved.initialMs}), got ${resolved.maxMs}`
        : !(Number.isFinite(resolved.multiplier) && resolved.multiplier >= 1)
          ? `backoff.multiplier: must be a finite number ≥ 1, got ${resolved.multiplier}`
          : undefined;
  if (problem !== undefined) throw new ConnectError(problem, Code.InvalidArgument);
  return resolved;
}
