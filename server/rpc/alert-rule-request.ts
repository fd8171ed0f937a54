import { durationMs } from "@bufbuild/protobuf/wkt";
import type { AvailabilityAlertRule as AlertRuleMessage } from "@service-monitor/sdk/gen/monitor/v1/resources_pb.js";
import { checkAvailabilityAlertRule } from "../domain/field-rules.js";
import { invalidArgument } from "../domain/monitor-error.js";
import type { AvailabilityAlertRule } from "../domain/types.js";

const FIELD = "availability_alert_rule";

/**
 * SubscribeRequest's availability_alert_rule as the subscription stores it:
 * unset is no rule (so subscribing again without one removes it); a window
 * or threshold left 0 takes its default (2 min, 0.8). Throws invalid_argument
 * naming `availability_alert_rule.window` or `.threshold`.
 */
export function checkAlertRuleRequest(rule: AlertRuleMessage | undefined): AvailabilityAlertRule | undefined {
  if (rule === undefined) return undefined;
  const window = rule.window;
  if (window !== undefined && (window.nanos < -999_999_999 || window.nanos > 999_999_999)) {
    throw invalidArgument(`${FIELD}.window`, "nanos must be within ±999,999,999");
  }
  // A zero Duration and an unset one both mean the default, as the proto's "default 2m" reads.
  const windowMs = window === undefined ? 0 : Math.round(durationMs(window));
  return checkAvailabilityAlertRule({ windowMs, threshold: rule.threshold }, `${FIELD}.`);
}
