/**
 * Command-line flags and environment of the server, parsed without side
 * effects. Each option is one entry of {@link OPTIONS}: its flag, its
 * environment variable, its default and how its value is read, so adding an
 * option is one entry (the usage text and the result type follow from it).
 */
import { parseArgs } from "node:util";
import { parseDuration } from "@service-monitor/sdk";
import { LOG_FORMATS, LOG_LEVELS } from "./logging/log-settings.js";
import { readRetention, retentionFlagsError } from "./history-retention-flags.js";
import { parseAdminTokensEnv } from "./auth/admin-token-list.js";
import { DEFAULT_REGISTRY_LIMITS } from "./limits/registry-limits.js";
import { DEFAULT_ALLOW_TARGETS, parseTargetPolicy, type TargetPolicy } from "./limits/target-policy.js";

/** Reads one option's value; a string is the error message (it names the flag). */
type ReadValue<T> = (value: string, flag: string) => T | { readonly error: string };

interface OptionSpec<T> {
  /** The long flag without dashes, e.g. "data-dir". */
  readonly flag: string;
  readonly env: string;
  /** The default, as it would be written on the command line. */
  readonly default: string;
  /** What the value looks like in the usage text, e.g. "HOST:PORT". */
  readonly placeholder: string;
  readonly help: string;
  readonly read: ReadValue<T>;
  /** A flag that takes no value (e.g. --no-reflection); its value reads as "true" when given. */
  readonly boolean?: true;
  /** Read from the environment only: a secret must not show in the process list. */
  readonly envOnly?: true;
}

const option = <T>(spec: OptionSpec<T>): OptionSpec<T> => spec;

const failed = (error: string) => ({ error });

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** "HOST:PORT", "[v6]:PORT" or ":PORT" (host 127.0.0.1). */
export const parseListen: ReadValue<ListenAddress> = (value, flag) => {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value);
  if (match === null) return failed(`--${flag}: expected HOST:PORT, got ${JSON.stringify(value)}`);
  const host = match[1] ?? match[2] ?? "";
  const port = Number(match[3]);
  if (port > 65535) return failed(`--${flag}: port must be 0-65535, got ${port}`);
  return { host: host === "" ? "127.0.0.1" : host, port };
};

/** "true" (the flag given, or the variable set to true/1) or "false". */
const flagSet: ReadValue<boolean> = (value, flag) => {
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0" || value === "") return false;
  return failed(`--${flag}: expected true or false, got ${JSON.stringify(value.slice(0, 64))}`);
};

const nonEmpty: ReadValue<string> = (value, flag) => (value === "" ? failed(`--${flag} needs a value`) : value);

/** One of `choices`, as written. */
const oneOf =
  <const C extends readonly string[]>(choices: C): ReadValue<C[number]> =>
  (value, flag) =>
    choices.includes(value) ? (value as C[number]) : failed(`--${flag}: expected one of ${choices.join(", ")}, got ${JSON.stringify(value.slice(0, 64))}`);

/** HOST:PORT to serve something optional on, or "off" (or empty) for not at all. */
const optionalListen: ReadValue<ListenAddress | undefined> = (value, flag) =>
  value === "" || value === "off" ? undefined : parseListen(value, flag);

/** The largest `--max-request-bytes` accepted. */
const MAX_REQUEST_BYTES_LIMIT = 64 * 1024 * 1024;

/** A whole number ≥ 1, e.g. a limit. */
export const positiveInteger: ReadValue<number> = (value, flag) =>
  /^[1-9]\d*$/.test(value) && Number.isSafeInteger(Number(value))
    ? Number(value)
    : failed(`--${flag}: expected a whole number of at least 1, got ${JSON.stringify(value.slice(0, 64))}`);

/** A duration above zero such as "500ms", "30s", "5m", "1h"; the value is in milliseconds. */
export const positiveDuration: ReadValue<number> = (value, flag) => {
  const parsed = parseDuration(value);
  if (!parsed.ok) return failed(`--${flag}: ${parsed.message}`);
  return parsed.ms > 0 ? parsed.ms : failed(`--${flag}: must be more than 0, got ${JSON.stringify(value)}`);
};

