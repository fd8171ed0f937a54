import { toJsonString } from "@bufbuild/protobuf";
import { PlannedOutageSchema } from "../gen/monitor/v1/resources_pb.js";
import { toMillis } from "../index.js";
import type { Command } from "./command.js";
import { formatTable } from "./format-table.js";
import { relativeTime } from "./format-values.js";
import { parseDurationFlag, parseTimeFlag } from "./parse-human-input.js";
import { UsageError } from "./usage-error.js";

export const outageCommands: readonly Command[] = [
  {
    words: ["outages", "add"],
    args: "SERVICE_ID",
    summary: "plan an outage: no notifications for the service inside the window (checks go on)",
    details: `  --start TIME       when it starts: now (default), +10m, or ISO 8601 (2026-11-23T22:00:00Z)
  --end TIME         when it ends (same forms; +DURATION counts from now)
  --for 30m          how long it lasts, instead of --end
  --reason TEXT      shown in listings`,
    flags: { start: "value", end: "value", for: "value", reason: "value" },
    arity: 1,
    async run(ctx, { positionals, flags }) {
      const now = ctx.now();
      const start = parseTimeFlag("start", flags.get("start") ?? "now", now);
      const end = flags.get("end");
      const span = flags.get("for");
      if ((end === undefined) === (span === undefined)) throw new UsageError("give exactly one of --end and --for");
      const endMs = end !== undefined ? parseTimeFlag("end", end, now) : start + parseDurationFlag("for", span!);
      const { outage } = await ctx.client.management.schedulePlannedOutage({
        serviceId: positionals[0]!,
        startTime: new Date(start),
        endTime: new Date(endMs),
        reason: flags.get("reason") ?? "",
      });
      ctx.out(
        `planned outage ${outage!.id} for ${outage!.serviceId}: ${new Date(start).toISOString()} to ${new Date(endMs).toISOString()}\n`,
      );
    },
  },
  {
    words: ["outages", "ls"],
    args: "[SERVICE_ID]",
    summary: "list planned outages (every service's unless one is named)",
    details: "  --json             one JSON object per line",
    flags: { json: "switch" },
    arity: [0, 1],
    async run(ctx, { positionals, flags }) {
      const { outages } = await ctx.client.management.listPlannedOutages({ serviceId: positionals[0] ?? "" });
      if (flags.has("json")) {
        for (const o of outages) ctx.out(toJsonString(PlannedOutageSchema, o) + "\n");
        return;
      }
      const now = ctx.now();
      const rows = outages.map((o) => {
        const start = toMillis(o.startTime!);
        const end = toMillis(o.endTime!);
        const state = now >= end ? "ended" : now >= start ? "active" : "planned";
        return [o.id, o.serviceId, state, new Date(start).toISOString(), new Date(end).toISOString(), relativeTime(end, now), o.reason || "-"];
      });
      ctx.out(formatTable(["ID", "SERVICE", "STATE", "START", "END", "ENDS", "REASON"], rows));
    },
  },
  {
    words: ["outages", "cancel"],
    args: "OUTAGE_ID",
    summary: "cancel a planned outage (an active one ends now, and status is reconciled)",
    details: "",
    flags: {},
    arity: 1,
    async run(ctx, { positionals }) {
      await ctx.client.management.cancelPlannedOutage({ outageId: positionals[0]! });
      ctx.out(`cancelled outage ${positionals[0]}\n`);
    },
  },
];
