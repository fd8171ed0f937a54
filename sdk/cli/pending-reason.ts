import { timestampDate, timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import { ServiceStatus, type PlannedOutage, type ServiceState } from "../gen/monitor/v1/resources_pb.js";

const iso = (t: Timestamp) => timestampDate(t).toISOString();

/** What is known about a subscription that has announced nothing yet. */
export interface PendingInput {
  /** The service's observed state (GetService / ListServices). */
  readonly state: ServiceState | undefined;
  /** The subscription's grace period, when known. */
  readonly gracePeriodMs: number | undefined;
  /** The service's planned outages (ListPlannedOutages). */
  readonly outages: readonly PlannedOutage[];
  readonly now: number;
}

/**
 * Why a subscription has announced nothing yet, derived from what the API
 * returns, so `watch` and `status` can say "not checked yet" or "inside a
 * planned outage until …" instead of a bare UNKNOWN with no time:
 *
 * - inside a planned outage: nothing is announced until it ends;
 * - not checked yet: the first check has not finished (its time, if planned);
 * - down but inside its grace: when DOWN will be announced if it stays down;
 * - checked and up: the announcement is on its way.
 */
export function pendingReason({ state, gracePeriodMs, outages, now }: PendingInput): string {
  if (state?.inPlannedOutage === true) {
    const current = outages.find(
      (o) => o.startTime !== undefined && o.endTime !== undefined && timestampMs(o.startTime) <= now && now < timestampMs(o.endTime),
    );
    const until = current?.endTime === undefined ? "" : ` until ${iso(current.endTime)}`;
    return `inside a planned outage${until}`;
  }
  if (state === undefined || state.lastCheckTime === undefined) {
    return state?.nextCheckTime === undefined ? "not checked yet" : `not checked yet (first check at ${iso(state.nextCheckTime)})`;
  }
  const since = state.sinceTime;
  if (state.status === ServiceStatus.DOWN && since !== undefined) {
    if (gracePeriodMs === undefined) return `down since ${iso(since)}, inside its grace period`;
    return `down since ${iso(since)}, DOWN at ${new Date(timestampMs(since) + gracePeriodMs).toISOString()}`;
  }
  if (state.status === ServiceStatus.UP && since !== undefined) return `up since ${iso(since)}, not announced yet`;
  return "nothing announced yet";
}
