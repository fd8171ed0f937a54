import type { Logger } from "pino";
import type { AuthFailure } from "./authenticate.js";

export interface AuthFailureReport {
  readonly reason: AuthFailure | "permission_denied";
  readonly rpc: string;
  readonly remoteAddress: string | undefined;
}

/** Logs failed authentications; see {@link createAuthFailureLog}. */
export type AuthFailureLog = (report: AuthFailureReport) => void;

const INTERVAL_MS = 1000;

/**
 * Failed calls at warn, at most one line per second per reason, so a flood of
 * bad tokens costs one line a second; the next line says how many were not
 * logged. Never the token: the report does not carry it.
 */
export function createAuthFailureLog(logger: Pick<Logger, "warn">, now: () => number, counted?: (reason: string) => void): AuthFailureLog {
  const last = new Map<string, { at: number; suppressed: number }>();
  return ({ reason, rpc, remoteAddress }) => {
    counted?.(reason);
    const at = now();
    const previous = last.get(reason);
    if (previous !== undefined && at - previous.at < INTERVAL_MS) {
      previous.suppressed++;
      return;
    }
    const suppressed = previous?.suppressed ?? 0;
    last.set(reason, { at, suppressed: 0 });
    logger.warn(
      { reason, rpc, remoteAddress, ...(suppressed > 0 ? { suppressed } : {}) },
      `auth: refused ${rpc} from ${remoteAddress ?? "an unknown address"} (${reason})` +
        (suppressed > 0 ? `; ${suppressed} more refusal(s) for this reason in the last second not logged` : ""),
    );
  };
}
