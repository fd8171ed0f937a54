import { afterEach, expect, it } from "vitest";
import type { CallerEvent } from "../../server/domain/types.js";
import { openPostgresStore, type PostgresStoreOptions } from "../../server/store/postgres-store.js";
import { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION, applyMigrations } from "../../server/store/postgres-store-schema.js";
import { StoreLockedError } from "../../server/store/store-lock.js";
import { StoreError, type Store, type StoreContents, type StoreOp } from "../../server/store/store.js";
import { freeLoopbackPort } from "../support/postgres-cluster.js";
import { startPostgresProxy } from "../support/postgres-proxy.js";
import { asAdmin, describePostgres, dropTestDatabase, lockHolders, testDatabaseUrl } from "../support/postgres.js";
import { waitUntil } from "../support/wait-until.js";
import { describeStoreContract, reopenableBackend } from "./store-contract.js";
import { prng } from "../support/prng.js";

/** Each store in a database of its own, dropped after the test. */
const backend = reopenableBackend(async () => {
  const url = await testDatabaseUrl();
  return {
    open: (options) => openPostgresStore({ url, ...options }),
    remove: () => dropTestDatabase(url),
  };
});

describePostgres("postgres store", () => {
  describeStoreContract("postgres", backend);
});

const T0 = 1_700_000_000_000;

/** "postgres 127.0.0.1:PORT/t_…" for a test database's URL. */
function nameOf(url: string): string {
  const parsed = new URL(url);
  return `postgres ${parsed.hostname}:${parsed.port}${parsed.pathname}`;
}



function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (err: unknown) => err,
  );
}

