import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { HttpProbeConfig, LoggedEvent, ServiceConfig } from "../../server/domain/types.js";
import { openPostgresStore } from "../../server/store/postgres-store.js";
import { POSTGRES_SCHEMA_VERSION } from "../../server/store/postgres-store-schema.js";
import { openSqliteStore } from "../../server/store/sqlite-store.js";
import { SQLITE_STORE_SCHEMA_VERSION } from "../../server/store/sqlite-store-schema.js";
import { StoreError, type Store, type StoreContents } from "../../server/store/store.js";
import { describePostgres, dropTestDatabase, testDatabaseUrl } from "../support/postgres.js";
import { sorted } from "./contract-fixtures.js";
import {
  openingFailure,
  postgresColumns,
  postgresVersions,
  sqliteColumns,
  sqliteUserVersion,
  writeOldPostgresDatabase,
  writeOldSqliteFile,
} from "./old-schema-store.js";
import { POSTGRES_SCHEMA_V1, SQLITE_SCHEMA_V1 } from "./schema-v1.js";

/**
 * A store made by the release before issue 10 (schema version 1, built from
 * the copy of its DDL in schema-v1.ts, rows as it wrote them) opens with
 * this code on both backends, migrates in place to version 2 (and on to the
 * current version, store-schema-v3-migration.test.ts) and keeps every row; a
 * migration that fails part-way leaves the version-1 store as it was.
 */

const T0 = 1_700_000_000_000;

/** The rows, as version 1 held them: a service with the default check and one with a close mode, and so on. */
const V1_ROWS = {
  services: [
    ["s1", "127.0.0.1", 5432, "db", 30_000, 2_000, T0, null, null],
    ["s2", "::1", 6379, "cache", 1_000, 100.5, T0 + 1, '{"kind":"tcp","closeMode":"reset"}', "config"],
  ],
  callers: [["c1", "pager", T0 + 2, null]],
  subscriptions: [
    ["c1", "s1", 5_000, 10_000, null],
    ["c1", "s2", 1_000, 0, "config"],
  ],
  outages: [["o1", "s1", T0 + 60_000, T0 + 120_000.25, "upgrade", null]],
  observations: [
    ["s1", "down", T0 + 5, T0 + 7, 1.25, "connection refused"],
    ["s2", "unknown", 0, null, 0, ""],
  ],
  counters: [
    ["c1", 3],
    ["gone", 9],
  ],
  events: [
    ["c1", 1, T0 + 10, { kind: "status_change", serviceId: "s1", host: "127.0.0.1", port: 5432, previous: "unknown", status: "up", sinceMs: T0, detail: "" }],
    ["c1", 2, T0 + 11, { kind: "status_change", serviceId: "s1", host: "127.0.0.1", port: 5432, previous: "up", status: "down", sinceMs: T0 + 5, detail: "connection refused" }],
    ["c1", 3, T0 + 12, { kind: "subscription_ended", serviceId: "s3", reason: "service unregistered" }],
  ],
  announced: [["c1", "s1", "down", T0 + 5]],
} as const;

/** What the current code must load from those rows. */
const EXPECTED: StoreContents = sorted({
  services: [
    { id: "s1", host: "127.0.0.1", port: 5432, displayName: "db", checkIntervalMs: 30_000, checkTimeoutMs: 2_000, createdAt: T0 },
    {
      id: "s2",
      host: "::1",
      port: 6379,
      displayName: "cache",
      checkIntervalMs: 1_000,
      checkTimeoutMs: 100.5,
      createdAt: T0 + 1,
      probe: { kind: "tcp", closeMode: "reset" },
      managedBy: "config",
    },
  ],
  callers: [{ id: "c1", displayName: "pager", createdAt: T0 + 2 }],
  subscriptions: [
    { callerId: "c1", serviceId: "s1", pollingIntervalMs: 5_000, gracePeriodMs: 10_000 },
    { callerId: "c1", serviceId: "s2", pollingIntervalMs: 1_000, gracePeriodMs: 0, managedBy: "config" },
  ],
  outages: [{ id: "o1", serviceId: "s1", startMs: T0 + 60_000, endMs: T0 + 120_000.25, reason: "upgrade" }],
  observations: [
    { serviceId: "s1", observation: { status: "down", sinceMs: T0 + 5, lastCheckAt: T0 + 7, lastLatencyMs: 1.25, detail: "connection refused" } },
    { serviceId: "s2", observation: { status: "unknown", sinceMs: 0, lastCheckAt: undefined, lastLatencyMs: 0, detail: "" } },
  ],
  announced: [{ callerId: "c1", serviceId: "s1", announced: { status: "down", sinceMs: T0 + 5 } }],
  sequences: [
    { callerId: "c1", lastSequence: 3 },
    { callerId: "gone", lastSequence: 9 },
  ],
});

const EXPECTED_EVENTS: LoggedEvent[] = V1_ROWS.events.map(([callerId, sequence, timeMs, event]) => ({
  callerId,
  sequence,
  timeMs,
  event: event as LoggedEvent["event"],
}));

/** What version 2 adds, written after the migration: a paused HTTP service and its observation. */
const HTTP_PROBE: HttpProbeConfig = {
  kind: "http",
  url: "http://127.0.0.1:8080/health",
  method: "GET",
  headers: {},
  body: new Uint8Array(0),
  acceptedStatuses: [{ min: 200, max: 399 }],
  bodyRegex: "",
  bodyKeyword: "",
  invertBodyMatch: false,
  maxRedirects: 10,
  skipTlsVerify: false,
};
const HTTP_SERVICE: ServiceConfig = {
  id: "h1",
  host: "127.0.0.1",
  port: 8080,
  displayName: "web",
  checkIntervalMs: 30_000,
  checkTimeoutMs: 2_000,
  createdAt: T0 + 20,
  probe: HTTP_PROBE,
  pausedAt: T0 + 30,
};

