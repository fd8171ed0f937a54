/**
 * What a stop signal means, decided without touching the process (main.ts
 * installs it): the first SIGINT/SIGTERM starts a graceful stop; the same
 * signal again within `repeatWindowMs` is the same interrupt delivered twice
 * and is ignored; a signal after that forces an immediate exit.
 *
 * Why the window: Ctrl-C signals the terminal's whole process group, so under
 * `npm start` the server receives SIGINT from the terminal and, a moment
 * later, the copy npm relays to its child. Taking that copy for an operator's
 * second Ctrl-C turned every other graceful stop into "exit at once".
 */
export type SignalVerdict = "stop" | "repeat" | "force";

export interface StopSignals {
  /** What to do with `signal`, received at `now` (ms). */
  receive(signal: NodeJS.Signals, now: number): SignalVerdict;
}

export const SIGNAL_REPEAT_WINDOW_MS = 1000;

export function createStopSignals(repeatWindowMs = SIGNAL_REPEAT_WINDOW_MS): StopSignals {
  let first: { readonly signal: NodeJS.Signals; readonly at: number } | undefined;
  return {
    receive(signal, now) {
      if (first === undefined) {
        first = { signal, at: now };
        return "stop";
      }
      return signal === first.signal && now - first.at < repeatWindowMs ? "repeat" : "force";
    },
  };
}
