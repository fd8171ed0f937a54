import { toJsonString } from "@bufbuild/protobuf";
import { RegisterCallerResponseSchema, RotateCallerTokenResponseSchema } from "../gen/monitor/v1/management_service_pb.js";
import { CallerSchema, SubscriptionSchema } from "../gen/monitor/v1/resources_pb.js";
import { toMillis } from "../index.js";
import type { Command } from "./command.js";
import { collectPages } from "./collect-pages.js";
import { formatTable } from "./format-table.js";
import { humanSpan } from "./format-values.js";
import { describeAlertRule, parseAlertRuleFlags } from "./parse-alert-flags.js";
import { parseDurationFlag } from "./parse-human-input.js";

export const callerCommands: readonly Command[] = [
  {
    words: ["callers", "add"],
    args: "CALLER_ID",
    summary: "register a caller (who subscribes and watches) and print its token, once",
    details: `  --name NAME        display name
  --json             the RegisterCallerResponse as JSON (one line), token included
  The caller's token (for its own watch and subscriptions) is shown only now:
  the server keeps just a hash of it. Lost, it is replaced with callers rotate-token.`,
    flags: { name: "value", json: "switch" },
    arity: 1,
    async run(ctx, { positionals, flags }) {
      const response = await ctx.client.management.registerCaller({ callerId: positionals[0]!, displayName: flags.get("name") ?? "" });
      if (flags.has("json")) {
        ctx.out(toJsonString(RegisterCallerResponseSchema, response) + "\n");
        return;
      }
      const id = response.caller!.id;
      ctx.out(`registered caller ${id}\n`);
      if (response.callerToken !== "") ctx.out(tokenLines(id, response.callerToken));
    },
  },
  {
    words: ["callers", "rotate-token"],
    args: "CALLER_ID",
    summary: "issue the caller a new token and revoke its old one at once; print the new one, once",
    details: `  --json             the RotateCallerTokenResponse as JSON (one line)
  Also gives a token to a caller that has none (made before tokens, or from a config file).`,
    flags: { json: "switch" },
    arity: 1,
    async run(ctx, { positionals, flags }) {
      const response = await ctx.client.management.rotateCallerToken({ callerId: positionals[0]! });
      if (flags.has("json")) {
        ctx.out(toJsonString(RotateCallerTokenResponseSchema, response) + "\n");
        return;
      }
      ctx.out(`new token for caller ${positionals[0]}; the old one no longer works\n${tokenLines(positionals[0]!, response.callerToken)}`);
    },
  },
  {
    words: ["callers", "ls"],
    args: "",
    summary: "list callers",
    details: "  --json             one JSON object per line",
    flags: { json: "switch" },
    arity: 0,
    async run(ctx, { flags }) {
      const callers = await collectPages(async (pageToken) => {
        const r = await ctx.client.management.listCallers({ pageSize: 1000, pageToken });
        return [r.callers, r.nextPageToken];
      });
      if (flags.has("json")) for (const c of callers) ctx.out(toJsonString(CallerSchema, c) + "\n");
      else ctx.out(formatTable(["ID", "NAME", "TOKEN"], callers.map((c) => [c.id, c.displayName || "-", c.hasToken ? "yes" : "no"])));
    },
  },
  {
    words: ["callers", "rm"],
    args: "CALLER_ID",
    summary: "unregister a caller (its subscriptions go with it)",
    details: "",
    flags: {},
    arity: 1,
    async run(ctx, { positionals }) {
      await ctx.client.management.unregisterCaller({ callerId: positionals[0]! });
      ctx.out(`unregistered caller ${positionals[0]}\n`);
    },
  },
  {
    words: ["subscribe"],
    args: "CALLER_ID SERVICE_ID",
    summary: "subscribe a caller to a service, or change its subscription",
    details: `  --interval 5s      how often the caller wants the service checked (default: the service's interval)
  --grace 10s        how long the service must stay down before DOWN is announced (default 0s)
  --alert-window 2m  also tell the caller when the service's availability over this
                     sliding window falls below --alert-threshold (10s to 24h; default 2m)
  --alert-threshold 0.8
                     the availability that raises the alert: 0.8 or 80% (default 0.8);
                     either flag sets an availability alert rule; subscribing
                     again with neither removes it`,
    flags: { interval: "value", grace: "value", "alert-window": "value", "alert-threshold": "value" },
    arity: 2,
    async run(ctx, { positionals, flags }) {
      const interval = flags.get("interval");
      const grace = flags.get("grace");
      const rule = parseAlertRuleFlags(flags);
      const { subscription } = await ctx.client.management.subscribe({
        callerId: positionals[0]!,
        serviceId: positionals[1]!,
        ...(interval === undefined ? {} : { pollingInterval: parseDurationFlag("interval", interval) }),
        ...(grace === undefined ? {} : { gracePeriod: parseDurationFlag("grace", grace) }),
        ...(rule === undefined ? {} : { availabilityAlertRule: rule }),
      });
      const s = subscription!;
      const alert = s.availabilityAlertRule === undefined ? "" : `, availability alert ${describeAlertRule(s.availabilityAlertRule)}`;
      ctx.out(
        `${s.callerId} subscribed to ${s.serviceId}: every ${humanSpan(toMillis(s.pollingInterval!))}, grace ${humanSpan(toMillis(s.gracePeriod!))}${alert}\n`,
      );
    },
  },
  {
    words: ["unsubscribe"],
    args: "CALLER_ID SERVICE_ID",
    summary: "end a subscription (the caller hears SubscriptionEnded)",
    details: "",
    flags: {},
    arity: 2,
    async run(ctx, { positionals }) {
      await ctx.client.management.unsubscribe({ callerId: positionals[0]!, serviceId: positionals[1]! });
      ctx.out(`${positionals[0]} unsubscribed from ${positionals[1]}\n`);
    },
  },
  {
    words: ["subscriptions", "ls"],
    args: "",
    summary: "list subscriptions",
    details: `  --caller ID        only this caller's
  --service ID       only this service's
  --json             one JSON object per line`,
    flags: { caller: "value", service: "value", json: "switch" },
    arity: 0,
    async run(ctx, { flags }) {
      const { subscriptions } = await ctx.client.management.listSubscriptions({
        callerId: flags.get("caller") ?? "",
        serviceId: flags.get("service") ?? "",
      });
      if (flags.has("json")) for (const s of subscriptions) ctx.out(toJsonString(SubscriptionSchema, s) + "\n");
      else {
        // The ALERT column only when some subscription has a rule: most have none.
        const withAlerts = subscriptions.some((s) => s.availabilityAlertRule !== undefined);
        const rows = subscriptions.map((s) => {
          const row = [s.callerId, s.serviceId, humanSpan(toMillis(s.pollingInterval!)), humanSpan(toMillis(s.gracePeriod!))];
          return withAlerts ? [...row, s.availabilityAlertRule === undefined ? "-" : describeAlertRule(s.availabilityAlertRule)] : row;
        });
        ctx.out(formatTable(["CALLER", "SERVICE", "INTERVAL", "GRACE", ...(withAlerts ? ["ALERT"] : [])], rows));
      }
    },
  },
];

/** The token on a line of its own (easy to copy or cut), and the one-line note that it will not be shown again. */
function tokenLines(callerId: string, token: string): string {
  return `caller token: ${token}\n(shown only now, the server keeps no copy; a lost token is replaced with: monitorctl callers rotate-token ${callerId})\n`;
}
