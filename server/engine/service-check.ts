import type { CheckResult, ServiceConfig } from "../domain/types.js";

/**
 * One check of one service, ready to run: whatever the kind of check, the
 * engine only calls it. Never rejects by contract (a failure is a result).
 */
export type ServiceCheck = () => Promise<CheckResult>;

/**
 * Builds a service's check from its settings, once per settings (not per
 * check). The kind of check is chosen here, outside the engine, so a new
 * kind needs a probe and a branch in check-by-kind.ts, not an engine change.
 */
export type PrepareCheck = (service: ServiceConfig) => ServiceCheck;