describePostgres("postgres store: PostgreSQL only", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
  });

  async function database(): Promise<string> {
    const url = await testDatabaseUrl();
    cleanups.push(() => dropTestDatabase(url));
    return url;
  }

  async function open(options: PostgresStoreOptions): Promise<Store> {
    const store = await openPostgresStore(options);
    cleanups.unshift(() => store.close());
    return store;
  }

  it("creates the schema at the first open; a second open applies nothing", async () => {
    const url = await database();
    const migrations = () =>
      asAdmin(url, async (client) => (await client.query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")).rows);
    await (await open({ url })).close();
    const first = await migrations();
    expect(first.map((row) => row.version)).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
    expect(first.at(-1)?.version).toBe(POSTGRES_SCHEMA_VERSION);
    await (await open({ url })).close();
    expect(await migrations()).toEqual(first);
    expect(await asAdmin(url, (client) => applyMigrations(client, nameOf(url)))).toEqual([]);
  });

  it("migrates an older database forward, and refuses one newer than the code", async () => {
    const url = await database();
    const next = POSTGRES_SCHEMA_VERSION + 1;
    const later = { version: next, name: "test: a later release", sql: "CREATE TABLE later_release (x integer)" };
    expect(await asAdmin(url, (client) => applyMigrations(client, nameOf(url), POSTGRES_MIGRATIONS.slice(0, 1)))).toEqual([1]);
    expect(await asAdmin(url, (client) => applyMigrations(client, nameOf(url), [...POSTGRES_MIGRATIONS, later]))).toEqual(
      [...POSTGRES_MIGRATIONS.slice(1).map((m) => m.version), next],
    );
    expect(await asAdmin(url, (client) => applyMigrations(client, nameOf(url), [...POSTGRES_MIGRATIONS, later]))).toEqual([]);

    const err = await rejection(openPostgresStore({ url }));
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({
      kind: "corrupt",
      message: `${nameOf(url)}: schema version ${next} is newer than this server (${POSTGRES_SCHEMA_VERSION}); run a newer release`,
    });
    // Refused, it let go of the lock: a server of the newer release can open it.
    expect(await lockHolders(url)).toEqual([]);
  });

  it("a failed migration leaves the database as it was", async () => {
    const url = await database();
    const broken = { version: POSTGRES_SCHEMA_VERSION + 1, name: "test: broken", sql: "CREATE TABLE half_done (x integer); SELECT no_such_function()" };
    await expect(asAdmin(url, (client) => applyMigrations(client, nameOf(url), [...POSTGRES_MIGRATIONS, broken]))).rejects.toThrow(
      /no_such_function/,
    );
    const tables = await asAdmin(url, async (client) =>
      (await client.query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).rows.map((row) => row.tablename),
    );
    expect(tables).toEqual([]);
  });

  it("refuses a database whose tables belong to someone else, or whose schema_migrations is another tool's", async () => {
    const theirs = await database();
    await asAdmin(theirs, (client) => client.query("CREATE TABLE events (id serial PRIMARY KEY, what text)"));
    const err = await rejection(openPostgresStore({ url: theirs }));
    expect(err).toMatchObject({ kind: "corrupt" });
    expect((err as Error).message).toMatch(new RegExp(`^${nameOf(theirs)}: not a service monitor store \\(migration 1 found its tables`));
    const tables = await asAdmin(theirs, async (client) =>
      (await client.query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).rows.map((row) => row.tablename),
    );
    expect(tables).toEqual(["events"]);

    const rails = await database();
    await asAdmin(rails, (client) => client.query("CREATE TABLE schema_migrations (version varchar PRIMARY KEY)"));
    const refusal = await rejection(openPostgresStore({ url: rails }));
    expect(refusal).toMatchObject({ kind: "corrupt" });
    expect((refusal as Error).message).toBe(
      `${nameOf(rails)}: its schema_migrations table is not this server's (no name, applied_at column); point the server at a database of its own`,
    );
  });

  it("one server per database: a second open is refused naming the database; after close it opens", async () => {
    const url = await database();
    const other = await database();
    const first = await open({ url });
    const err = await rejection(openPostgresStore({ url }));
    expect(err).toBeInstanceOf(StoreLockedError);
    const locked = err as StoreLockedError;
    expect(locked.message).toMatch(new RegExp(`^another server is using ${nameOf(url)} \\(service-monitor pid ${process.pid} on `));
    expect(locked.resource).toBe(nameOf(url));
    expect(locked.holderPid).toBe(process.pid);
    // Another database on the same cluster is another store.
    await (await open({ url: other })).close();

    await first.write([{ kind: "put_caller", caller: { id: "c1", displayName: "", createdAt: T0 } }]);
    await first.close();
    const second = await open({ url });
    expect((await second.load()).callers.map((c) => c.id)).toEqual(["c1"]);
  });

  it("an unreachable database fails unavailable naming host:port, never the password", async () => {
    const secret = "s3cr3t-pa55word";
    const port = await freeLoopbackPort();
    const err = await rejection(openPostgresStore({ url: `postgres://monitor:${secret}@127.0.0.1:${port}/monitor` }));
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ kind: "unavailable" });
    const message = (err as Error).message;
    expect(message).toMatch(new RegExp(`^postgres 127\\.0\\.0\\.1:${port}/monitor: open: .*ECONNREFUSED`));
    expect(message).not.toContain(secret);
  });

  it("a database that does not exist fails unavailable naming it, never the password", async () => {
    const secret = "an0ther-s3cret";
    const cluster = new URL(await database());
    cluster.username = "postgres";
    cluster.password = secret;
    cluster.pathname = "/no_such_database";
    const err = await rejection(openPostgresStore({ url: cluster.toString() }));
    expect(err).toMatchObject({ kind: "unavailable" });
    expect((err as Error).message).toMatch(/^postgres 127\.0\.0\.1:\d+\/no_such_database: open: .*does not exist \(3D000\)$/);
    expect((err as Error).message).not.toContain(secret);
  });

  it("a write whose connection is lost fails unavailable and commits nothing; the next write reconnects", async () => {
    const url = await database();
    const proxy = await startPostgresProxy(url);
    cleanups.push(() => proxy.close());
    const lockLost: unknown[] = [];
    const store = await open({ url: proxy.url, onLockLost: (e) => lockLost.push(e) });
    await store.write([{ kind: "put_caller", caller: { id: "before", displayName: "", createdAt: T0 } }]);
    // Connection 0 is the lock's session; the others are the pool's.
    const pooled = () => proxy.connections.filter((c) => c.index > 0);
    for (const connection of pooled()) connection.stall();
    const sent = pooled().reduce((sum, c) => sum + c.bytesFromClient, 0);
    const inFlight = rejection(store.write([{ kind: "put_caller", caller: { id: "lost", displayName: "", createdAt: T0 } }]));
    await waitUntil(() => pooled().reduce((sum, c) => sum + c.bytesFromClient, 0) > sent, 10_000, "the write to be sent");
    for (const connection of pooled()) connection.cut();
    const err = await inFlight;
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ kind: "unavailable" });
    expect((err as Error).message).toMatch(new RegExp(`^postgres 127\\.0\\.0\\.1:\\d+${new URL(url).pathname}: write: `));

    await store.write([{ kind: "put_caller", caller: { id: "after", displayName: "", createdAt: T0 } }]);
    expect((await store.load()).callers.map((c) => c.id).sort()).toEqual(["after", "before"]);
    expect(lockLost).toEqual([]);
  });

  it("losing the lock's session is fatal: onLockLost is told, writes are refused, another server can open", async () => {
    const url = await database();
    let lost!: (err: StoreError) => void;
    const told = new Promise<StoreError>((resolve) => (lost = resolve));
    const store = await open({ url, onLockLost: (err) => lost(err) });
    const [holder] = await lockHolders(url);
    await asAdmin(url, (client) => client.query("SELECT pg_terminate_backend($1)", [holder]));

    const err = await told;
    expect(err).toBeInstanceOf(StoreError);
    expect(err.kind).toBe("unavailable");
    expect(err.message).toMatch(new RegExp(`^${nameOf(url)}: lost the session holding the one-server lock \\(.+\\); another server may take`));
    await expect(store.write([{ kind: "put_caller", caller: { id: "c1", displayName: "", createdAt: T0 } }])).rejects.toBe(err);
    await waitUntil(async () => (await lockHolders(url)).length === 0, 10_000, "the terminated session to end");
    const next = await open({ url });
    expect((await next.load()).callers).toEqual([]);
  });

  it("the write fence refuses a write once the lock is gone, before the lock's client has noticed", async () => {
    const url = await database();
    const proxy = await startPostgresProxy(url);
    cleanups.push(() => proxy.close());
    const lockLost: StoreError[] = [];
    const store = await open({ url: proxy.url, onLockLost: (e) => lockLost.push(e) });
    // The lock's session goes silent (a dead network path), then the server ends it.
    proxy.connections[0]!.stall();
    const [holder] = await lockHolders(url);
    await asAdmin(url, (client) => client.query("SELECT pg_terminate_backend($1)", [holder]));
    await waitUntil(async () => (await lockHolders(url)).length === 0, 10_000, "the terminated session to end");

    const err = await rejection(store.write([{ kind: "put_caller", caller: { id: "c1", displayName: "", createdAt: T0 } }]));
    expect(err).toMatchObject({ kind: "unavailable" });
    expect((err as Error).message).toMatch(/lost the session holding the one-server lock \(it no longer holds the lock\)/);
    await waitUntil(() => lockLost.length === 1, 5_000, "onLockLost");
    expect(lockLost[0]).toBe(err);
    const check = await open({ url });
    expect((await check.load()).callers).toEqual([]);
  });

  it("writes called concurrently run one after another, in call order", async () => {
    const url = await database();
    const store = await open({ url });
    const change = (sequence: number): StoreOp => ({
      kind: "append_event",
      event: { callerId: "c1", sequence, timeMs: T0 + sequence, event: { kind: "status_change", serviceId: "s1", host: "h", port: 1, previous: "unknown", status: sequence % 2 ? "up" : "down", sinceMs: T0 + sequence, detail: "" } },
    });
    // A large write, then a small one touching the same rows: run side by side,
    // the small one would reach the counter first and the large one would
    // then set it back.
    const large = Array.from({ length: 3_000 }, (_, i) => change(i + 1));
    await Promise.all([store.write(large), store.write([change(3_001)]), store.write([change(3_002)])]);
    const loaded = await store.load();
    expect(loaded.sequences).toEqual([{ callerId: "c1", lastSequence: 3_002 }]);
    expect(loaded.announced).toEqual([{ callerId: "c1", serviceId: "s1", announced: { status: "down", sinceMs: T0 + 3_002 } }]);
  });

  it("a bad op is refused before anything is sent, and the store stays usable", async () => {
    const url = await database();
    const store = await open({ url });
    const bad = { kind: "status_change", serviceId: "s1" } as unknown as CallerEvent;
    await expect(store.write([{ kind: "append_event", event: { callerId: "c1", sequence: 1, timeMs: T0, event: bad } }])).rejects.toThrow(
      /append_event 0 \(caller c1 sequence 1\): not a CallerEvent/,
    );
    await expect(
      store.write([{ kind: "put_caller", caller: { id: "c1", displayName: "", createdAt: Number.NaN } }]),
    ).rejects.toThrow(/caller c1 createdAt must be a finite number/);
    await store.write([{ kind: "put_caller", caller: { id: "c1", displayName: "", createdAt: T0 } }]);
    expect((await store.load()).callers).toEqual([{ id: "c1", displayName: "", createdAt: T0 }]);
  });

  it("a row that does not decode fails the load corrupt, naming the database, table and key", async () => {
    const url = await database();
    const store = await open({ url });
    await store.write([
      { kind: "put_service", service: { id: "s1", host: "h", port: 1, displayName: "", checkIntervalMs: 1_000, checkTimeoutMs: 100, createdAt: T0 } },
    ]);
    await asAdmin(url, (client) => client.query(`UPDATE services SET probe = '{"kind":"smtp"}'`));
    const err = await rejection(store.load());
    expect(err).toMatchObject({
      kind: "corrupt",
      message: `${nameOf(url)}: table services, id "s1": probe kind "smtp" is not a known kind of check`,
    });
  });

  it("one write of many ops leaves what the same ops written one by one leave", async () => {
    for (const seed of [1, 2, 3]) {
      const ops = randomValidOps(seed, 250);
      const batched = await open({ url: await database(), retentionPerCaller: 3 });
      const oneByOne = await open({ url: await database(), retentionPerCaller: 3 });
      // Batched in random chunk sizes, from one op to all of them.
      const random = prng(seed * 7919);
      for (let i = 0; i < ops.length; ) {
        const size = 1 + Math.floor(random() * random() * ops.length);
        await batched.write(ops.slice(i, i + size));
        i += size;
      }
      for (const op of ops) await oneByOne.write([op]);
      expect(await snapshot(batched), `seed ${seed}`).toEqual(await snapshot(oneByOne));
    }
  });
});

