/**
 * Where a PostgreSQL store lives, as logs and errors name it. The URL the
 * operator gave may carry a password (`postgres://monitor:secret@db/monitor`),
 * so nothing prints the URL itself: every message says `postgres
 * host:port/database`, and `redact` scrubs the password from any text that
 * might have picked it up (a driver message quoting its input).
 */
export interface PostgresTarget {
  /** "postgres 127.0.0.1:5432/monitor": the store's description and the prefix of its errors. */
  readonly description: string;
  /** "127.0.0.1:5432/monitor", for lock messages. */
  readonly name: string;
  /** Replaces the URL's password (when it has one) in `text`. */
  redact(text: string): string;
}

/**
 * Parses a `postgres://` or `postgresql://` URL as far as naming it needs;
 * libpq-style parameters (`?host=/run/postgresql`, `sslmode=…`) are left to
 * the driver, which gets the URL unchanged. Missing parts take libpq's
 * defaults (localhost, 5432, a database named after the user).
 *
 * Throws a plain Error (the operator mistyped a flag) that quotes nothing of
 * the URL but its scheme.
 */
export function parsePostgresTarget(url: string): PostgresTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error("the PostgreSQL URL is not a URL: expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE");
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new Error(
      `the PostgreSQL URL starts with ${JSON.stringify(parsed.protocol)}: expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`,
    );
  }
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  // A socket directory given as ?host=/path names the server when the URL has no host.
  const host = parsed.hostname !== "" ? parsed.hostname : (parsed.searchParams.get("host") ?? "localhost");
  const port = parsed.port !== "" ? parsed.port : (parsed.searchParams.get("port") ?? "5432");
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, "")) || user || "postgres";
  const name = `${host}:${port}/${database}`;
  const secrets = [password, parsed.password].filter((secret) => secret.length > 0);
  return {
    description: `postgres ${name}`,
    name,
    redact(text) {
      let out = text;
      for (const secret of secrets) out = out.split(secret).join("***");
      return out;
    },
  };
}
