import { toJsonString } from "@bufbuild/protobuf";
import type { ConnectError } from "@connectrpc/connect";
import { WatchResponseSchema } from "../gen/monitor/v1/watch_service_pb.js";
import type { Command } from "./command.js";
import { fetchPendingReasons } from "./fetch-pending-reasons.js";
import { formatWatchEvent } from "./format-watch-event.js";
import { humanSpan } from "./format-values.js";
import { parseCountFlag, parseDurationFlag } from "./parse-human-input.js";
import { UsageError } from "./usage-error.js";

/** How long `watch` keeps trying to reach a server it cannot connect to, unless --forever. */
export const DEFAULT_GIVE_UP_AFTER_MS = 30_000;

/** Errors of the operating system when a connection cannot even be opened. */
const CONNECT_FAILURES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "EADDRNOTAVAIL"]);

/**
 * True when the stream never got to the server (refused, unresolvable,
 * unreachable), as opposed to a stream that was open and then ended: only
 * the first kind counts towards --give-up-after, so a long-lived watch that
 * loses its server for a moment is not given up on.
 */
export function isConnectFailure(error: ConnectError | undefined): boolean {
  const cause: unknown = error?.cause;
  const code = typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : undefined;
  return code !== undefined && CONNECT_FAILURES.has(code);
}

export const watchCommand: Command = {
  words: ["watch"],
  args: "CALLER_ID",
  summary: "print a caller's notifications as they happen; reconnects and resumes on its own",
  details: `  --after N          resume after sequence N (default 0: start with a snapshot)
  --count N          exit after N events, N at least 1 (a snapshot counts as one)
  --give-up-after D  exit 1 after failing to connect for this long (default 30s)
  --forever          never give up reconnecting
  --json             one JSON WatchResponse per line (NDJSON)
  Runs until Ctrl-C; then prints the last sequence, to resume with --after.
  Reconnects after a server restart or a dropped connection without losing or
  repeating an event; an unknown caller ends it with exit code 1. A
  subscription that has announced nothing yet shows as PENDING, with why.`,
  flags: { after: "value", count: "value", "give-up-after": "value", forever: "switch", json: "switch" },
  arity: 1,
  async run(ctx, { positionals, flags }) {
    const callerId = positionals[0]!;
    const after = parseCountFlag("after", flags.get("after") ?? "0");
    const count = flags.has("count") ? parseCountFlag("count", flags.get("count")!) : Infinity;
    if (count === 0) throw new UsageError("--count: must be at least 1 (leave it out to watch until Ctrl-C)");
    const giveUpFlag = flags.get("give-up-after");
    if (giveUpFlag !== undefined && flags.has("forever")) throw new UsageError("--forever and --give-up-after exclude each other");
    const giveUpMs = flags.has("forever") ? Infinity : giveUpFlag === undefined ? DEFAULT_GIVE_UP_AFTER_MS : parseDurationFlag("give-up-after", giveUpFlag);
    const json = flags.has("json");
    let last = BigInt(after);
    let seen = 0;

    // Failing to connect since when (undefined: connected, or not failing);
    // the attempt now failing began when the previous backoff ended.
    let attemptBegan = ctx.now();
    let failingSince: number | undefined;
    let gaveUp: string | undefined;
    const giveUp = new AbortController();
    const events = ctx.client.watch(callerId, {
      afterSequence: after,
      signal: AbortSignal.any([ctx.signal, giveUp.signal]),
      onReconnect: (info) => {
        const now = ctx.now();
        if (isConnectFailure(info.error)) failingSince ??= attemptBegan;
        else failingSince = undefined;
        attemptBegan = now + info.delayMs;
        if (failingSince !== undefined && attemptBegan - failingSince > giveUpMs) {
          gaveUp = `could not connect for ${humanSpan(now - failingSince)} (${info.error?.rawMessage ?? "no answer"}); giving up (--give-up-after D waits longer, --forever never gives up)`;
          giveUp.abort();
          return;
        }
        ctx.err(
          ctx.paint.dim(
            `stream ended${info.error === undefined ? "" : ` (${info.error.message})`}; reconnecting in ${humanSpan(Math.round(info.delayMs))}, ${info.replayFromStart ? "replaying from the start" : `resuming after #${info.afterSequence}`}\n`,
          ),
        );
      },
    });
    for await (const event of events) {
      failingSince = undefined;
      last = event.sequence;
      if (json) ctx.out(toJsonString(WatchResponseSchema, event) + "\n");
      else {
        const pending = event.event.case === "snapshot" ? await fetchPendingReasons(ctx, callerId, event.event.value) : undefined;
        ctx.out(formatWatchEvent(event, ctx.paint, pending));
      }
      if (++seen >= count) break;
    }
    if (gaveUp !== undefined) throw new Error(gaveUp);
    if (ctx.signal.aborted) ctx.err(`stopped after #${last}; resume with: monitorctl watch ${callerId} --after ${last}\n`);
  },
};
