import { UNOBSERVED } from "./observe.js";
import { describeTarget, targetKey } from "./service-target.js";
import type { Observation, ServiceConfig } from "./types.js";

/**
 * Whether two settings of one service check the same thing: the same kind of
 * check of the same host:port (TCP) or method and URL (HTTP). When they do
 * not, what was observed of the old target says nothing about the new one
 * (an UpdateService that moves a service starts its observation over). Other
 * settings (a TCP close mode, an HTTP check's accepted statuses or body
 * check) change how the next check judges the same target: what was seen so
 * far still holds until then.
 */
export function checksSameTarget(a: ServiceConfig, b: ServiceConfig): boolean {
  return targetKey(a) === targetKey(b);
}

/**
 * The observation of a service whose target an update changed: nothing
 * known, and a note that the next notification carries so the caller hears
 * why a status may change ("check target changed from 127.0.0.1:8080 to
 * https://example.test/health").
 */
export function observationAfterTargetChange(previous: ServiceConfig, next: ServiceConfig): Observation {
  return { ...UNOBSERVED, note: `check target changed from ${describeTarget(previous)} to ${describeTarget(next)}` };
}