/** Everything a store holds, in a fixed order. */
async function snapshot(store: Store): Promise<unknown> {
  const contents = await store.load();
  const sortedLists = Object.fromEntries(
    Object.entries(contents).map(([key, list]) => [key, [...(list as unknown[])].map((v) => JSON.stringify(v)).sort()]),
  ) as Record<keyof StoreContents, string[]>;
  const events: Record<string, unknown> = {};
  for (const { callerId } of contents.sequences) events[callerId] = await store.readEvents(callerId, 0, 1_000);
  return { ...sortedLists, events };
}

/**
 * `count` ops over a few ids, each valid when applied in order (foreign keys
 * hold, sequences grow), mixing every kind so that runs of one kind form,
 * break and depend on each other.
 */
function randomValidOps(seed: number, count: number): StoreOp[] {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const ids = { services: ["s1", "s2", "s3"], callers: ["c1", "c2", "c3"], outages: ["o1", "o2", "o3", "o4"] };
  const services = new Set<string>();
  const callers = new Set<string>();
  const subscriptions = new Set<string>();
  const outages = new Map<string, string>();
  const counters = new Map<string, number>();
  const ops: StoreOp[] = [];
  let time = T0;
  const event = (serviceId: string): CallerEvent =>
    random() < 0.7
      ? { kind: "status_change", serviceId, host: "127.0.0.1", port: 80, previous: "unknown", status: random() < 0.5 ? "up" : "down", sinceMs: time, detail: `t${time}` }
      : { kind: "subscription_ended", serviceId, reason: "unsubscribed" };
  while (ops.length < count) {
    time += 1;
    const s = pick(ids.services);
    const c = pick(ids.callers);
    const o = pick(ids.outages);
    const sub = `${c}/${s}`;
    const referenced = [...subscriptions].some((k) => k.endsWith(`/${s}`)) || [...outages.values()].includes(s);
    const candidates: (() => StoreOp | undefined)[] = [
      () => (services.add(s), { kind: "put_service", service: { id: s, host: "h", port: 1 + Math.floor(random() * 9), displayName: `v${time}`, checkIntervalMs: 1_000, checkTimeoutMs: 100, createdAt: time } }),
      () => (services.has(s) && !referenced ? (services.delete(s), { kind: "delete_service", serviceId: s }) : undefined),
      () => (callers.add(c), { kind: "put_caller", caller: { id: c, displayName: `v${time}`, createdAt: time } }),
      () =>
        callers.has(c) && ![...subscriptions].some((k) => k.startsWith(`${c}/`))
          ? (callers.delete(c), { kind: "delete_caller", callerId: c })
          : undefined,
      () =>
        services.has(s) && callers.has(c)
          ? (subscriptions.add(sub), { kind: "put_subscription", subscription: { callerId: c, serviceId: s, pollingIntervalMs: time, gracePeriodMs: 0 } })
          : undefined,
      () => (subscriptions.delete(sub) ? { kind: "delete_subscription", callerId: c, serviceId: s } : undefined),
      () => (services.has(s) ? (outages.set(o, s), { kind: "put_outage", outage: { id: o, serviceId: s, startMs: time, endMs: time + 1, reason: "" } }) : undefined),
      () => (outages.delete(o), { kind: "delete_outage", outageId: o }),
      () =>
        services.has(s)
          ? { kind: "put_observation", serviceId: s, observation: { status: "down", sinceMs: time, lastCheckAt: time, lastLatencyMs: 0.5, detail: "" } }
          : undefined,
      () => {
        const sequence = (counters.get(c) ?? 0) + 1;
        counters.set(c, sequence);
        return { kind: "append_event", event: { callerId: c, sequence, timeMs: time, event: event(s) } };
      },
      () => {
        const sequence = (counters.get(c) ?? 0) + Math.floor(random() * 3) - 1;
        counters.set(c, Math.max(counters.get(c) ?? 0, sequence));
        return { kind: "set_last_sequence", callerId: c, lastSequence: Math.max(0, sequence) };
      },
      () => ({ kind: "put_announced", entry: { callerId: c, serviceId: s, announced: { status: "up", sinceMs: time } } }),
    ];
    // Appends are the common case, as in a server's writes.
    const op = random() < 0.3 ? candidates[9]!() : pick(candidates)();
    if (op !== undefined) ops.push(op);
  }
  return ops;
}
