import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { WatchResponse } from "../gen/monitor/v1/watch_service_pb.js";
import { ServiceStatus } from "../gen/monitor/v1/resources_pb.js";
import { paintStatus, statusName, type Paint } from "./format-values.js";

const iso = (t: Timestamp | undefined) => (t === undefined ? "-" : timestampDate(t).toISOString());
const address = (host: string, port: number) => (host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`);

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
 */
export function formatWatchEvent(event: WatchResponse, paint: Paint, pending?: ReadonlyMap<string, string>): string {
  const head = `${iso(event.eventTime)}  ${paint.dim(`#${event.sequence}`)}`;
  const e = event.event;
  switch (e.case) {
    case "statusChange": {
      const c = e.value;
      const detail = c.detail === "" ? "" : `  ${c.detail}`;
      return `${head}  ${paintStatus(paint, c.status)}  ${c.serviceId} ${address(c.host, c.port)}  was ${statusName(c.previousStatus)}, since ${iso(c.sinceTime)}${detail}\n`;
    }
    case "subscriptionEnded":
      return `${head}  ${paint.yellow("ENDED")}  ${e.value.serviceId}  ${e.value.reason}\n`;
    case "snapshot": {
      const s = e.value;
      const title = s.resync
        ? paint.yellow("RESYNC snapshot: events were missed and are no longer kept; this is the current state")
        : "snapshot";
      const lines = s.subscriptions.map((sub) =>
        sub.status === ServiceStatus.UNSPECIFIED
          ? `    ${paint.yellow("PENDING")}  ${sub.serviceId} ${address(sub.host, sub.port)}  ${pending?.get(sub.serviceId) ?? "nothing announced yet"}\n`
          : `    ${paintStatus(paint, sub.status)}  ${sub.serviceId} ${address(sub.host, sub.port)}  since ${iso(sub.sinceTime)}\n`,
      );
      const count = `${s.subscriptions.length} subscription${s.subscriptions.length === 1 ? "" : "s"}`;
      return `${head}  ${title}: ${count}\n${lines.join("")}`;
    }
    case undefined:
      return `${head}  (an event of a kind this client does not know; upgrade monitorctl)\n`;
  }
}
