import { toJsonString } from "@bufbuild/protobuf";
import { CheckResultSchema } from "../gen/monitor/v1/resources_pb.js";
import type { Command } from "./command.js";
import { collectUpTo } from "./collect-pages.js";
import { formatCheckResults } from "./format-check-result.js";
import { parseCountFlag } from "./parse-human-input.js";
import { parseWindowFlags } from "./parse-window-flags.js";
import { UsageError } from "./usage-error.js";

/** How many results `history` prints unless --limit says otherwise. */
export const DEFAULT_HISTORY_LIMIT = 50;

/** ListCheckResults' status filters as typed: PAUSED selects the pause markers. */
const HISTORY_STATUSES = ["up", "down", "paused"];

/** `--status down` or `--status down,paused` (or the flag repeated) → the filter's names, checked here for a usage error. */
export function parseHistoryStatuses(values: readonly string[]): string[] {
  const names = values.flatMap((v) => v.split(",")).map((v) => v.trim().toLowerCase());
  for (const name of names) {
    if (!HISTORY_STATUSES.includes(name)) throw new UsageError(`--status: expected ${HISTORY_STATUSES.join(", ")} (or several, comma-separated), got "${name}"`);
  }
  return [...new Set(names)];
}

export const historyCommand: Command = {
  words: ["history"],
  args: "SERVICE_ID",
  summary: "a service's check results, newest first: time, status, latency, HTTP status code, detail; pause markers as PAUSED",
  details: `  --since 1h         only the results of the last hour (default: every result kept)
  --start TIME       only results from TIME: -2h, now, or ISO 8601 (2026-11-23T22:00:00Z)
  --end TIME         only results before TIME (default now; needs --start)
  --status S         only up, down or paused (pause markers); several as down,paused
  --limit N          at most N results (default ${DEFAULT_HISTORY_LIMIT}); more are fetched page by page
  --json             one JSON CheckResult per line (NDJSON), newest first
  When the limit cuts the listing short, stderr says so.`,
  flags: { since: "value", start: "value", end: "value", status: "values", limit: "value", json: "switch" },
  arity: 1,
  async run(ctx, { positionals, flags, lists }) {
    const serviceId = positionals[0]!;
    const window = parseWindowFlags(flags, "since", ctx.now(), true);
    const statuses = parseHistoryStatuses(lists.get("status") ?? []);
    const limit = parseCountFlag("limit", flags.get("limit") ?? String(DEFAULT_HISTORY_LIMIT));
    if (limit === 0) throw new UsageError("--limit: must be at least 1");
    const { items, more } = await collectUpTo(limit, async (pageToken, pageSize) => {
      const r = await ctx.client.management.listCheckResults({ serviceId, ...window, statusFilter: statuses, pageSize, pageToken });
      return [r.results, r.nextPageToken];
    });
    if (flags.has("json")) for (const result of items) ctx.out(toJsonString(CheckResultSchema, result) + "\n");
    else ctx.out(formatCheckResults(items, ctx.paint));
    if (more) ctx.err(ctx.paint.dim(`the ${limit} newest shown; --limit N shows more, --start/--end a narrower window\n`));
  },
};
