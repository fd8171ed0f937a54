/**
 * The only addresses the simulator will bind. The project must never open a
 * socket beyond the machine, so this is an allow-list of literals rather than
 * a resolver check ("localhost" may resolve to either family, or elsewhere).
 */
export const LOOPBACK_HOSTS: readonly string[] = ["127.0.0.1", "::1"];

/** The default bind address for simulated services. */
export const DEFAULT_HOST = "127.0.0.1";

/**
 * True when `host` is one of {@link LOOPBACK_HOSTS}. Shared by the scenario
 * validator (to name the bad field) and the listener (as the last guard).
 */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.includes(host);
}
