import { afterEach, expect, it } from "vitest";
import { openPostgresStore, type PostgresReconnect } from "../../server/store/postgres-store.js";
import type { StoreAvailability } from "../../server/store/store-availability.js";
import { storeDifference, type StoreMemory } from "../../server/store/store-difference.js";
import { StoreError, type Store, type StoreOp } from "../../server/store/store.js";
import { asAdmin, describePostgres, dropTestDatabase, lockHolders, testDatabaseUrl } from "../support/postgres.js";
import { waitUntil } from "../support/wait-until.js";

/**
 * The store's own reconnect loop, against a real database: the lock's
 * session is ended by the operator (pg_terminate_backend), as a restart
 * would; the store comes back by itself when nothing changed, and reports a
 * fatal error when another session wrote the store meanwhile.
 */
const T0 = 1_700_000_000_000;
const caller = (id: string): StoreOp => ({ kind: "put_caller", caller: { id, displayName: "", createdAt: T0 } });


describePostgres("postgres store reconnecting after a lost lock session", () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  async function open(memory: () => StoreMemory) {
    const url = await testDatabaseUrl();
    const states: StoreAvailability[] = [];
    const fatal: StoreError[] = [];
    const reconnect: PostgresReconnect = {
      now: () => T0,
      // The lowest jitter: the loop's first attempts come quickly.
      random: () => 0,
      verify: (contents) => storeDifference(contents, memory()),
      onAvailability: (state) => states.push(state),
      onFatal: (error) => fatal.push(error),
    };
    const store: Store = await openPostgresStore({ url, reconnect });
    cleanups.push(() => dropTestDatabase(url), () => store.close());
    return { url, store, states, fatal };
  }

  it("comes back by itself on a new lock session when the store still matches memory, and writes again", async () => {
    const callers = [{ id: "before", displayName: "", createdAt: T0 }];
    const { url, store, states, fatal } = await open(() => ({ services: [], callers, subscriptions: [], outages: [], sequences: [] }));
    await store.write([caller("before")]);
    const [holder] = await lockHolders(url);
    await asAdmin(url, (client) => client.query("SELECT pg_terminate_backend($1)", [holder]));
    await waitUntil(() => states.length > 0, 10_000, "the loss to be noticed");
    expect(states[0]).toMatchObject({ kind: "unavailable", sinceMs: T0 });
    await waitUntil(() => states.at(-1)?.kind === "available", 20_000, "the store to reconnect");
    expect(fatal).toEqual([]);
    const [next] = await lockHolders(url);
    expect(next).not.toBe(holder);
    await store.write([caller("after")]);
    expect((await store.load()).callers.map((c) => c.id).sort()).toEqual(["after", "before"]);
  });

  it("is fatal when the store changed while the lock was not held", async () => {
    const { url, store, states, fatal } = await open(() => ({ services: [], callers: [], subscriptions: [], outages: [], sequences: [] }));
    const [holder] = await lockHolders(url);
    // Another writer (the advisory lock does not stop one), then the lock's session ends.
    await asAdmin(url, async (client) => {
      await client.query("INSERT INTO callers (id, display_name, created_at_ms) VALUES ('intruder', '', $1)", [T0]);
      await client.query("SELECT pg_terminate_backend($1)", [holder]);
    });
    await waitUntil(() => fatal.length === 1, 20_000, "the fatal error");
    expect(fatal[0]!.message).toMatch(/after reconnecting, the store no longer matches this server's memory \(callers: 1 stored, 0 in memory\)/);
    expect(states.some((s) => s.kind === "available")).toBe(false);
    await expect(store.write([caller("c1")])).rejects.toMatchObject({ kind: "unavailable" });
  });
});
