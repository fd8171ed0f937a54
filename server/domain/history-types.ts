/**
 * The history's vocabulary (issue 11): what is kept of every check, the
 * minute/hour/day rollups built from it, and the statistics read from both.
 * Plain data like types.ts; times are epoch ms, spans ms.
 */
import type { LatencySketch } from "./latency-sketch.js";
import type { HttpCheckDetails, Millis, Status } from "./types.js";

/**
 * One row of a service's history: a check, or a pause marker. Each row's
 * state stands from its `at` until the next row (a check's at most its
 * `maxSpanMs`: beyond that the monitor did not look, and the time is unknown).
 */
export type HistoryRecord = CheckRecord | PauseMarker;

export interface CheckRecord {
  readonly kind: "check";
  readonly serviceId: string;
  /** When the check started. */
  readonly at: Millis;
  readonly status: "up" | "down";
  readonly latencyMs: number;
  readonly detail: string;
  /** It ran inside a planned outage: its time counts as excluded. */
  readonly inOutage: boolean;
  /**
   * How long this result stands at most if no row follows: twice the
   * service's effective interval plus its timeout when it ran (a check that
   * times out delays the next one by the timeout, which is no gap).
   */
  readonly maxSpanMs: number;
  /** HTTP checks: status code, phases, TLS expiry, captures. */
  readonly http?: HttpCheckDetails;
}

/** The service was paused at `at`; nothing ran until the next row. Its time counts as excluded. */
export interface PauseMarker {
  readonly kind: "pause";
  readonly serviceId: string;
  readonly at: Millis;
}

/** A row as stored: `id` grows with every insert (across services), so it orders writes. */
export type Stored<T> = T & { readonly id: number };

/**
 * A change of a service's observed status (every check counts, no grace):
 * the incident history. `at` is when the new status began.
 */
export interface StatusChangeRecord {
  readonly serviceId: string;
  readonly at: Millis;
  readonly previous: Status;
  readonly status: "up" | "down";
  readonly detail: string;
}

/** Newest-first keyset cursor: the last row of the previous page. */
export interface HistoryCursor {
  readonly at: Millis;
  readonly id: number;
}

export type RollupResolution = "minute" | "hour" | "day";

/** Bucket widths; days are UTC days. */
export const RESOLUTION_MS: Readonly<Record<RollupResolution, number>> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** The start of the bucket of `resolution` holding `at`. */
export function bucketStart(resolution: RollupResolution, at: Millis): Millis {
  const width = RESOLUTION_MS[resolution];
  return Math.floor(at / width) * width;
}

/**
 * One service's rollup for one bucket [startMs, startMs + width). Counts are
 * of the checks that started in it; durations are the parts of the rows'
 * spans that fall in it (a span crossing a boundary is split).
 */
export interface RollupBucket {
  readonly serviceId: string;
  readonly resolution: RollupResolution;
  readonly startMs: Millis;
  checks: number;
  upChecks: number;
  downChecks: number;
  /** Checks that ran inside a planned outage (also counted in checks and up/down). */
  outageChecks: number;
  upMs: number;
  downMs: number;
  /** In planned outages or paused. */
  excludedMs: number;
  /** Latencies of the successful checks (min, max, sum and count are exact). */
  latency: LatencySketch;
  /** HTTP status code → responses. */
  statusCodes: Map<number, number>;
}

/**
 * Where the rollups stand for one service: its last rolled-up row, whose
 * span has not ended yet (the next row, or stats' "now", ends it).
 */
export interface RollupTail {
  readonly serviceId: string;
  readonly at: Millis;
  /** What its span counts as. */
  readonly state: "up" | "down" | "excluded";
  /** A check's span ends at most this long after `at`; 0 for no limit (a pause marker). */
  readonly maxSpanMs: number;
}

/** Latency figures in ms; undefined when no successful check. */
export interface LatencySummary {
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly minMs: number;
  readonly maxMs: number;
}

/** One point of the chart series. */
export interface StatsBucket {
  readonly startMs: Millis;
  readonly availability: number | undefined;
  readonly checks: number;
  readonly upChecks: number;
  readonly downChecks: number;
  readonly downMs: number;
  readonly latencyP95Ms: number | undefined;
  readonly latencyMeanMs: number | undefined;
}

/** What GetServiceStats answers (the API's ServiceStats). */
export interface ServiceStats {
  readonly serviceId: string;
  /** The window covered (whole buckets, so possibly a little wider than asked). */
  readonly startMs: Millis;
  readonly endMs: Millis;
  readonly availability: number | undefined;
  readonly upMs: number;
  readonly downMs: number;
  readonly excludedMs: number;
  readonly unknownMs: number;
  readonly checks: number;
  readonly upChecks: number;
  readonly downChecks: number;
  readonly outageChecks: number;
  readonly latency: LatencySummary | undefined;
  /** Ascending by code. */
  readonly statusCodes: readonly { readonly code: number; readonly count: number }[];
  /** Changes to down inside the window. */
  readonly incidents: number;
  readonly currentStreak: CurrentStreak;
  readonly bucketWidthMs: number;
  readonly buckets: readonly StatsBucket[];
}

export interface CurrentStreak {
  readonly status: Status;
  readonly sinceMs: Millis | undefined;
  readonly paused: boolean;
  /** The last failure's start and, once over, its end; undefined when the history holds none. */
  readonly lastFailure: { readonly startMs: Millis; readonly endMs: Millis | undefined } | undefined;
}
