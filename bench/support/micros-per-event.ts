/**
 * µs of CPU per event (connect, check) second by second: `cores[i]` ÷
 * `rates[i]`. Seconds with no events give no sample.
 */
export function microsPerEvent(cores: readonly number[], rates: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(cores.length, rates.length); i++) {
    if (rates[i]! > 0) out.push((cores[i]! * 1e6) / rates[i]!);
  }
  return out;
}
