import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Duration, Timestamp } from "@bufbuild/protobuf/wkt";
import type { WatchResponse } from "../gen/monitor/v1/watch_service_pb.js";
import { ServiceStatus } from "../gen/monitor/v1/resources_pb.js";
import { formatAddress } from "./format-target.js";
import { toMillis } from "../to-millis.js";
import { humanSpan, paintStatus, statusName, type Paint } from "./format-values.js";

const iso = (t: Timestamp | undefined) => (t === undefined ? "-" : timestampDate(t).toISOString());
/** What the event is about: the URL of an HTTP check, else host:port. */
const target = (e: { readonly host: string; readonly port: number; readonly url: string }) => (e.url === "" ? formatAddress(e.host, e.port) : e.url);

/** An availability or threshold (0 to 1) as a percentage: "72.5%", "80%". */
const percent = (fraction: number) => `${Number((fraction * 100).toFixed(3))}%`;
/** "availability 72.5% over 2m" (the rule's window). */
const availabilityOver = (a: { readonly availability: number; readonly window?: Duration | undefined }) =>
  `availability ${percent(a.availability)}${a.window === undefined ? "" : ` over ${humanSpan(toMillis(a.window))}`}`;

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
 *
 * Availability alerts say the availability over the rule's window and the
 * threshold it crossed:
 *
 *     2026-11-23T11:02:00.000Z  #10  AVAILABILITY ALERT  svc_01 127.0.0.1:5432  availability 72.5% over 2m, below 80%
 *     2026-11-23T11:05:00.000Z  #11  AVAILABILITY RECOVERED  svc_01 127.0.0.1:5432  availability 80.833% over 2m, back at or above 80%
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
    case "availabilityAlert": {
      const a = e.value;
      return `${head}  ${paint.red("AVAILABILITY ALERT")}  ${a.serviceId} ${target(a)}  ${availabilityOver(a)}, below ${percent(a.threshold)}\n`;
    }
    case "availabilityRecovered": {
      const a = e.value;
      return `${head}  ${paint.green("AVAILABILITY RECOVERED")}  ${a.serviceId} ${target(a)}  ${availabilityOver(a)}, back at or above ${percent(a.threshold)}\n`;
    }
    case "snapshot": {
      const s = e.value;
      const title = s.resync
        ? paint.yellow("RESYNC snapshot: events were missed and are no longer kept; this is the current state")
        : "snapshot";
      const lines = s.subscriptions.map((sub) => {
        const paused = (sub.paused ? `  ${paint.yellow("(paused)")}` : "") + (sub.availabilityAlert ? `  ${paint.red("(availability alert)")}` : "");
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
