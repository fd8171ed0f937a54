import { toJsonString } from "@bufbuild/protobuf";
import { GetServiceStatsResponseSchema } from "../gen/monitor/v1/management_service_pb.js";
import type { Command } from "./command.js";
import { formatStats } from "./format-stats.js";
import { parseWindowFlags } from "./parse-window-flags.js";

export const statsCommand: Command = {
  words: ["stats"],
  args: "SERVICE_ID",
  summary: "a service's availability, downtime, checks, latency percentiles, incidents and current streak, with sparklines",
  details: `  --window 24h       the window ending now (1m to 2 years; default 24h)
  --start TIME       a window from TIME instead: -168h (a week ago), or ISO 8601
  --end TIME         where that window ends (default now; needs --start)
  --json             the GetServiceStatsResponse as JSON (one line)
  Availability is time up / (time up + time down): time in planned outages and
  paused time count as neither. The sparklines chart availability and p95
  latency per bucket, oldest first; a space is a bucket with no data.`,
  flags: { window: "value", start: "value", end: "value", json: "switch" },
  arity: 1,
  async run(ctx, { positionals, flags }) {
    const window = parseWindowFlags(flags, "window", ctx.now(), false);
    const response = await ctx.client.management.getServiceStats({ serviceId: positionals[0]!, ...window });
    if (flags.has("json")) ctx.out(toJsonString(GetServiceStatsResponseSchema, response) + "\n");
    else if (response.stats === undefined) ctx.out("no stats in the answer\n");
    else ctx.out(formatStats(response.stats, ctx.paint));
  },
};
