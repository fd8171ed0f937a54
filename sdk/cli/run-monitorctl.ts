import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { createMonitorClient } from "../index.js";
import { callerCommands } from "./caller-commands.js";
import { CONNECTION_FLAGS, connectionOptions, DEFAULT_SERVER } from "./connection-options.js";
import type { Command } from "./command.js";
import { exportCommand } from "./export-command.js";
import { createPaint } from "./format-values.js";
import { grpcCodeName } from "./grpc-code-name.js";
import { historyCommand } from "./history-command.js";
import { outageCommands } from "./outage-commands.js";
import { parseCommandLine } from "./parse-command-line.js";
import { serviceChangeCommands } from "./service-change-commands.js";
import { serviceCommands } from "./service-commands.js";
import { statsCommand } from "./stats-command.js";
import { statusCommand } from "./status-command.js";
import { UsageError } from "./usage-error.js";
import { watchCommand } from "./watch-command.js";

export const COMMANDS: readonly Command[] = [...serviceCommands, ...serviceChangeCommands, ...callerCommands, ...outageCommands, statusCommand, historyCommand, statsCommand, watchCommand, exportCommand];

export { DEFAULT_SERVER };

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** Colour only on a terminal, and never with NO_COLOR. */
  readonly isTty: boolean;
  /** Aborted on Ctrl-C: `watch` ends cleanly. */
  readonly signal: AbortSignal;
  readonly now?: () => number;
  /** A ready transport (tests: an in-memory router) instead of one to --server. */
  readonly transport?: Transport;
}

const GLOBAL_HELP = `  --server URL       the monitor (default ${DEFAULT_SERVER}; env MONITOR_SERVER);
                     https://host:port speaks TLS
  --protocol P       grpc (default) or connect
  --token TOKEN      sent as "authorization: Bearer TOKEN" (env MONITOR_TOKEN): an admin
                     token to manage, a caller's own token to watch it; never printed
  --tls-ca FILE      PEM CA to trust for an https:// server (env MONITOR_TLS_CA;
                     the system's CAs otherwise)
  --tls-cert FILE    PEM client certificate, for a server that asks for one (env MONITOR_TLS_CLIENT_CERT)
  --tls-key FILE     its PEM private key (env MONITOR_TLS_CLIENT_KEY)
  --no-color         plain output even on a terminal (also env NO_COLOR)
  --help, -h         help for any command`;

function usageLine(command: Command): string {
  return `monitorctl ${command.words.join(" ")}${command.args === "" ? "" : ` ${command.args}`}`;
}

function overview(prefix: readonly string[] = []): string {
  const matching = COMMANDS.filter((c) => prefix.every((w, i) => c.words[i] === w));
  const width = Math.max(...matching.map((c) => usageLine(c).length));
  const lines = matching.map((c) => `  ${usageLine(c).padEnd(width)}  ${c.summary}`);
  return `Usage: monitorctl COMMAND [flags]\n\nCommands:\n${lines.join("\n")}\n\nGlobal flags:\n${GLOBAL_HELP}\n\nDurations: 500ms, 5s, 1.5s, 10m, 2h. Times: now, +10m, -1h, or ISO 8601.\n`;
}

function commandHelp(command: Command): string {
  const flags = command.details === "" ? "" : `\nFlags:\n${command.details}\n`;
  return `Usage: ${usageLine(command)} [flags]\n\n${command.summary}\n${flags}\nGlobal flags:\n${GLOBAL_HELP}\n`;
}

/** Pulls the global flags out wherever they stand, leaving the command's own. */
function splitGlobalFlags(argv: readonly string[]) {
  const rest: string[] = [];
  const globals = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (name !== null && Object.hasOwn(CONNECTION_FLAGS, name[1]!)) {
      const value = name[2] ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${name[1]} needs a value`);
      globals.set(name[1]!, value);
    } else if (arg === "--no-color") globals.set("no-color", "true");
    else rest.push(arg);
  }
  return { rest, globals };
}

/** What to try next, for the codes where monitorctl's own flags are the likely fix. */
function hintFor(code: Code): string {
  switch (code) {
    case Code.Unavailable:
      return " (is the server running? set --server or MONITOR_SERVER)";
    case Code.Unauthenticated:
    case Code.PermissionDenied:
      return "\nHint: pass --token or set MONITOR_TOKEN: an admin token for management, the caller's own token for its watch";
    default:
      return "";
  }
}

/**
 * The whole CLI as a function: arguments in, exit code out (0 done, 1 the
 * server refused or could not be reached, 2 a usage error). main.ts binds it
 * to the process; tests call it directly.
 */
export async function runMonitorctl(argv: readonly string[], io: CliIo): Promise<number> {
  let command: Command | undefined;
  try {
    const { rest, globals } = splitGlobalFlags(argv);
    const wantsHelp = rest.includes("--help") || rest.includes("-h");
    const words = rest.filter((a) => !a.startsWith("-"));
    // A command's words come first: `monitorctl services add HOST:PORT --name db`.
    command = COMMANDS.find((c) => c.words.every((w, i) => rest[i] === w));
    if (command === undefined) {
      const group = words.length > 0 && COMMANDS.some((c) => c.words[0] === words[0]) ? [words[0]!] : [];
      if (wantsHelp || rest.length === 0) {
        io[wantsHelp ? "stdout" : "stderr"](overview(group));
        return wantsHelp ? 0 : 2;
      }
      if (group.length > 0) {
        // `monitorctl services`: say what is missing, and what it could be.
        const subcommands = COMMANDS.filter((c) => c.words[0] === group[0]).map((c) => c.words[1]);
        const problem =
          words.length === 1
            ? `"${group[0]}" needs a subcommand: ${subcommands.join(", ")}`
            : `unknown ${group[0]} command "${words.slice(0, 2).join(" ")}"; expected one of: ${subcommands.join(", ")}`;
        io.stderr(`monitorctl: ${problem}\n\n${overview(group)}`);
        return 2;
      }
      throw new UsageError(`unknown command "${words[0] ?? rest[0]}"`);
    }
    if (wantsHelp) {
      io.stdout(commandHelp(command));
      return 0;
    }
    const input = parseCommandLine(rest.slice(command.words.length), command.flags);
    const [min, max] = typeof command.arity === "number" ? [command.arity, command.arity] : command.arity;
    if (input.positionals.length < min || input.positionals.length > max) {
      throw new UsageError(`expected ${command.args === "" ? "no arguments" : command.args}, got ${input.positionals.length === 0 ? "none" : `"${input.positionals.join(" ")}"`}`);
    }
    const connection = await connectionOptions(globals, io.env);
    const color = io.isTty && !globals.has("no-color") && (io.env["NO_COLOR"] ?? "") === "";
    const client = createMonitorClient(
      io.transport === undefined ? connection : { transport: io.transport, ...(connection.token === undefined ? {} : { token: connection.token }) },
    );
    try {
      await command.run(
        { client, out: io.stdout, err: io.stderr, paint: createPaint(color), now: io.now ?? Date.now, signal: io.signal },
        input,
      );
    } finally {
      client.close();
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      const hint = command === undefined ? "monitorctl --help" : `${usageLine(command)} --help`;
      io.stderr(`monitorctl: ${error.message}\nSee: ${hint}\n`);
      return 2;
    }
    if (error instanceof ConnectError) {
      io.stderr(`monitorctl: ${grpcCodeName(error.code)}: ${error.rawMessage}${hintFor(error.code)}\n`);
      return 1;
    }
    io.stderr(`monitorctl: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
