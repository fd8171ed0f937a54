import { createHash } from "node:crypto";
import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { CallerConfig, CallerEvent, LoggedEvent } from "../../server/domain/types.js";
import { openPostgresStore } from "../../server/store/postgres-store.js";
import { POSTGRES_SCHEMA_VERSION } from "../../server/store/postgres-store-schema.js";
import { openSqliteStore } from "../../server/store/sqlite-store.js";
import { SQLITE_STORE_SCHEMA_VERSION } from "../../server/store/sqlite-store-schema.js";
import { StoreError, type Store, type StoreContents } from "../../server/store/store.js";
import { describePostgres, dropTestDatabase, testDatabaseUrl } from "../support/postgres.js";
import { sorted } from "./contract-fixtures.js";
import {
  inspectSqlite,
  openingFailure,
  postgresColumns,
  postgresVersions,
  sqliteColumns,
  sqliteUserVersion,
  writeOldPostgresDatabase,
  writeOldSqliteFile,
} from "./old-schema-store.js";
import { POSTGRES_MIGRATIONS_V3, SQLITE_SCHEMA_V3 } from "./schema-v3.js";

/**
 * A store made by the release before issue 12 (schema version 3, built from
 * the copy of its DDL in schema-v3.ts, rows as it wrote them) opens with
 * this code on both backends, migrates in place to version 4 (a token hash
 * on callers) and keeps every row; its callers have no token until one is
 * issued, which is then kept across a reopen. A migration that fails
 * part-way leaves the version-3 store as it was.
 */

const T0 = 1_700_000_000_000;

const CHANGE: CallerEvent = {
  kind: "status_change",
  serviceId: "s1",
  host: "127.0.0.1",
  port: 5432,
  previous: "unknown",
  status: "down",
  sinceMs: T0 + 5,
  detail: "connection refused",
};
const ALERT: CallerEvent = {
  kind: "availability_alert",
  serviceId: "s1",
  host: "127.0.0.1",
  port: 5432,
  availability: 2 / 3,
  threshold: 0.8,
  windowMs: 120_000,
};

/** The rows, as version 3 held them: an API caller and a config one, an alert rule, an alerting announced row, an outage. */
const V3_ROWS = {
  services: [
    ["s1", "127.0.0.1", 5432, "db", 30_000, 2_000, T0, null, null, null],
    ["s2", "127.0.0.1", 6379, "cache", 10_000, 1_000, T0 + 1, null, "config", T0 + 40],
  ],
  callers: [
    ["c1", "pager", T0 + 2, null],
    ["c2", "dashboard", T0 + 3, "config"],
  ],
  subscriptions: [
    ["c1", "s1", 5_000, 10_000, null, 120_000, 0.8],
    ["c2", "s2", 1_000, 0, "config", null, null],
  ],
  outages: [["o1", "s2", T0 + 100, T0 + 200, "upgrade", "config"]],
  observations: [["s1", "down", T0 + 5, T0 + 7, 1.25, "connection refused", null, null]],
  counters: [
    ["c1", 2],
    ["c2", 0],
  ],
  events: [
    ["c1", 1, T0 + 10, CHANGE],
    ["c1", 2, T0 + 11, ALERT],
  ],
  announced: [["c1", "s1", "down", T0 + 5, 1]],
} as const;

/** What the current code must load from those rows: every caller without a token. */
const EXPECTED: StoreContents = sorted({
  services: [
    { id: "s1", host: "127.0.0.1", port: 5432, displayName: "db", checkIntervalMs: 30_000, checkTimeoutMs: 2_000, createdAt: T0 },
    {
      id: "s2",
      host: "127.0.0.1",
      port: 6379,
      displayName: "cache",
      checkIntervalMs: 10_000,
      checkTimeoutMs: 1_000,
      createdAt: T0 + 1,
      managedBy: "config",
      pausedAt: T0 + 40,
    },
  ],
  callers: [
    { id: "c1", displayName: "pager", createdAt: T0 + 2 },
    { id: "c2", displayName: "dashboard", createdAt: T0 + 3, managedBy: "config" },
  ],
  subscriptions: [
    { callerId: "c1", serviceId: "s1", pollingIntervalMs: 5_000, gracePeriodMs: 10_000, availabilityAlert: { windowMs: 120_000, threshold: 0.8 } },
    { callerId: "c2", serviceId: "s2", pollingIntervalMs: 1_000, gracePeriodMs: 0, managedBy: "config" },
  ],
  outages: [{ id: "o1", serviceId: "s2", startMs: T0 + 100, endMs: T0 + 200, reason: "upgrade", managedBy: "config" }],
  observations: [
    { serviceId: "s1", observation: { status: "down", sinceMs: T0 + 5, lastCheckAt: T0 + 7, lastLatencyMs: 1.25, detail: "connection refused" } },
  ],
  announced: [{ callerId: "c1", serviceId: "s1", announced: { status: "down", sinceMs: T0 + 5, alerting: true } }],
  sequences: [
    { callerId: "c1", lastSequence: 2 },
    { callerId: "c2", lastSequence: 0 },
  ],
});

const hashOf = (token: string): string => createHash("sha256").update(token).digest("hex");

