import { ServiceStatus } from "../gen/monitor/v1/resources_pb.js";
import { toMillis } from "../index.js";
import type { Command } from "./command.js";
import { formatTable } from "./format-table.js";
import { serviceTarget, statusCell } from "./format-target.js";
import { formatLatency, humanSpan, relativeTime } from "./format-values.js";
import { listAllServices, printServices } from "./service-commands.js";

export const statusCommand: Command = {
  words: ["status"],
  args: "",
  summary: "every service with its status (PAUSED; HTTP status code), since when, latency and effective interval",
  details: `  --json             one JSON object per line (the full Service, with state)
  Exit code 0 whatever the statuses; use --json and a filter to alert on them.`,
  flags: { json: "switch" },
  arity: 0,
  async run(ctx, { flags }) {
    const services = await listAllServices(ctx);
    if (flags.has("json")) return printServices(ctx, services, true);
    const now = ctx.now();
    const ms = (t: Parameters<typeof toMillis>[0] | undefined) => (t === undefined ? undefined : toMillis(t));
    const rows = services.map((s) => {
      const st = s.state;
      const status = st === undefined ? ServiceStatus.UNSPECIFIED : st.status;
      const interval = ms(st?.effectiveInterval);
      return [
        s.id,
        s.displayName || "-",
        serviceTarget(s),
        statusCell(ctx.paint, s) + (st?.inPlannedOutage === true ? ctx.paint.yellow(" (outage)") : ""),
        relativeTime(ms(st?.sinceTime), now),
        formatLatency(status === ServiceStatus.UP ? ms(st?.lastLatency) : undefined),
        interval === undefined ? "-" : humanSpan(interval),
        relativeTime(ms(st?.lastCheckTime), now),
        detail(),
      ];
      function detail(): string {
        if (s.paused) return `paused ${relativeTime(ms(s.pauseTime), now)}`;
        // Instead of an UNKNOWN with no reason: nothing has been checked yet, and when it will be.
        if (status === ServiceStatus.UNSPECIFIED) {
          return `pending: not checked yet${st?.nextCheckTime === undefined ? "" : `, first check ${relativeTime(ms(st.nextCheckTime), now)}`}`;
        }
        return st?.detail || "";
      }
    });
    ctx.out(formatTable(["ID", "NAME", "ADDRESS", "STATUS", "SINCE", "LATENCY", "INTERVAL", "CHECKED", "DETAIL"], rows));
  },
};
