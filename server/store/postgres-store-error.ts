import pg from "pg";
import type { PostgresTarget } from "./postgres-target.js";
import { StoreError } from "./store.js";

/**
 * SQLSTATE classes and codes that mean the database cannot be reached or
 * written just now: connection exceptions (08), insufficient resources
 * (53: disk full, out of memory, too many connections), operator
 * intervention (57P: shutdown, crash recovery, database dropped), a
 * transaction the server rolled back to resolve a conflict (40), a read-only
 * server (25006: a standby, or default_transaction_read_only). Retrying later
 * may succeed, so clients see UNAVAILABLE.
 */
function isUnavailableCode(code: string): boolean {
  return (
    code.startsWith("08") ||
    code.startsWith("53") ||
    code.startsWith("57P") ||
    code.startsWith("40") ||
    code === "25006"
  );
}

/** Data corrupted (XX001) or index corrupted (XX002): what the database holds cannot be trusted. */
function isCorruptCode(code: string): boolean {
  return code === "XX001" || code === "XX002";
}

/**
 * At open, failures that are the operator's to fix before the server can
 * start: a database that does not exist (3D000), authentication (28*),
 * missing privileges (42501). The contract has no third kind, and retrying
 * after the fix does succeed, so they are "unavailable".
 */
function isOpenRefusal(code: string): boolean {
  return code === "3D000" || code.startsWith("28") || code === "42501";
}

/**
 * Turns what a pg call threw into what the Store contract promises.
 * `what` is the operation ("write", "load", "open").
 * - a connection that failed, was lost or timed out, and the SQLSTATEs above
 *   → StoreError("unavailable", "postgres host:port/db: <what>: <message> (<code>)");
 * - corrupted data → StoreError("corrupt", same shape);
 * - anything else the server refused (a constraint the ops broke: 23*, a
 *   statement this code got wrong) is a bug, not something an operator fixes
 *   by freeing disk space: a plain Error with the same message;
 * - a StoreError, and the programming errors this code throws itself
 *   (TypeError, RangeError, …), pass through unchanged.
 * The original error is kept as `cause`; the URL's password never appears.
 */
export function postgresStoreError(target: PostgresTarget, what: string, err: unknown): unknown {
  if (err instanceof StoreError) return err;
  if (err instanceof pg.DatabaseError) {
    const code = err.code ?? "";
    const message = target.redact(`${target.description}: ${what}: ${err.message} (${code})`);
    if (isCorruptCode(code)) return new StoreError("corrupt", message, { cause: err });
    if (isUnavailableCode(code) || (what === "open" && isOpenRefusal(code))) {
      return new StoreError("unavailable", message, { cause: err });
    }
    return new Error(message, { cause: err });
  }
  if (err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError) return err;
  if (err instanceof Error && !isDriverOrNetworkError(err)) return err;
  // Whatever else comes out of the driver is I/O: ECONNREFUSED, ECONNRESET,
  // "Connection terminated unexpectedly", a connect or query timeout.
  const text = err instanceof Error ? err.message || String((err as { code?: unknown }).code ?? err.name) : String(err);
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  const detail = typeof code === "string" && !text.includes(code) ? `${text} (${code})` : text;
  return new StoreError("unavailable", target.redact(`${target.description}: ${what}: ${detail}`), { cause: err });
}

/** Error codes Node's net/dns layers give a failed or lost connection. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EADDRNOTAVAIL",
  "ENOENT", // a Unix socket path that does not exist
]);

/**
 * The driver's own messages for a connection that failed, ended, timed out
 * or lost step with the server: "Connection terminated unexpectedly",
 * "Connection terminated due to connection timeout", "timeout expired",
 * "timeout exceeded when trying to connect", "Query read timeout", "Client
 * has encountered a connection error and is not queryable", "Received
 * unexpected … message from backend".
 */
const DRIVER_MESSAGE = /^Connection terminated|^timeout|^Query read timeout|not queryable|^Received unexpected/;

function isDriverOrNetworkError(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
  // AggregateError: Node's happy-eyeballs connect to every address of a name.
  if (err instanceof AggregateError) return err.errors.some((inner) => inner instanceof Error && isDriverOrNetworkError(inner));
  return DRIVER_MESSAGE.test(err.message);
}
