import type { Millis, Observation } from "./types.js";

/** What the engine knows of one service right now, for GetService and ListServices. */
export interface ServiceState {
  readonly observation: Observation;
  readonly effectiveIntervalMs: number;
  readonly inPlannedOutage: boolean;
  readonly nextCheckAt: Millis | undefined;
}

/**
 * Read access to the engine's view of services. The rpc layer depends on this
 * interface, not on the engine, so handlers can be tested with a fixed state.
 */
export interface ServiceStateSource {
  stateOf(serviceId: string): ServiceState | undefined;
}
