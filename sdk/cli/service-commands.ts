import { toJsonString } from "@bufbuild/protobuf";
import { ServiceSchema, type Service } from "../gen/monitor/v1/resources_pb.js";
import { toMillis } from "../index.js";
import type { Command, CommandContext } from "./command.js";
import { formatTable } from "./format-table.js";
import { humanSpan } from "./format-values.js";
import { parseDurationFlag, parseHostPort } from "./parse-human-input.js";
import { collectPages } from "./collect-pages.js";

const address = (s: Service) => (s.host.includes(":") ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`);
const span = (d: Parameters<typeof toMillis>[0] | undefined) => (d === undefined ? "-" : humanSpan(toMillis(d)));

/** Every registered service, following page tokens. */
export function listAllServices(ctx: CommandContext): Promise<Service[]> {
  return collectPages(async (pageToken) => {
    const r = await ctx.client.management.listServices({ pageSize: 1000, pageToken });
    return [r.services, r.nextPageToken];
  });
}

export function printServices(ctx: CommandContext, services: readonly Service[], json: boolean): void {
  if (json) {
    for (const s of services) ctx.out(toJsonString(ServiceSchema, s) + "\n");
    return;
  }
  ctx.out(
    formatTable(
      ["ID", "NAME", "ADDRESS", "INTERVAL", "TIMEOUT"],
      services.map((s) => [s.id, s.displayName || "-", address(s), span(s.checkInterval), span(s.checkTimeout)]),
    ),
  );
}

export const serviceCommands: readonly Command[] = [
  {
    words: ["services", "add"],
    args: "HOST:PORT",
    summary: "register a service to check by TCP connect",
    details: `  --name NAME        display name
  --interval 30s     its own check interval (subscribers may ask for less; 1s minimum)
  --timeout 2s       connect timeout of each check
  --json             print the service as JSON`,
    flags: { name: "value", interval: "value", timeout: "value", json: "switch" },
    arity: 1,
    async run(ctx, { positionals, flags }) {
      const target = parseHostPort(positionals[0]!);
      const interval = flags.get("interval");
      const timeout = flags.get("timeout");
      const { service } = await ctx.client.management.registerService({
        ...target,
        displayName: flags.get("name") ?? "",
        ...(interval === undefined ? {} : { checkInterval: parseDurationFlag("interval", interval) }),
        ...(timeout === undefined ? {} : { checkTimeout: parseDurationFlag("timeout", timeout) }),
      });
      if (flags.has("json")) ctx.out(toJsonString(ServiceSchema, service!) + "\n");
      else ctx.out(`registered ${service!.id} (${address(service!)})\n`);
    },
  },
  {
    words: ["services", "ls"],
    args: "",
    summary: "list registered services",
    details: "  --json             one JSON object per line",
    flags: { json: "switch" },
    arity: 0,
    async run(ctx, { flags }) {
      printServices(ctx, await listAllServices(ctx), flags.has("json"));
    },
  },
  {
    words: ["services", "rm"],
    args: "SERVICE_ID",
    summary: "unregister a service (its subscriptions and outages go with it)",
    details: "",
    flags: {},
    arity: 1,
    async run(ctx, { positionals }) {
      await ctx.client.management.unregisterService({ serviceId: positionals[0]! });
      ctx.out(`unregistered ${positionals[0]}\n`);
    },
  },
];
