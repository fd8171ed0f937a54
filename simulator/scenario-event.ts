import type { ListenerState } from "./scenario.js";

/**
 * What a running scenario reports, in the order it happened. `atMs` is the
 * epoch time *after* the change took effect (socket bound or closed), so a
 * test can tell exactly when a service really went down or came back;
 * `offsetMs` is the same moment relative to the scenario start.
 */
export type ScenarioEvent =
  | {
      /** A listener is bound (port 0 resolved) and in its initial state; emitted before the start. */
      readonly type: "open";
      readonly atMs: number;
      readonly listener: string;
      readonly host: string;
      readonly port: number;
      readonly state: ListenerState;
      /** HTTP(S) listeners only: where to point a check, e.g. "https://127.0.0.1:38523/". */
      readonly url?: string;
    }
  | {
      readonly type: "transition";
      readonly atMs: number;
      readonly offsetMs: number;
      /** Where the schedule placed it; `offsetMs - scheduledMs` is the lag. */
      readonly scheduledMs: number;
      readonly listener: string;
      readonly port: number;
      readonly state: ListenerState;
    }
  | {
      /** A transition failed (e.g. the port stayed taken); the listener keeps its old state. */
      readonly type: "error";
      readonly atMs: number;
      readonly offsetMs: number;
      readonly listener: string;
      readonly message: string;
    }
  | ScenarioEnd;

/** The last event: everything is closed. */
export interface ScenarioEnd {
  readonly type: "end";
  readonly atMs: number;
  readonly offsetMs: number;
  readonly reason: "duration" | "stopped";
}
