import { toJsonString } from "@bufbuild/protobuf";
import { ServiceSchema } from "../gen/monitor/v1/resources_pb.js";
import { buildServiceUpdate } from "./build-service-update.js";
import type { Command } from "./command.js";
import { serviceTarget } from "./format-target.js";
import { HTTP_FLAGS_HELP, HTTP_UPDATE_FLAGS } from "./http-flags.js";

/** Changing a registered service in place: update (a field mask of the flags given), pause, resume. */
export const serviceChangeCommands: readonly Command[] = [
  {
    words: ["services", "update"],
    args: "SERVICE_ID",
    summary: "change a service's settings; only the flags given change, subscriptions stay",
    details: `  --name NAME        display name
  --interval 30s     its own check interval
  --timeout 2s       timeout of each check
  --address H:P      check this host:port by TCP (switches an HTTP check to TCP)
  --close fin|reset  how a TCP check closes
  --url URL          check this URL (switches a TCP check to HTTP; the HTTP
                     flags not given then take their defaults)
${HTTP_FLAGS_HELP}
  --no-headers       send no extra headers
  --no-invert        up when the body matches / contains (undo --invert)
  --no-insecure      verify TLS certificates again (undo --insecure)
  --json             print the updated service as JSON
  --match '' and --keyword '' remove the body check; --expect '' restores 200-399.
  A new address, URL or kind of check starts the observed state over, and the
  next notification says so.`,
    flags: { name: "value", interval: "value", timeout: "value", address: "value", close: "value", json: "switch", ...HTTP_UPDATE_FLAGS },
    arity: 1,
    async run(ctx, input) {
      // The mask depends on the kind of check the service has now.
      const { service: current } = await ctx.client.management.getService({ serviceId: input.positionals[0]! });
      const { service: updated } = await ctx.client.management.updateService(buildServiceUpdate(current!, input));
      if (input.flags.has("json")) ctx.out(toJsonString(ServiceSchema, updated!) + "\n");
      else ctx.out(`updated ${updated!.id} (${serviceTarget(updated!)})\n`);
    },
  },
  {
    words: ["services", "pause"],
    args: "SERVICE_ID",
    summary: "stop checking a service; nothing is announced for it until resumed (subscribers hear ServicePaused)",
    details: "",
    flags: {},
    arity: 1,
    async run(ctx, { positionals }) {
      const { service } = await ctx.client.management.pauseService({ serviceId: positionals[0]! });
      ctx.out(`paused ${service!.id} (${serviceTarget(service!)})\n`);
    },
  },
  {
    words: ["services", "resume"],
    args: "SERVICE_ID",
    summary: "check a paused service again, from a fresh start (subscribers hear ServiceResumed)",
    details: "",
    flags: {},
    arity: 1,
    async run(ctx, { positionals }) {
      const { service } = await ctx.client.management.resumeService({ serviceId: positionals[0]! });
      ctx.out(`resumed ${service!.id} (${serviceTarget(service!)})\n`);
    },
  },
];
