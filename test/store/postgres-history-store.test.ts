import { afterEach, expect, it } from "vitest";
import type { CheckRecord, HistoryRecord } from "../../server/domain/history-types.js";
import { openPostgresHistoryStore, type PostgresHistoryStore } from "../../server/store/postgres-history-store.js";
import { POSTGRES_HISTORY_SCHEMA_VERSION } from "../../server/store/postgres-history-schema.js";
import { openPostgresStore } from "../../server/store/postgres-store.js";
import { StoreError } from "../../server/store/store.js";
import { asAdmin, describePostgres, dropTestDatabase, testDatabaseUrl } from "../support/postgres.js";
import { describeHistoryStoreContract } from "./history-store-contract.js";

const T0 = 1_700_000_040_000;

function check(serviceId: string, at: number, overrides: Partial<Omit<CheckRecord, "kind" | "serviceId" | "at">> = {}): CheckRecord {
  return { kind: "check", serviceId, at, status: "up", latencyMs: 1.5, detail: "", inOutage: false, maxSpanMs: 3_000, ...overrides };
}


describePostgres("postgres history store", () => {
  describeHistoryStoreContract("postgres", async () => {
    const url = await testDatabaseUrl();
    const history = await openPostgresHistoryStore({ url });
    return {
      history,
      close: async () => {
        await history.close();
        await dropTestDatabase(url);
      },
    };
  });

  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function freshDatabase(): Promise<string> {
    const url = await testDatabaseUrl();
    cleanups.push(() => dropTestDatabase(url));
    return url;
  }

  async function open(url: string): Promise<PostgresHistoryStore> {
    const history = await openPostgresHistoryStore({ url });
    cleanups.push(() => history.close());
    return history;
  }

  it("gives ids in the order of one large batch, whatever the times and services", async () => {
    const history = await open(await freshDatabase());
    // Times and services shuffled against the order: the ids must follow the array, not at or service_id.
    const records: HistoryRecord[] = [];
    for (let i = 0; i < 5_000; i++) {
      const at = T0 + ((i * 7_919) % 5_000) * 10;
      records.push(i % 97 === 0 ? { kind: "pause", serviceId: `s${i % 13}`, at } : check(`s${(i * 31) % 13}`, at, { detail: `#${i}` }));
    }
    await history.append(records, []);
    const stored = await history.recordsAfter(0, 10_000);
    expect(stored).toHaveLength(records.length);
    expect(stored.map(({ id: _id, ...rest }) => rest)).toEqual(records);
    for (let i = 1; i < stored.length; i++) expect(stored[i]!.id).toBeGreaterThan(stored[i - 1]!.id);
  });

  it("reads stats from one snapshot: a batch committed mid-read is not seen", async () => {
    const url = await freshDatabase();
    const history = await open(url);
    await history.append([check("s1", T0), check("s1", T0 + 1_000)], []);

    // Another session commits a batch while the snapshot's transaction is
    // open: its read of the tail (after the buckets and the watermark, so the
    // snapshot is taken) waits behind a lock this test holds until the batch
    // has committed; the rows and changes it reads next must not show it.
    const reading = await asAdmin(url, async (admin) => {
      await admin.query("BEGIN");
      await admin.query("LOCK TABLE rollup_tails IN ACCESS EXCLUSIVE MODE");
      const snapshot = history.readStatsSnapshot({
        serviceId: "s1",
        ranges: [{ resolution: "minute", startMs: T0, endMs: T0 + 60_000 }],
        changesStartMs: T0,
        endMs: T0 + 60_000,
      });
      // Wait until the read is blocked on the lock, then write behind its back.
      for (;;) {
        const waiting = await asAdmin(url, async (c) =>
          (await c.query("SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = 'rollup_tails'::regclass")).rows[0].n as number,
        );
        if (waiting > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await asAdmin(url, async (writer) => {
        await writer.query(
          `INSERT INTO check_results (service_id, at_ms, status, latency_ms, detail, in_outage, max_span_ms)
           VALUES ('s1', $1, 'down', 1, 'refused', false, 3000)`,
          [T0 + 2_000],
        );
        await writer.query("INSERT INTO status_changes (service_id, at_ms, previous, status, detail) VALUES ('s1', $1, 'up', 'down', 'refused')", [
          T0 + 2_000,
        ]);
      });
      await admin.query("COMMIT");
      return snapshot;
    });
    const snapshot = await reading;
    expect(snapshot.watermark).toBe(0);
    expect(snapshot.unrolled.map((r) => r.at - T0)).toEqual([0, 1_000]);
    expect(snapshot.changes).toEqual([]);
    expect(snapshot.lastFailure).toBeUndefined();

    // A new read sees them.
    const after = await history.readStatsSnapshot({ serviceId: "s1", ranges: [], changesStartMs: T0, endMs: T0 + 60_000 });
    expect(after.unrolled.map((r) => r.at - T0)).toEqual([0, 1_000, 2_000]);
    expect(after.changes).toHaveLength(1);
  });

  it("lives beside the main store in one database, versioned in history_meta, and reopens without migrating", async () => {
    const url = await freshDatabase();
    const main = await openPostgresStore({ url });
    cleanups.push(() => main.close());
    const history = await open(url);
    await history.append([check("s1", T0)], []);
    await history.close();
    const again = await open(url);
    expect(await again.recordsAfter(0, 10)).toHaveLength(1);
    expect(await main.load()).toMatchObject({ services: [] });
    const versions = await asAdmin(url, async (c) => (await c.query("SELECT version FROM history_meta")).rows);
    expect(versions).toEqual([{ version: POSTGRES_HISTORY_SCHEMA_VERSION }]);
  });

  it("refuses a history schema newer than the code, as corrupt", async () => {
    const url = await freshDatabase();
    await (await open(url)).close();
    await asAdmin(url, (c) => c.query("UPDATE history_meta SET version = version + 1"));
    const opening = openPostgresHistoryStore({ url });
    await expect(opening).rejects.toBeInstanceOf(StoreError);
    await expect(opening).rejects.toMatchObject({ kind: "corrupt", message: expect.stringMatching(/history schema version \d+ is newer/) });
  });

  it("reports a row that does not decode as corrupt, naming the table", async () => {
    const url = await freshDatabase();
    const history = await open(url);
    await history.append([check("s1", T0, { http: { statusCode: 200, phases: { dnsMs: 0, connectMs: 0, tlsMs: 0, firstByteMs: 1, totalMs: 2 }, tlsExpiresAt: undefined, captures: [], namedCaptures: {} } })], []);
    await asAdmin(url, (c) => c.query(`UPDATE check_results SET http = '{"statusCode": "x"}'`));
    await expect(history.recordsAfter(0, 10)).rejects.toMatchObject({ kind: "corrupt", message: expect.stringContaining("table check_results") });
  });

  it("refuses a NaN before touching the database, and fails unavailable once closed", async () => {
    const history = await open(await freshDatabase());
    await expect(history.append([check("s1", Number.NaN)], [])).rejects.toBeInstanceOf(RangeError);
    expect(await history.recordsAfter(0, 10)).toEqual([]);
    await history.close();
    await expect(history.rollupWatermark()).rejects.toMatchObject({ kind: "unavailable" });
  });

  it("fails unavailable, not as a bug, when the server cannot be reached", async () => {
    const opening = openPostgresHistoryStore({ url: "postgres://postgres@127.0.0.1:1/none", connectTimeoutMs: 2_000 });
    await expect(opening).rejects.toMatchObject({ kind: "unavailable", message: expect.stringContaining("postgres 127.0.0.1:1/none") });
  });
});
