import { toJsonString } from "@bufbuild/protobuf";
import { ServiceSchema, TcpCloseMode, type Service } from "../gen/monitor/v1/resources_pb.js";
import { toMillis } from "../index.js";
import type { Command, CommandContext } from "./command.js";
import { buildRegisterRequest } from "./build-register-request.js";
import { collectPages } from "./collect-pages.js";
import { formatServiceDetail } from "./format-service-detail.js";
import { formatTable } from "./format-table.js";
import { serviceTarget, statusCell } from "./format-target.js";
import { humanSpan } from "./format-values.js";
import { HTTP_ADD_FLAGS, HTTP_FLAGS_HELP } from "./http-flags.js";
import { UsageError } from "./usage-error.js";

const span = (d: Parameters<typeof toMillis>[0] | undefined) => (d === undefined ? "-" : humanSpan(toMillis(d)));

/** ListServices' selection: a substring of name, host or URL, and a state ("" for all). */
export interface ServiceListFilter {
  readonly filter?: string;
  readonly statusFilter?: string;
}

/** Every registered service (or every one the filter selects), following page tokens. */
export function listAllServices(ctx: CommandContext, selection: ServiceListFilter = {}): Promise<Service[]> {
  return collectPages(async (pageToken) => {
    const r = await ctx.client.management.listServices({
      pageSize: 1000,
      pageToken,
      filter: selection.filter ?? "",
      ...(selection.statusFilter === undefined ? {} : { statusFilter: selection.statusFilter }),
    });
    return [r.services, r.nextPageToken];
  });
}

/** How a service's checks close: its own choice, or "default" (the server's --tcp-close); "-" for HTTP. */
function closeName(s: Service): string {
  if (s.probe.case !== "tcp") return "-";
  const mode = s.probe.value.closeMode;
  return mode === TcpCloseMode.FIN ? "fin" : mode === TcpCloseMode.RESET ? "reset" : "default";
}

/** `services ls`: one row per service, its URL for an HTTP check, PAUSED or its last status (and HTTP code). */
export function formatServiceList(ctx: Pick<CommandContext, "paint">, services: readonly Service[]): string {
  return formatTable(
    ["ID", "NAME", "ADDRESS", "INTERVAL", "TIMEOUT", "CLOSE", "STATUS"],
    services.map((s) => [s.id, s.displayName || "-", serviceTarget(s), span(s.checkInterval), span(s.checkTimeout), closeName(s), statusCell(ctx.paint, s)]),
  );
}

export function printServices(ctx: CommandContext, services: readonly Service[], json: boolean): void {
  if (json) for (const s of services) ctx.out(toJsonString(ServiceSchema, s) + "\n");
  else ctx.out(formatServiceList(ctx, services));
}

const STATUS_FILTERS = ["up", "down", "paused", "unknown"];

export const serviceCommands: readonly Command[] = [
  {
    words: ["services", "add"],
    args: "HOST:PORT|URL",
    summary: "register a service: HOST:PORT is checked by TCP connect, an http(s):// URL by an HTTP request",
    details: `  --name NAME        display name
  --interval 30s     its own check interval (subscribers may ask for less; 1s minimum)
  --timeout 2s       timeout of each check (for HTTP, the whole exchange)
  --json             print the service as JSON
TCP (HOST:PORT):
  --close fin|reset  how a check closes once connected: fin, an ordinary close
                     (the application sees a client hang up), or reset (RST: no
                     TIME_WAIT on the monitor, but the application sees a reset).
                     Default: the server's --tcp-close (fin unless set)
HTTP (URL):
${HTTP_FLAGS_HELP}
Example: monitorctl services add https://example.test/health --expect 200-299 --match 'ok'`,
    flags: { name: "value", interval: "value", timeout: "value", close: "value", json: "switch", ...HTTP_ADD_FLAGS },
    arity: 1,
    async run(ctx, input) {
      const { service } = await ctx.client.management.registerService(buildRegisterRequest(input));
      const { flags } = input;
      if (flags.has("json")) ctx.out(toJsonString(ServiceSchema, service!) + "\n");
      else ctx.out(`registered ${service!.id} (${serviceTarget(service!)})\n`);
    },
  },
  {
    words: ["services", "ls"],
    args: "",
    summary: "list registered services (PAUSED, or the last status; HTTP checks with their URL and status code)",
    details: `  --filter TEXT      only those whose name, host, host:port or URL contains TEXT (any case)
  --status S         only those up, down, paused or unknown (not checked yet)
  --json             one JSON object per line`,
    flags: { filter: "value", status: "value", json: "switch" },
    arity: 0,
    async run(ctx, { flags }) {
      const status = flags.get("status");
      if (status !== undefined && !STATUS_FILTERS.includes(status.toLowerCase())) {
        throw new UsageError(`--status: expected one of ${STATUS_FILTERS.join(", ")}, got "${status}"`);
      }
      const filter = flags.get("filter");
      const selection = { ...(filter === undefined ? {} : { filter }), ...(status === undefined ? {} : { statusFilter: status }) };
      printServices(ctx, await listAllServices(ctx, selection), flags.has("json"));
    },
  },
  {
    words: ["services", "get"],
    args: "SERVICE_ID",
    summary: "one service: its settings, and what its last check saw (HTTP: status code, phases, TLS expiry, captures)",
    details: "  --json             the Service as JSON",
    flags: { json: "switch" },
    arity: 1,
    async run(ctx, { positionals, flags }) {
      const { service } = await ctx.client.management.getService({ serviceId: positionals[0]! });
      if (flags.has("json")) ctx.out(toJsonString(ServiceSchema, service!) + "\n");
      else ctx.out(formatServiceDetail(service!, ctx.paint, ctx.now()));
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
