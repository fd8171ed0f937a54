import { toJsonString } from "@bufbuild/protobuf";
import { WatchResponseSchema } from "../gen/monitor/v1/watch_service_pb.js";
import type { Command } from "./command.js";
import { formatWatchEvent } from "./format-watch-event.js";
import { humanSpan } from "./format-values.js";
import { parseCountFlag } from "./parse-human-input.js";

export const watchCommand: Command = {
  words: ["watch"],
  args: "CALLER_ID",
  summary: "print a caller's notifications as they happen; reconnects and resumes on its own",
  details: `  --after N          resume after sequence N (default 0: start with a snapshot)
  --count N          exit after N events (a snapshot counts as one)
  --json             one JSON WatchResponse per line (NDJSON)
  Runs until Ctrl-C; then prints the last sequence, to resume with --after.
  Reconnects after a server restart or a dropped connection without losing or
  repeating an event; an unknown caller ends it with exit code 1.`,
  flags: { after: "value", count: "value", json: "switch" },
  arity: 1,
  async run(ctx, { positionals, flags }) {
    const after = parseCountFlag("after", flags.get("after") ?? "0");
    const count = flags.has("count") ? parseCountFlag("count", flags.get("count")!) : Infinity;
    const json = flags.has("json");
    let last = BigInt(after);
    let seen = 0;
    if (count === 0) return;
    const events = ctx.client.watch(positionals[0]!, {
      afterSequence: after,
      signal: ctx.signal,
      onReconnect: (info) =>
        ctx.err(
          ctx.paint.dim(
            `stream ended${info.error === undefined ? "" : ` (${info.error.message})`}; reconnecting in ${humanSpan(Math.round(info.delayMs))}, ${info.replayFromStart ? "replaying from the start" : `resuming after #${info.afterSequence}`}\n`,
          ),
        ),
    });
    for await (const event of events) {
      last = event.sequence;
      ctx.out(json ? toJsonString(WatchResponseSchema, event) + "\n" : formatWatchEvent(event, ctx.paint));
      if (++seen >= count) break;
    }
    if (ctx.signal.aborted) ctx.err(`stopped after #${last}; resume with: monitorctl watch ${positionals[0]} --after ${last}\n`);
  },
};
