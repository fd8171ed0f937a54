/**
 * Milliseconds (possibly fractional, possibly negative) as the whole seconds
 * and 0..999,999,999 nanoseconds that Duration and Timestamp hold. Nanos are
 * rounded to an integer: a float like 0.1 ms × 1e6 is 100000.00000000001,
 * which protobuf's int32 `nanos` rejects.
 */
export function splitMillis(ms: number): { seconds: bigint; nanos: number } {
  let seconds = Math.floor(ms / 1000);
  let nanos = Math.round((ms - seconds * 1000) * 1_000_000);
  if (nanos >= 1_000_000_000) {
    seconds += 1;
    nanos -= 1_000_000_000;
  }
  return { seconds: BigInt(seconds), nanos };
}
