import type { BenchContext } from "../support/bench-context.js";
import type { ScenarioResult } from "../support/report.js";
import { startWebFarm } from "../support/web-farm.js";
import { httpCheckCost } from "./http-check-cost.js";
import { httpEndToEnd } from "./http-end-to-end.js";

/**
 * Scenario 9 (issue 10): HTTP(S) checks. First what one check costs — the
 * server's probes and the bare clients beside them, each in a closed loop of
 * its own process (http-check-cost.ts) — then the real server checking
 * 2,000 HTTP services at 1 s on one core, and as many TCP ones
 * (http-end-to-end.ts). One web farm (its own process) serves both halves.
 */
export async function httpChecks(ctx: BenchContext): Promise<ScenarioResult[]> {
  const web = await startWebFarm();
  try {
    return [...(await httpCheckCost(ctx, web)), ...(await httpEndToEnd(ctx, web))];
  } finally {
    await web.close();
  }
}
