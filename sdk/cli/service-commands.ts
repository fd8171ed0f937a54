import { toJsonString } from "@bufbuild/protobuf";
import { ServiceSchema, TcpCloseMode, type Service } from "../gen/monitor/v1/resources_pb.js";
import { toMillis } from "../index.js";
import type { Command, CommandContext } from "./command.js";
import { formatTable } from "./format-table.js";
import { humanSpan } from "./format-values.js";
import { parseDurationFlag, parseHostPort } from "./parse-human-input.js";
import { collectPages } from "./collect-pages.js";
import { UsageError } from "./usage-error.js";

const address = (s: Service) => (s.host.includes(":") ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`);
const span = (d: Parameters<typeof toMillis>[0] | undefined) => (d === undefined ? "-" : humanSpan(toMillis(d)));

/** Every registered service, following page tokens. */
export function listAllServices(ctx: CommandContext): Promise<Service[]> {
  return collectPages(async (pageToken) => {
    const r = await ctx.client.management.listServices({ pageSize: 1000, pageToken });
    return [r.services, r.nextPageToken];
  });
}

/** `--close fin|reset` → the TcpCloseMode to register with. */
function parseCloseFlag(value: string): TcpCloseMode {
  if (value === "fin") return TcpCloseMode.FIN;
  if (value === "reset") return TcpCloseMode.RESET;
  throw new UsageError(`--close: expected fin or reset, got "${value}"`);
}

/** How a service's checks close: its own choice, or "default" (the server's --tcp-close). */
function closeName(s: Service): string {
  if (s.probe.case !== "tcp") return "-";
  const mode = s.probe.value.closeMode;
  return mode === TcpCloseMode.FIN ? "fin" : mode === TcpCloseMode.RESET ? "reset" : "default";
}

export function printServices(ctx: CommandContext, services: readonly Service[], json: boolean): void {
  if (json) {
    for (const s of services) ctx.out(toJsonString(ServiceSchema, s) + "\n");
    return;
  }
  ctx.out(
    formatTable(
      ["ID", "NAME", "ADDRESS", "INTERVAL", "TIMEOUT", "CLOSE"],
      services.map((s) => [s.id, s.displayName || "-", address(s), span(s.checkInterval), span(s.checkTimeout), closeName(s)]),
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
  --close fin|reset  how a check closes once connected: fin, an ordinary close
                     (the application sees a client hang up), or reset (RST: no
                     TIME_WAIT on the monitor, but the application sees a reset).
                     Default: the server's --tcp-close (fin unless set)
  --json             print the service as JSON`,
    flags: { name: "value", interval: "value", timeout: "value", close: "value", json: "switch" },
    arity: 1,
    async run(ctx, { positionals, flags }) {
      const target = parseHostPort(positionals[0]!);
      const interval = flags.get("interval");
      const timeout = flags.get("timeout");
      const close = flags.get("close");
      const { service } = await ctx.client.management.registerService({
        ...target,
        displayName: flags.get("name") ?? "",
        ...(interval === undefined ? {} : { checkInterval: parseDurationFlag("interval", interval) }),
        ...(timeout === undefined ? {} : { checkTimeout: parseDurationFlag("timeout", timeout) }),
        ...(close === undefined ? {} : { probe: { case: "tcp" as const, value: { closeMode: parseCloseFlag(close) } } }),
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
