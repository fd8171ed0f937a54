import { UsageError } from "./usage-error.js";

/**
 * The flags a command accepts: a name (without "--") and whether it takes a
 * value, is a switch, or takes a value and may be repeated ("values", e.g.
 * `--header 'A: 1' --header 'B: 2'`).
 */
export type FlagSpec = Readonly<Record<string, "value" | "values" | "switch">>;

export interface ParsedCommandLine {
  readonly positionals: readonly string[];
  /** Flag values by name (a repeated flag's last); a switch that is present holds "true". */
  readonly flags: ReadonlyMap<string, string>;
  /** Every value of each repeatable ("values") flag given, in order. */
  readonly lists: ReadonlyMap<string, readonly string[]>;
}

/**
 * Splits arguments into positionals and flags. `--flag value` and
 * `--flag=value` both work; `--` ends the flags. Unknown flags and missing
 * values are usage errors naming the flag, so a typo never silently becomes
 * a positional.
 */
export function parseCommandLine(args: readonly string[], spec: FlagSpec): ParsedCommandLine {
  const positionals: string[] = [];
  const flags = new Map<string, string>();
  const lists = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("--") || arg === "-") {
      if (arg === "-h") flags.set("help", "true");
      else positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const kind = spec[name];
    if (kind === undefined) throw new UsageError(`unknown flag --${name}`);
    if (kind === "switch") {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      flags.set(name, "true");
      continue;
    }
    const value = eq !== -1 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || (eq === -1 && value.startsWith("--"))) throw new UsageError(`--${name} needs a value`);
    flags.set(name, value);
    if (kind === "values") lists.set(name, [...(lists.get(name) ?? []), value]);
  }
  return { positionals, flags, lists };
}