/** How a TCP check closes once connected, for services that chose no close mode. */
const tcpCloseMode: ReadValue<"fin" | "reset"> = (value, flag) =>
  value === "fin" || value === "reset" ? value : failed(`--${flag}: expected fin or reset, got ${JSON.stringify(value.slice(0, 64))}`);

/** "sqlite" (or empty): the embedded store in the data dir; else a PostgreSQL URL. */
const database: ReadValue<string | undefined> = (value, flag) => {
  if (value === "" || value === "sqlite") return undefined;
  if (/^postgres(ql)?:\/\/./.test(value)) return value;
  // Never echo the value: it may hold a password.
  return failed(`--${flag}: expected "sqlite" or a postgres:// URL`);
};

/** A file path, or "none" (or empty) for none. */
const optionalFile: ReadValue<string | undefined> = (value) => (value === "" || value === "none" ? undefined : value);

/** TLS needs both halves of the pair; a client CA means nothing without a server certificate. */
function tlsPairError(args: Pick<ServerArgs, "tlsCert" | "tlsKey" | "tlsClientCa">): string | undefined {
  if (args.tlsCert !== undefined && args.tlsKey === undefined) return "--tls-cert needs --tls-key (MONITOR_TLS_KEY): the certificate's private key";
  if (args.tlsKey !== undefined && args.tlsCert === undefined) return "--tls-key needs --tls-cert (MONITOR_TLS_CERT): the certificate of that key";
  if (args.tlsClientCa !== undefined && args.tlsCert === undefined) return "--tls-client-ca needs --tls-cert and --tls-key: client certificates are asked for over TLS only";
  return undefined;
}

