import { readFile } from "node:fs/promises";
import type { MonitorClientOptions, TlsOptions } from "../index.js";
import { UsageError } from "./usage-error.js";

export const DEFAULT_SERVER = "http://127.0.0.1:50051";

/** The global flags that take a value, with the environment variable each falls back to. */
export const CONNECTION_FLAGS = {
  server: "MONITOR_SERVER",
  protocol: undefined,
  token: "MONITOR_TOKEN",
  "tls-ca": "MONITOR_TLS_CA",
  "tls-cert": "MONITOR_TLS_CLIENT_CERT",
  "tls-key": "MONITOR_TLS_CLIENT_KEY",
} as const satisfies Record<string, string | undefined>;

export type ConnectionFlag = keyof typeof CONNECTION_FLAGS;

/** Where to connect and with what: everything of {@link MonitorClientOptions} but a ready transport. */
export type ConnectionOptions = Extract<MonitorClientOptions, { baseUrl: string }>;

/** "host:port" is taken as http://host:port, the server's default cleartext HTTP/2. */
function normalizeServer(value: string): string {
  const url = /^[a-z]+:\/\//i.test(value) ? value : `http://${value}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--server: expected a URL like ${DEFAULT_SERVER}, got "${value}"`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new UsageError(`--server: expected http:// or https://, got "${value}"`);
  }
  return url.replace(/\/+$/, "");
}

/** A flag's value, else its environment variable's (an empty one counts as unset), else undefined. */
function pick(globals: ReadonlyMap<string, string>, env: NodeJS.ProcessEnv, flag: ConnectionFlag): string | undefined {
  const variable = CONNECTION_FLAGS[flag];
  const value = globals.get(flag) ?? (variable === undefined ? undefined : env[variable]);
  return value === "" ? undefined : value;
}

async function readPem(flag: ConnectionFlag, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const reason = error instanceof Error && "code" in error ? String(error.code) : String(error);
    throw new UsageError(`--${flag}: cannot read "${path}" (${reason})`);
  }
}

/**
 * The client options the global flags and environment ask for: flags win
 * over MONITOR_* variables. `https://` selects TLS; a --tls-* file with an
 * `http://` server is a mistake (the token would go in the clear), so it is
 * refused rather than ignored. The token is never part of an error message.
 */
export async function connectionOptions(globals: ReadonlyMap<string, string>, env: NodeJS.ProcessEnv): Promise<ConnectionOptions> {
  const protocol = globals.get("protocol") ?? "grpc";
  if (protocol !== "grpc" && protocol !== "connect") throw new UsageError(`--protocol: expected grpc or connect, got "${protocol}"`);
  const baseUrl = normalizeServer(pick(globals, env, "server") ?? DEFAULT_SERVER);
  const token = pick(globals, env, "token");
  const [ca, cert, key] = (["tls-ca", "tls-cert", "tls-key"] as const).map((flag) => [flag, pick(globals, env, flag)] as const);
  const files = [ca, cert, key].filter(([, path]) => path !== undefined);
  if (files.length > 0 && !baseUrl.startsWith("https://")) {
    throw new UsageError(`--${files[0]![0]}: TLS needs an https:// server, got --server ${baseUrl}`);
  }
  if ((cert[1] === undefined) !== (key[1] === undefined)) {
    throw new UsageError(cert[1] === undefined ? "--tls-key: needs --tls-cert too (a client certificate is both)" : "--tls-cert: needs --tls-key too (a client certificate is both)");
  }
  let tls: TlsOptions | undefined;
  if (files.length > 0) {
    const loaded: Record<string, Buffer> = {};
    for (const [flag, path] of files) loaded[flag] = await readPem(flag, path!);
    tls = {
      ...(loaded["tls-ca"] === undefined ? {} : { ca: loaded["tls-ca"] }),
      ...(loaded["tls-cert"] === undefined ? {} : { cert: loaded["tls-cert"], key: loaded["tls-key"]! }),
    };
  }
  return { baseUrl, protocol, ...(token === undefined ? {} : { token }), ...(tls === undefined ? {} : { tls }) };
}
