import type { ServiceConfig } from "./types.js";

/**
 * Whether two settings of one service check the same thing: same host, port
 * and way of checking. When they do not, what was observed of the old target
 * says nothing about the new one (an UpdateService that moves a service
 * starts its observation over).
 */
export function checksSameTarget(a: ServiceConfig, b: ServiceConfig): boolean {
  return (
    a.host.toLowerCase() === b.host.toLowerCase() &&
    a.port === b.port &&
    a.probe?.kind === b.probe?.kind &&
    a.probe?.closeMode === b.probe?.closeMode
  );
}