/** Every option of the server. */
export const OPTIONS = {
  listen: option({
    flag: "listen",
    env: "MONITOR_LISTEN",
    default: "127.0.0.1:50051",
    placeholder: "HOST:PORT",
    help: "address to serve gRPC on; port 0 picks a free port, logged at start-up",
    read: parseListen,
  }),
  dataDir: option({
    flag: "data-dir",
    env: "MONITOR_DATA_DIR",
    default: "./data",
    placeholder: "DIR",
    help: "where the server keeps its data (one server per directory)",
    read: nonEmpty,
  }),
  database: option({
    flag: "database",
    env: "MONITOR_DATABASE_URL",
    default: "sqlite",
    placeholder: "sqlite|URL",
    help: "where the server keeps everything: sqlite = <data-dir>/monitor.db, or postgres://USER@HOST:PORT/DB (one server per database)",
    read: database,
  }),
  tcpClose: option({
    flag: "tcp-close",
    env: "MONITOR_TCP_CLOSE",
    default: "fin",
    placeholder: "fin|reset",
    help: "how checks close a connection they opened, unless the service chose: fin (ordinary) or reset (RST, no TIME_WAIT)",
    read: tcpCloseMode,
  }),
  logLevel: option({
    flag: "log-level",
    env: "MONITOR_LOG_LEVEL",
    default: "info",
    placeholder: "LEVEL",
    help: `least severe log lines written: ${LOG_LEVELS.join(", ")}`,
    read: oneOf(LOG_LEVELS),
  }),
  logFormat: option({
    flag: "log-format",
    env: "MONITOR_LOG_FORMAT",
    default: "json",
    placeholder: "FORMAT",
    help: "json (one object per line) or pretty (for a terminal)",
    read: oneOf(LOG_FORMATS),
  }),
  metricsListen: option({
    flag: "metrics-listen",
    env: "MONITOR_METRICS_LISTEN",
    default: "off",
    placeholder: "HOST:PORT",
    help: "serve Prometheus metrics at http://HOST:PORT/metrics (unauthenticated: keep it on loopback)",
    read: optionalListen,
  }),
  maxWatchStreamsPerCaller: option({
    flag: "max-watch-streams-per-caller",
    env: "MONITOR_MAX_WATCH_STREAMS_PER_CALLER",
    default: "16",
    placeholder: "N",
    help: "open Watch streams one caller id may hold; more are refused with RESOURCE_EXHAUSTED",
    read: positiveInteger,
  }),
  maxWatchStreamsPerConnection: option({
    flag: "max-watch-streams-per-connection",
    env: "MONITOR_MAX_WATCH_STREAMS_PER_CONNECTION",
    default: "100",
    placeholder: "N",
    help: "open Watch streams one HTTP/2 connection may carry; more are refused with RESOURCE_EXHAUSTED",
    read: positiveInteger,
  }),
  watchBufferEvents: option({
    flag: "watch-buffer-events",
    env: "MONITOR_WATCH_BUFFER_EVENTS",
    default: "1000",
    placeholder: "N",
    help: "live events a Watch stream may hold unsent; a stream further behind is cut with RESOURCE_EXHAUSTED",
    read: positiveInteger,
  }),
  maxRequestBytes: option({
    flag: "max-request-bytes",
    env: "MONITOR_MAX_REQUEST_BYTES",
    default: "1048576",
    placeholder: "N",
    help: "largest request message accepted, in bytes (at most 64 MiB); larger ones are refused with RESOURCE_EXHAUSTED",
    read: (value, flag) => {
      const bytes = positiveInteger(value, flag);
      // connect refuses more than 4 GiB at start-up; no request of this API comes near 64 MiB.
      return typeof bytes === "number" && bytes > MAX_REQUEST_BYTES_LIMIT
        ? failed(`--${flag}: must be at most ${MAX_REQUEST_BYTES_LIMIT} (64 MiB), got ${bytes}`)
        : bytes;
    },
  }),
  maxConnections: option({
    flag: "max-connections",
    env: "MONITOR_MAX_CONNECTIONS",
    default: "4096",
    placeholder: "N",
    help: "open TCP connections at most; further ones are closed as soon as they are accepted",
    read: positiveInteger,
  }),
  idleTimeout: option({
    flag: "idle-timeout",
    env: "MONITOR_IDLE_TIMEOUT",
    default: "5m",
    placeholder: "DURATION",
    help: "close an HTTP/2 connection that has had no open call for this long (a Watch keeps it open)",
    read: positiveDuration,
  }),
  historyRetention: option({
    flag: "history-retention",
    env: "MONITOR_HISTORY_RETENTION",
    default: "7d",
    placeholder: "DURATION",
    help: "how long every check's row is kept (ListCheckResults); at least 1h",
    read: readRetention,
  }),
  minuteRollupRetention: option({
    flag: "minute-rollup-retention",
    env: "MONITOR_MINUTE_ROLLUP_RETENTION",
    default: "48h",
    placeholder: "DURATION",
    help: "how long minute rollups (stats' finest buckets) are kept",
    read: readRetention,
  }),
  hourRollupRetention: option({
    flag: "hour-rollup-retention",
    env: "MONITOR_HOUR_ROLLUP_RETENTION",
    default: "90d",
    placeholder: "DURATION",
    help: "how long hour rollups are kept; at least --minute-rollup-retention",
    read: readRetention,
  }),
  rollupInterval: option({
    flag: "rollup-interval",
    env: "MONITOR_ROLLUP_INTERVAL",
    default: "1m",
    placeholder: "DURATION",
    help: "how often check rows are folded into the minute/hour/day rollups (stats read the rest from the rows)",
    read: positiveDuration,
  }),
  dayRollupRetention: option({
    flag: "day-rollup-retention",
    env: "MONITOR_DAY_ROLLUP_RETENTION",
    default: "730d",
    placeholder: "DURATION",
    help: "how long day rollups and status changes are kept; at least --hour-rollup-retention",
    read: readRetention,
  }),
  config: option({
    flag: "config",
    env: "MONITOR_CONFIG",
    default: "none",
    placeholder: "FILE",
    help: "JSON file declaring services, callers, subscriptions and outages, applied at start and whenever it changes",
    read: (value) => (value === "" || value === "none" ? undefined : value),
  }),
  adminTokens: option<readonly string[] | undefined>({
    flag: "admin-tokens",
    env: "MONITOR_ADMIN_TOKENS",
    default: "",
    placeholder: "TOKENS",
    help: "comma-separated admin tokens (at least 16 characters, no whitespace); turns auth on",
    envOnly: true,
    read: (value) => {
      if (value.trim() === "") return undefined;
      const parsed = parseAdminTokensEnv(value);
      // Never echoes a token: the message names its position only.
      return parsed.ok ? parsed.tokens : failed(`MONITOR_ADMIN_TOKENS: ${parsed.error}`);
    },
  }),
  adminTokensFile: option({
    flag: "admin-tokens-file",
    env: "MONITOR_ADMIN_TOKENS_FILE",
    default: "none",
    placeholder: "FILE",
    help: "file of admin tokens, one a line (# comments), re-read when it changes; turns auth on",
    read: (value) => (value === "" || value === "none" ? undefined : value),
  }),
  insecureNoAuth: option({
    flag: "insecure-no-auth",
    env: "MONITOR_INSECURE_NO_AUTH",
    default: "false",
    placeholder: "",
    help: "allow listening on a non-loopback address without admin tokens (anyone who reaches it can manage everything)",
    boolean: true,
    read: flagSet,
  }),
  // TLS: the certificate and key together, or neither (tlsPairError).
  tlsCert: option({
    flag: "tls-cert",
    env: "MONITOR_TLS_CERT",
    default: "none",
    placeholder: "FILE",
    help: "PEM certificate (chain) to serve gRPC over TLS with (https); needs --tls-key; re-read on SIGHUP and when it changes",
    read: optionalFile,
  }),
  tlsKey: option({
    flag: "tls-key",
    env: "MONITOR_TLS_KEY",
    default: "none",
    placeholder: "FILE",
    help: "PEM private key of --tls-cert (unencrypted); re-read with it",
    read: optionalFile,
  }),
  tlsClientCa: option({
    flag: "tls-client-ca",
    env: "MONITOR_TLS_CLIENT_CA",
    default: "none",
    placeholder: "FILE",
    help: "PEM CA certificate(s): every client must present a certificate they signed (mTLS); needs --tls-cert",
    read: optionalFile,
  }),
  noReflection: option({
    flag: "no-reflection",
    env: "MONITOR_NO_REFLECTION",
    default: "false",
    placeholder: "",
    help: "do not serve gRPC server reflection",
    boolean: true,
    read: flagSet,
  }),
  // Limits on what clients may make the server hold and do (server/limits/).
  maxServices: option({
    flag: "max-services",
    env: "MONITOR_MAX_SERVICES",
    default: String(DEFAULT_REGISTRY_LIMITS.maxServices),
    placeholder: "N",
    help: "services registered at most; one more is refused with RESOURCE_EXHAUSTED (updates never are)",
    read: positiveInteger,
  }),
  maxCallers: option({
    flag: "max-callers",
    env: "MONITOR_MAX_CALLERS",
    default: String(DEFAULT_REGISTRY_LIMITS.maxCallers),
    placeholder: "N",
    help: "callers registered at most; one more is refused with RESOURCE_EXHAUSTED",
    read: positiveInteger,
  }),
  maxSubscriptions: option({
    flag: "max-subscriptions",
    env: "MONITOR_MAX_SUBSCRIPTIONS",
    default: String(DEFAULT_REGISTRY_LIMITS.maxSubscriptions),
    placeholder: "N",
    help: "subscriptions at most (all callers together); one more is refused with RESOURCE_EXHAUSTED",
    read: positiveInteger,
  }),
  maxMutationRate: option({
    flag: "max-mutation-rate",
    env: "MONITOR_MAX_MUTATION_RATE",
    default: "100",
    placeholder: "N",
    help: "mutating RPCs per second per client (token or, with auth off, address); more are refused with RESOURCE_EXHAUSTED; 0 = no limit",
    read: (value, flag) => (value === "0" ? 0 : positiveInteger(value, flag)),
  }),
  mutationBurst: option({
    flag: "mutation-burst",
    env: "MONITOR_MUTATION_BURST",
    default: "1000",
    placeholder: "N",
    help: "mutating RPCs a client may make at once before --max-mutation-rate applies",
    read: positiveInteger,
  }),
  allowTargets: option<TargetPolicy>({
    flag: "allow-targets",
    env: "MONITOR_ALLOW_TARGETS",
    default: DEFAULT_ALLOW_TARGETS,
    placeholder: "LIST",
    help: "hosts checks may reach: comma-separated CIDRs, host names, *.domain, * (all); ! excludes; the first match decides, no match is refused",
    read: (value, flag) => {
      const policy = parseTargetPolicy(value);
      return typeof policy === "string" ? failed(`--${flag}: ${policy}`) : policy;
    },
  }),
};

