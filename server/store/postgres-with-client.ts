import pg from "pg";
import { postgresStoreError } from "./postgres-store-error.js";
import type { PostgresTarget } from "./postgres-target.js";
import { RowError } from "./store-rows.js";
import { StoreError } from "./store.js";

/**
 * Runs `fn` on one pooled connection, turning what fails into the store
 * contract's errors (postgres-store-error.ts; a row that does not decode is
 * `corrupt`). A connection that failed is destroyed, not returned to the
 * pool; one that refused a statement is rolled back and returned. Both
 * PostgreSQL stores (the registry's and the history's) run every call here.
 */
export async function withClient<T>(
  pool: pg.Pool,
  target: PostgresTarget,
  what: string,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw postgresStoreError(target, what, err);
  }
  let broken: Error | undefined;
  // The pool stops listening for a connection's errors while it is checked
  // out; an 'error' nobody listens to (the connection lost mid-query, whose
  // query also rejects) would crash the process.
  const onError = (err: Error): void => {
    broken ??= err;
  };
  client.on("error", onError);
  try {
    return await fn(client);
  } catch (err) {
    const classified = postgresStoreError(target, what, err);
    if (!(err instanceof pg.DatabaseError) && classified instanceof StoreError) broken = classified;
    else await client.query("ROLLBACK").catch((rollbackErr: unknown) => (broken = rollbackErr as Error));
    if (err instanceof RowError) throw new StoreError("corrupt", `${target.description}: ${what}: ${err.message}`, { cause: err });
    throw classified;
  } finally {
    client.off("error", onError);
    client.release(broken);
  }
}
