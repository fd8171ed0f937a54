import type { Logger } from "pino";
import { suppressedNote, throttlePerKey } from "../logging/throttle-per-key.js";
import type { AuthFailure } from "./authenticate.js";

export interface AuthFailureReport {
  readonly reason: AuthFailure | "permission_denied";
  readonly rpc: string;
  readonly remoteAddress: string | undefined;
}

/** Logs failed authentications; see {@link createAuthFailureLog}. */
export type AuthFailureLog = (report: AuthFailureReport) => void;

/**
 * Failed calls at warn, at most one line per second per reason, so a flood of
 * bad tokens costs one line a second; the next line says how many were not
 * logged. Never the token: the report does not carry it.
 */
export function createAuthFailureLog(logger: Pick<Logger, "warn">, now: () => number, counted?: (reason: string) => void): AuthFailureLog {
  const pass = throttlePerKey(now);
  return ({ reason, rpc, remoteAddress }) => {
    counted?.(reason);
    const suppressed = pass(reason);
    if (suppressed === undefined) return;
    logger.warn(
      { reason, rpc, remoteAddress, ...(suppressed > 0 ? { suppressed } : {}) },
      `auth: refused ${rpc} from ${remoteAddress ?? "an unknown address"} (${reason})${suppressedNote(suppressed)}`,
    );
  };
}
