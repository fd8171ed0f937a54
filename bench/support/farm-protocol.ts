/**
 * Messages between the bench driver and its listener farm (a child process
 * holding the simulated services), over Node's IPC channel with "advanced"
 * serialization so typed arrays cross without JSON.
 */

export type FarmRequest =
  /** Opens `count` more listeners (up); answers with their ports. */
  | { readonly id: number; readonly op: "open"; readonly count: number }
  /** Takes listeners up or down; answers with Date.now() once all have settled. */
  | { readonly id: number; readonly op: "set"; readonly indices: readonly number[]; readonly state: "up" | "down" }
  /** Starts a measurement window: counts, and gaps against checks `intervalMs` apart, from now on. */
  | { readonly id: number; readonly op: "window"; readonly intervalMs: number }
  /** Ends the window (starting the next one) and answers with a {@link FarmWindow}. */
  | { readonly id: number; readonly op: "collect" }
  | { readonly id: number; readonly op: "close" };

/** What the listeners saw during one window. */
export interface FarmWindow {
  readonly durationMs: number;
  /** Accepted connections in the window, all listeners together. */
  readonly accepts: number;
  /** Accepted connections per listener, by index. */
  readonly perListener: Uint32Array;
  /**
   * For each accept whose listener had accepted before: the gap since that
   * accept minus the interval, in ms — the check's lateness as the service
   * sees it (the server plans each check one interval after the last start).
   */
  readonly lateness: Float64Array;
  /** Per listener, Date.now() of its first accept in the window; NaN if none. */
  readonly firstAccepts: Float64Array;
  /**
   * The farm's own event-loop delay in the window (p99, ms): how late it
   * may have stamped an accept because it was busy or not scheduled.
   */
  readonly loopDelayP99Ms: number;
}

/** What each request answers. */
export interface FarmResults {
  readonly open: number[];
  readonly set: number;
  readonly window: null;
  readonly collect: FarmWindow;
  readonly close: null;
}