type Options = typeof OPTIONS;

/** The parsed value of every option. */
export type ServerArgs = {
  readonly [K in keyof Options]: Options[K] extends OptionSpec<infer T> ? T : never;
};

export type ParsedArgs =
  | { readonly kind: "run"; readonly args: ServerArgs }
  | { readonly kind: "help"; readonly text: string }
  | { readonly kind: "error"; readonly message: string; readonly usage: string };

function usage(): string {
  const rows = Object.values(OPTIONS as Record<string, OptionSpec<unknown>>).map((spec) => ({
    left: spec.envOnly === true ? `(env only) ${spec.placeholder}` : `--${spec.flag} ${spec.placeholder}`.trimEnd(),
    right: [`${spec.help} (default ${spec.default})`, `env: ${spec.env}`],
  }));
  const width = Math.max(...rows.map((row) => row.left.length), "--help".length) + 2;
  const lines = rows.flatMap((row) => row.right.map((text, i) => `  ${(i === 0 ? row.left : "").padEnd(width)}${text}`));
  return [
    "Usage: service-monitor [OPTIONS]   (from a checkout: npm start -- [OPTIONS])",
    "",
    ...lines,
    `  ${"--help".padEnd(width)}this text`,
    "",
    "Flags win over the environment.",
    "",
  ].join("\n");
}

