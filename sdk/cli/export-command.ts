import { configFileFromRegistry } from "../config/config-file-from-registry.js";
import { formatConfigFile } from "../config/config-file.js";
import type { Command } from "./command.js";
import { collectPages } from "./collect-pages.js";
import { listAllServices } from "./service-commands.js";

/**
 * `monitorctl export > monitor.json`: the registry as a config file, so a
 * set-up made by hand can be put under version control and given to a fresh
 * server with `--config`. Outages that have ended are not listed by the API,
 * so they are not exported.
 */
export const exportCommand: Command = {
  words: ["export"],
  args: "",
  summary: "print the registry as a config file (for --config), e.g. monitorctl export > monitor.json",
  details: "",
  flags: {},
  arity: 0,
  async run(ctx) {
    const { management } = ctx.client;
    const [services, callers, { subscriptions }, { outages }] = await Promise.all([
      listAllServices(ctx),
      collectPages(async (pageToken) => {
        const r = await management.listCallers({ pageSize: 1000, pageToken });
        return [r.callers, r.nextPageToken];
      }),
      management.listSubscriptions({ callerId: "", serviceId: "" }),
      management.listPlannedOutages({ serviceId: "" }),
    ]);
    ctx.out(formatConfigFile(configFileFromRegistry({ services, callers, subscriptions, outages })));
  },
};
