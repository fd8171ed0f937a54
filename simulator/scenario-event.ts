import type { HttpResponseSpec } from "./http-response.js";
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
      /** An HTTP(S) listener's answer changed (script step or cycle), for requests arriving from now on. */
      readonly type: "response";
      readonly atMs: number;
      readonly offsetMs: number;
      readonly scheduledMs: number;
      readonly listener: string;
      /** The whole answer now served. */
      readonly response: HttpResponseSpec;
      /** What differs from the answer before, e.g. `{ status: 503 }`. */
      readonly changed: Partial<HttpResponseSpec>;
    }
  | {
      /** An HTTPS listener made a new certificate; new connections get it (no re-bind). */
      readonly type: "certificate";
      readonly atMs: number;
      readonly offsetMs: number;
      readonly scheduledMs: number;
      readonly listener: string;
      /** As scheduled: negative = already expired. */
      readonly expiresInMs: number;
      /** The certificate's own end of validity (whole seconds, as X.509 keeps it). */
      readonly notAfterMs: number;
    }
  | {
      /** A change failed (e.g. the port stayed taken); the listener keeps its old state. */
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