export const USAGE = usage();

/** node:util's messages name the flag but not in our words; keep ours short and consistent. */
function describeParseError(error: unknown): string {
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
  const message = error instanceof Error ? error.message : String(error);
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const flag = /'([^']+)'/.exec(message)?.[1] ?? message;
    return `unknown argument ${JSON.stringify(flag)}`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const flag = /'(--[a-z-]+)/.exec(message)?.[1];
    if (flag !== undefined) return `${flag} needs a value`;
  }
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    const arg = /'([^']+)'/.exec(message)?.[1] ?? message;
    return `unknown argument ${JSON.stringify(arg)}`;
  }
  return message;
}

export function parseServerArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedArgs {
  const error = (message: string): ParsedArgs => ({ kind: "error", message, usage: USAGE });
  const specs = Object.entries(OPTIONS) as Array<[keyof Options, OptionSpec<unknown>]>;
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        ...Object.fromEntries(
          specs
            .filter(([, spec]) => spec.envOnly !== true)
            .map(([, spec]) => [spec.flag, { type: spec.boolean === true ? ("boolean" as const) : ("string" as const) }]),
        ),
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    return error(describeParseError(e));
  }
  if (values["help"] === true) return { kind: "help", text: USAGE };
  const args: Record<string, unknown> = {};
  for (const [key, spec] of specs) {
    const given = spec.envOnly === true ? undefined : values[spec.flag] === true ? "true" : values[spec.flag];
    const raw = typeof given === "string" ? given : (env[spec.env] ?? spec.default);
    const read = spec.read(raw, spec.flag);
    if (typeof read === "object" && read !== null && "error" in read) {
      const message = String(read.error);
      const fromEnv = typeof given !== "string" && env[spec.env] !== undefined && spec.envOnly !== true;
      return error(fromEnv ? `${message} (from ${spec.env})` : message);
    }
    args[key] = read;
  }
  const retention = retentionFlagsError(args as ServerArgs);
  if (retention !== undefined) return error(retention);
  const tls = tlsPairError(args as ServerArgs);
  if (tls !== undefined) return error(tls);
  return { kind: "run", args: args as ServerArgs };
}
