import type { MonitorClient } from "../index.js";
import type { FlagSpec, ParsedCommandLine } from "./parse-command-line.js";
import type { Paint } from "./format-values.js";

/** What a command may use: the SDK client, output, the time, and a signal that fires on Ctrl-C. */
export interface CommandContext {
  readonly client: MonitorClient;
  readonly out: (text: string) => void;
  /** Progress and warnings (e.g. reconnects), kept off stdout so it stays parseable. */
  readonly err: (text: string) => void;
  readonly paint: Paint;
  readonly now: () => number;
  readonly signal: AbortSignal;
}

export interface Command {
  /** The words that name it, e.g. ["services", "add"]. */
  readonly words: readonly string[];
  /** The arguments after the words, for usage lines, e.g. "HOST:PORT". */
  readonly args: string;
  readonly summary: string;
  /** Extra help: flags and examples. */
  readonly details: string;
  readonly flags: FlagSpec;
  /** Exact number of positionals, or [min, max]. */
  readonly arity: number | readonly [number, number];
  run(ctx: CommandContext, input: ParsedCommandLine): Promise<void>;
}
