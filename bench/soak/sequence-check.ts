/**
 * What one watcher heard across all its streams, checked as it arrives: each
 * event must be the one after the last (a resume from sequence k must bring
 * k+1 next, however the stream before it ended). A gap is an event lost, a
 * repeat one delivered twice: both are what the Watch API promises never
 * happens.
 */
export interface SequenceCheck {
  /** The next event; returns what it was. */
  accept(sequence: bigint, digest: string): "next" | "gap" | "repeat";
  /** The last sequence accepted in order (the resume point). */
  readonly last: bigint;
  readonly gaps: number;
  readonly repeats: number;
  /** Digest of every event accepted, by sequence. */
  readonly digests: ReadonlyMap<bigint, string>;
}

export function createSequenceCheck(): SequenceCheck {
  let last = 0n;
  let gaps = 0;
  let repeats = 0;
  const digests = new Map<bigint, string>();
  return {
    accept(sequence, digest) {
      if (sequence <= last) {
        repeats++;
        return "repeat";
      }
      const verdict = sequence === last + 1n ? "next" : "gap";
      if (verdict === "gap") gaps++;
      last = sequence;
      digests.set(sequence, digest);
      return verdict;
    },
    get last() {
      return last;
    },
    get gaps() {
      return gaps;
    },
    get repeats() {
      return repeats;
    },
    digests,
  };
}
