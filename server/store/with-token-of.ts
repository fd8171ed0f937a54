import type { CallerConfig } from "../domain/types.js";

/**
 * The caller as `input` describes it, with the token hash `previous` has:
 * only a rotation changes a token (an object typed without tokenHash may
 * still carry one at run time, hence the explicit strip).
 */
export function withTokenOf(previous: CallerConfig, input: Omit<CallerConfig, "tokenHash">): CallerConfig {
  const { tokenHash: _, ...rest } = input as CallerConfig;
  return previous.tokenHash === undefined ? rest : { ...rest, tokenHash: previous.tokenHash };
}