/** Checks a migrated store: every version-3 row as it was, no caller with a token, and a token then issued kept. */
async function expectMigrated(open: () => Promise<Store>): Promise<void> {
  const store = await open();
  const loaded = sorted(await store.load());
  expect(loaded).toEqual(EXPECTED);
  expect(loaded.callers.every((c) => !("tokenHash" in c))).toBe(true);
  expect(await store.readEvents("c1", 0, 10)).toEqual<LoggedEvent[]>([
    { callerId: "c1", sequence: 1, timeMs: T0 + 10, event: CHANGE },
    { callerId: "c1", sequence: 2, timeMs: T0 + 11, event: ALERT },
  ]);

  // RotateCallerToken on a version-3 caller (a put_caller with a hash), and on the config one.
  const issued: CallerConfig = { ...EXPECTED.callers[0]!, tokenHash: hashOf("c1's token") };
  const configIssued: CallerConfig = { ...EXPECTED.callers[1]!, tokenHash: hashOf("c2's token") };
  await store.write([
    { kind: "put_caller", caller: issued },
    { kind: "put_caller", caller: configIssued },
  ]);
  await store.close();
  const again = await open();
  try {
    expect(sorted(await again.load())).toEqual({ ...EXPECTED, callers: [issued, configIssued] });
  } finally {
    await again.close();
  }
}

describe("sqlite: a version-3 monitor.db", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  const writeV3File = (extraDdl = "") => writeOldSqliteFile(dirs, SQLITE_SCHEMA_V3, 3, V3_ROWS, extraDdl);

  it("opens, migrates to version 4 in place and keeps every row, callers without tokens; a token then issued is kept", async () => {
    const file = writeV3File();
    expect(SQLITE_STORE_SCHEMA_VERSION).toBe(4);
    await expectMigrated(() => openSqliteStore({ path: file }));
    expect(sqliteUserVersion(file)).toBe(4);
    expect(sqliteColumns(file, "callers")).toContain("token_hash");
  });

  it("the migrated column refuses what is not a SHA-256 in hex, as a new file's does", async () => {
    const file = writeV3File();
    const store = await openSqliteStore({ path: file });
    try {
      const c1 = EXPECTED.callers[0]!;
      await expect(store.write([{ kind: "put_caller", caller: { ...c1, tokenHash: "not a hash" } }])).rejects.toThrow(/CHECK constraint failed/);
      expect(sorted(await store.load()).callers).toEqual(EXPECTED.callers);
    } finally {
      await store.close();
    }
  });

  it("a migration that fails (the column already there, by a hand edit) leaves the file at version 3, unchanged", async () => {
    const file = writeV3File("ALTER TABLE callers ADD COLUMN token_hash TEXT;");
    const err = await openingFailure(() => openSqliteStore({ path: file }));
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ kind: "corrupt" });
    expect((err as Error).message).toBe(
      `sqlite ${file}: migrating the schema from version 3 to 4 failed (duplicate column name: token_hash), so the file does not ` +
        "hold the version-3 schema it claims; it was left as it was — restore it from a backup",
    );
    expect(sqliteUserVersion(file)).toBe(3);
    expect(inspectSqlite(file, (db) => db.prepare("SELECT count(*) FROM callers").pluck().get())).toBe(2);
  });
});

describePostgres("postgres: a version-3 database", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
  });

  /** A database as the previous release left it: migrations 1 to 3 from its DDL, recorded, and its rows. */
  async function v3Database(extraDdl = ""): Promise<string> {
    const url = await testDatabaseUrl();
    cleanups.push(() => dropTestDatabase(url));
    await writeOldPostgresDatabase(url, POSTGRES_MIGRATIONS_V3, V3_ROWS, extraDdl);
    return url;
  }

  it("opens, applies migration 4 and keeps every row, callers without tokens; a token then issued is kept", async () => {
    const url = await v3Database();
    expect(POSTGRES_SCHEMA_VERSION).toBe(4);
    await expectMigrated(() => openPostgresStore({ url }));
    expect(await postgresVersions(url)).toEqual([1, 2, 3, 4]);
    expect(await postgresColumns(url, "callers")).toContain("token_hash");
  });

  it("the migrated column refuses what is not a SHA-256 in hex", async () => {
    const url = await v3Database();
    const store = await openPostgresStore({ url });
    try {
      const c1 = EXPECTED.callers[0]!;
      await expect(store.write([{ kind: "put_caller", caller: { ...c1, tokenHash: hashOf("t").toUpperCase() } }])).rejects.toThrow(
        /violates check constraint "callers_token_hash_is_sha256_hex"/,
      );
      expect(sorted(await store.load()).callers).toEqual(EXPECTED.callers);
    } finally {
      await store.close();
    }
  });

  it("a migration that fails (the column already there, by a hand edit) leaves the database at version 3, unchanged", async () => {
    const url = await v3Database("ALTER TABLE callers ADD COLUMN token_hash text;");
    const err = await openingFailure(() => openPostgresStore({ url }));
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ kind: "corrupt" });
    expect((err as Error).message).toMatch(
      /: migration 4 \(caller token hashes\) does not fit the schema \(column "token_hash" of relation "callers" already exists\), so it does not hold the version-3 schema it records/,
    );
    expect(await postgresVersions(url)).toEqual([1, 2, 3]);
  });
});
