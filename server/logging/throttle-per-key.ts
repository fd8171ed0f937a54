/**
 * At most one pass per key per `intervalMs`: for log lines a client can cause
 * at will (refused calls), so a flood costs one line a second per reason.
 * Returns how many were held back since the last pass, or undefined when this
 * one is held back too.
 */
export function throttlePerKey(now: () => number, intervalMs = 1000): (key: string) => number | undefined {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (key) => {
    const at = now();
    const previous = last.get(key);
    if (previous !== undefined && at - previous.at < intervalMs) {
      previous.suppressed++;
      return undefined;
    }
    last.set(key, { at, suppressed: 0 });
    return previous?.suppressed ?? 0;
  };
}

/** The tail a throttled line gets when others were held back before it. */
export function suppressedNote(suppressed: number): string {
  return suppressed > 0 ? `; ${suppressed} more refusal(s) for this reason in the last second not logged` : "";
}
