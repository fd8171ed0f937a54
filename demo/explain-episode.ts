/** A time a listener was down, in ms offsets from the demo start; `upMs` undefined = still down at the end. */
export interface DownEpisode {
  readonly listener: string;
  readonly downMs: number;
  readonly upMs: number | undefined;
}

export interface Window {
  readonly startMs: number;
  readonly endMs: number;
}

/** What the notification rules say a caller should hear about one episode, and why. */
export interface Expectation {
  /** When DOWN is due (ignoring check spacing), or undefined if nothing is announced. */
  readonly downDueMs: number | undefined;
  readonly why: string;
}

const secs = (ms: number) => `${+(ms / 1000).toFixed(1)}s`;

/**
 * docs/architecture.md's notification rules 2 and 4 applied to one down episode, in
 * continuous time (the real server also rounds to its checks, so what a caller
 * hears comes up to a check interval later). Used by the demo to explain, in
 * words, what each caller heard.
 */
export function explainEpisode(episode: DownEpisode, graceMs: number, outages: readonly Window[]): Expectation {
  const { downMs, upMs } = episode;
  const end = upMs ?? Number.POSITIVE_INFINITY;
  if (outages.some((w) => w.startMs <= downMs && end <= w.endMs)) {
    return { downDueMs: undefined, why: "down and back up inside a planned outage" };
  }
  const graceEnds = downMs + graceMs;
  const covering = outages.find((w) => w.startMs <= graceEnds && graceEnds < w.endMs);
  if (covering !== undefined) {
    return covering.endMs < end
      ? { downDueMs: covering.endMs, why: "grace ran out inside a planned outage; still down when it ended" }
      : { downDueMs: undefined, why: "grace ran out inside a planned outage, and it was back before the outage ended" };
  }
  return graceEnds < end
    ? { downDueMs: graceEnds, why: `down longer than its ${secs(graceMs)} grace` }
    : { downDueMs: undefined, why: `back within its ${secs(graceMs)} grace` };
}

/** Splits a listener's transitions (offsets, in order) into down episodes. */
export function downEpisodes(listener: string, transitions: readonly { offsetMs: number; state: "up" | "down" }[]): DownEpisode[] {
  const episodes: DownEpisode[] = [];
  let downMs: number | undefined;
  for (const t of transitions) {
    if (t.state === "down" && downMs === undefined) downMs = t.offsetMs;
    if (t.state === "up" && downMs !== undefined) {
      episodes.push({ listener, downMs, upMs: t.offsetMs });
      downMs = undefined;
    }
  }
  if (downMs !== undefined) episodes.push({ listener, downMs, upMs: undefined });
  return episodes;
}
