import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { WatchResponse } from "../gen/monitor/v1/watch_service_pb.js";
import { ServiceStatus } from "../gen/monitor/v1/resources_pb.js";
import { formatAddress } from "./format-target.js";
import { paintStatus, statusName, type Paint } from "./format-values.js";

const iso = (t: Timestamp | undefined) => (t === undefined ? "-" : timestampDate(t).toISOString());
/** What the event is about: the URL of an HTTP check, else host:port. */
const target = (e: { readonly host: string; readonly port: number; readonly url: string }) => (e.url === "" ? formatAddress(e.host, e.port) : e.url);

/**
 * One readable line per event (a snapshot adds a line per subscription):
 *
 *     2026-11-23T11:00:03.104Z  #7  DOWN  svc_01 127.0.0.1:5432  was UP, since 2026-11-23T11:00:00.101Z  connection refused
 *
 * A snapshot's subscription that has announced nothing yet is PENDING, with
 * the reason from `pending` (by service id; see fetchPendingReasons), since
 * "UNKNOWN since -" tells nobody anything:
 *
 *         PENDING  svc_01 127.0.0.1:5432  inside a planned outage until 2026-11-23T12:00:00.000Z
 *
 * An HTTP check's change names its URL and the deciding response's status
 * code; pausing and resuming are lines of their own:
 *
 *     2026-11-23T11:00:03.104Z  #8  DOWN  svc_02 https://example.test/health  HTTP 503  was UP, since …  status 503 not in 200–399
 *     2026-11-23T11:01:00.000Z  #9  PAUSED  svc_02  not checked until resumed
 */
export function formatWatchEvent(event: WatchResponse, paint: Paint, pending?: ReadonlyMap<string, string>): string {
  const head = `${iso(event.eventTime)}  ${paint.dim(`#${event.sequence}`)}`;
  const e = event.event;
  switch (e.case) {
    case "statusChange": {
      const c = e.value;
      const detail = c.detail === "" ? "" : `  ${c.detail}`;
      const code = c.http === undefined ? "" : c.http.statusCode === 0 ? "  no HTTP response" : `  HTTP ${c.http.statusCode}`;
      return `${head}  ${paintStatus(paint, c.status)}  ${c.serviceId} ${target(c)}${code}  was ${statusName(c.previousStatus)}, since ${iso(c.sinceTime)}${detail}\n`;
    }
    case "subscriptionEnded":
      return `${head}  ${paint.yellow("ENDED")}  ${e.value.serviceId}  ${e.value.reason}\n`;
    case "servicePaused":
      return `${head}  ${paint.yellow("PAUSED")}  ${e.value.serviceId}  not checked until resumed\n`;
    case "serviceResumed":
      return `${head}  ${paint.green("RESUMED")}  ${e.value.serviceId}  checked again from a fresh start\n`;
    case "snapshot": {
      const s = e.value;
      const title = s.resync
        ? paint.yellow("RESYNC snapshot: events were missed and are no longer kept; this is the current state")
        : "snapshot";
      const lines = s.subscriptions.map((sub) => {
        const paused = sub.paused ? `  ${paint.yellow("(paused)")}` : "";
        return sub.status === ServiceStatus.UNSPECIFIED
          ? `    ${paint.yellow("PENDING")}  ${sub.serviceId} ${target(sub)}  ${sub.paused ? "paused" : (pending?.get(sub.serviceId) ?? "nothing announced yet")}\n`
          : `    ${paintStatus(paint, sub.status)}  ${sub.serviceId} ${target(sub)}  since ${iso(sub.sinceTime)}${paused}\n`;
      });
      const count = `${s.subscriptions.length} subscription${s.subscriptions.length === 1 ? "" : "s"}`;
      return `${head}  ${title}: ${count}\n${lines.join("")}`;
    }
    case undefined:
      return `${head}  (an event of a kind this client does not know; upgrade monitorctl)\n`;
  }
}
