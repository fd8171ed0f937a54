/** Command-line flags and environment of the server, parsed without side effects. */

export interface ServerArgs {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
}

export type ParsedArgs =
  | { readonly kind: "run"; readonly args: ServerArgs }
  | { readonly kind: "help"; readonly text: string }
  | { readonly kind: "error"; readonly message: string; readonly usage: string };

export const USAGE = `Usage: npm start -- [--listen HOST:PORT] [--data-dir DIR]

  --listen HOST:PORT  address to serve gRPC on (default 127.0.0.1:50051;
                      port 0 picks a free port, logged at start-up)
                      env: MONITOR_LISTEN
  --data-dir DIR      where registry.json and events.db live (default ./data)
                      env: MONITOR_DATA_DIR
  --help              this text
`;

/** "HOST:PORT", "[v6]:PORT" or ":PORT". */
export function parseListen(value: string): { host: string; port: number } | string {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value);
  if (match === null) return `--listen: expected HOST:PORT, got "${value}"`;
  const host = match[1] ?? match[2] ?? "";
  const port = Number(match[3]);
  if (port > 65535) return `--listen: port must be 0-65535, got ${port}`;
  return { host: host === "" ? "127.0.0.1" : host, port };
}

export function parseServerArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedArgs {
  let listen = env["MONITOR_LISTEN"] ?? "127.0.0.1:50051";
  let dataDir = env["MONITOR_DATA_DIR"] ?? "./data";
  const error = (message: string): ParsedArgs => ({ kind: "error", message, usage: USAGE });
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case "--help":
      case "-h":
        return { kind: "help", text: USAGE };
      case "--listen": {
        const v = value();
        if (v === undefined) return error("--listen needs a value");
        listen = v;
        break;
      }
      case "--data-dir": {
        const v = value();
        if (v === undefined || v === "") return error("--data-dir needs a value");
        dataDir = v;
        break;
      }
      default:
        return error(`unknown argument "${arg}"`);
    }
  }
  const address = parseListen(listen);
  if (typeof address === "string") return error(address);
  return { kind: "run", args: { ...address, dataDir } };
}