/** Checks a migrated store: every version-1 row as it was, and the version-2 fields writable and kept. */
async function expectMigrated(open: () => Promise<Store>): Promise<void> {
  const store = await open();
  expect(sorted(await store.load())).toEqual(EXPECTED);
  expect(await store.readEvents("c1", 0, 10)).toEqual(EXPECTED_EVENTS);
  const note = "check target changed from 127.0.0.1:8081 to http://127.0.0.1:8080/health";
  const observation = {
    status: "up" as const,
    sinceMs: T0 + 21,
    lastCheckAt: T0 + 21,
    lastLatencyMs: 3,
    detail: "",
    http: {
      statusCode: 200,
      phases: { dnsMs: 0, connectMs: 1, tlsMs: 0, firstByteMs: 1, totalMs: 3 },
      tlsExpiresAt: undefined,
      captures: [],
      namedCaptures: {},
    },
    note,
  };
  await store.write([
    { kind: "put_service", service: HTTP_SERVICE },
    { kind: "put_observation", serviceId: "h1", observation },
    { kind: "append_event", event: { callerId: "c1", sequence: 4, timeMs: T0 + 40, event: { kind: "service_paused", serviceId: "s1" } } },
  ]);
  await store.close();
  const again = await open();
  try {
    const loaded = sorted(await again.load());
    expect(loaded.services).toEqual(sorted({ ...EXPECTED, services: [...EXPECTED.services, HTTP_SERVICE] }).services);
    expect(loaded.observations).toContainEqual({ serviceId: "h1", observation });
    // The pause event left the version-1 announced row as it was.
    expect(loaded.announced).toEqual(EXPECTED.announced);
    expect((await again.readEvents("c1", 3, 10)).map((e) => e.event)).toEqual([{ kind: "service_paused", serviceId: "s1" }]);
  } finally {
    await again.close();
  }
}

describe("sqlite: a version-1 monitor.db", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  const writeV1File = (extraDdl = "") => writeOldSqliteFile(dirs, SQLITE_SCHEMA_V1, 1, V1_ROWS, extraDdl);

  it("opens, migrates to version 2 (and 3, 4) in place and keeps every row; the new fields are then stored", async () => {
    const file = writeV1File();
    expect(SQLITE_STORE_SCHEMA_VERSION).toBe(4);
    await expectMigrated(() => openSqliteStore({ path: file }));
    expect(sqliteUserVersion(file)).toBe(4);
    expect(sqliteColumns(file, "services")).toContain("paused_at_ms");
    expect(sqliteColumns(file, "observations")).toEqual(expect.arrayContaining(["http", "note"]));
  });

  it("a migration that fails part-way (a column already there) leaves the file at version 1, unchanged", async () => {
    // The last statement of the migration fails; the two before it must not stay applied.
    const file = writeV1File("ALTER TABLE observations ADD COLUMN note TEXT;");
    const err = await openingFailure(() => openSqliteStore({ path: file }));
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ kind: "corrupt" });
    expect((err as Error).message).toBe(
      `sqlite ${file}: migrating the schema from version 1 to 2 failed (duplicate column name: note), so the file does not ` +
        "hold the version-1 schema it claims; it was left as it was — restore it from a backup",
    );
    expect(sqliteUserVersion(file)).toBe(1);
    expect(sqliteColumns(file, "services")).not.toContain("paused_at_ms");
    expect(sqliteColumns(file, "observations")).not.toContain("http");
  });
});

describePostgres("postgres: a version-1 database", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
  });

  /** A database as the previous release left it: migration 1 from its DDL, recorded, and its rows. */
  async function v1Database(extraDdl = ""): Promise<string> {
    const url = await testDatabaseUrl();
    cleanups.push(() => dropTestDatabase(url));
    await writeOldPostgresDatabase(url, [{ version: 1, name: "initial schema", sql: POSTGRES_SCHEMA_V1 }], V1_ROWS, extraDdl);
    return url;
  }

  it("opens, applies migrations 2 (and 3, 4) and keeps every row; the new fields are then stored", async () => {
    const url = await v1Database();
    expect(POSTGRES_SCHEMA_VERSION).toBe(4);
    await expectMigrated(() => openPostgresStore({ url }));
    expect(await postgresVersions(url)).toEqual([1, 2, 3, 4]);
    expect(await postgresColumns(url, "services")).toContain("paused_at_ms");
    expect(await postgresColumns(url, "observations")).toEqual(expect.arrayContaining(["http", "note"]));
  });

  it("a migration that fails part-way (a column already there) leaves the database at version 1, unchanged", async () => {
    const url = await v1Database("ALTER TABLE observations ADD COLUMN note text;");
    const err = await openingFailure(() => openPostgresStore({ url }));
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ kind: "corrupt" });
    expect((err as Error).message).toMatch(
      /: migration 2 \(.*\) does not fit the schema \(column "note" of relation "observations" already exists\), so it does not hold the version-1 schema it records/,
    );
    expect(await postgresVersions(url)).toEqual([1]);
    expect(await postgresColumns(url, "services")).not.toContain("paused_at_ms");
    expect(await postgresColumns(url, "observations")).not.toContain("http");
  });
});
