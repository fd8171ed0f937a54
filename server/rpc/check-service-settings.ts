import type { ServiceConfig } from "../domain/types.js";
import { checkTarget } from "./check-probe.js";
import type { ServiceSettingsInput } from "./service-settings.js";
import { DEFAULTS, LIMITS, checkDuration, checkText } from "./validate.js";

/** A service's settings as checked: everything but what the server keeps itself (id, times, pause, origin). */
export type CheckedServiceSettings = Pick<
  ServiceConfig,
  "host" | "port" | "displayName" | "checkIntervalMs" | "checkTimeoutMs" | "probe"
>;

/**
 * The one check of a service's settings, for RegisterService and for the
 * result of an UpdateService mask alike, so no rule has a second copy.
 * Unset durations take their defaults; throws invalid_argument naming the
 * field, with `prefix` before it ("service." in UpdateService).
 */
export function checkServiceSettings(req: ServiceSettingsInput, prefix = ""): CheckedServiceSettings {
  const target = checkTarget(req, prefix);
  const displayName = checkText(req.displayName, `${prefix}display_name`, LIMITS.displayNameLength);
  const checkIntervalMs = checkDuration(
    req.checkInterval,
    `${prefix}check_interval`,
    LIMITS.interval,
    DEFAULTS.checkIntervalMs,
  );
  const checkTimeoutMs = checkDuration(
    req.checkTimeout,
    `${prefix}check_timeout`,
    LIMITS.timeout,
    DEFAULTS.checkTimeoutMs,
  );
  return {
    host: target.host,
    port: target.port,
    displayName,
    checkIntervalMs,
    checkTimeoutMs,
    ...(target.probe === undefined ? {} : { probe: target.probe }),
  };
}
