/**
 * How many of each caller's most recent events a store keeps (watch stream
 * rule 3 in docs/architecture.md). One definition for both stores, so a
 * server keeps the same window whichever backend it runs on.
 */

/** Events kept per caller unless told otherwise. */
export const DEFAULT_RETENTION_PER_CALLER = 10_000;

/**
 * The retention a store opens with: `option` when given, the default
 * otherwise. Throws RangeError for anything but a positive integer, before
 * the store touches its database.
 */
export function retentionPerCaller(option: number | undefined): number {
  const retention = option ?? DEFAULT_RETENTION_PER_CALLER;
  if (!Number.isSafeInteger(retention) || retention < 1) {
    throw new RangeError(`retentionPerCaller must be a positive integer, got ${retention}`);
  }
  return retention;
}
