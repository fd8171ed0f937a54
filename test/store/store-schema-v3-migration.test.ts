import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { CallerEvent, HttpProbeConfig, LoggedEvent, SubscriptionConfig } from "../../server/domain/types.js";
import { encodeProbe } from "../../server/store/probe-codec.js";
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
import { POSTGRES_MIGRATIONS_V2, SQLITE_SCHEMA_V2 } from "./schema-v2.js";

/**
 * A store made by the release before issue 11 (schema version 2, built from
 * the copy of its DDL in schema-v2.ts, rows as it wrote them) opens with
 * this code on both backends, migrates in place to version 3 (availability
 * alert rules on subscriptions, `alerting` on announced rows; and on to the
 * current version, store-schema-v4-migration.test.ts) and keeps every row,
 * with no rule and no alert; a migration that fails part-way leaves the
 * version-2 store as it was.
 */

const T0 = 1_700_000_000_000;

const HTTP_PROBE: HttpProbeConfig = {
  kind: "http",
  url: "http://127.0.0.1:8080/health",
  method: "POST",
  headers: { "X-Token": "t" },
  body: new Uint8Array([1, 2, 3]),
  acceptedStatuses: [{ min: 200, max: 399 }],
  bodyRegex: "",
  bodyKeyword: "",
  invertBodyMatch: false,
  maxRedirects: 10,
  skipTlsVerify: false,
};
/** The probe column as version 2 wrote it (the probe codec is unchanged since). */
const HTTP_PROBE_JSON = JSON.parse(encodeProbe(HTTP_PROBE)!) as object;
const HTTP_DETAILS_JSON = {
  statusCode: 503,
  phases: { dnsMs: 0, connectMs: 1, tlsMs: 0, firstByteMs: 2, totalMs: 3 },
  tlsExpiresAt: null,
  captures: [],
  namedCaptures: {},
};

/** The rows, as version 2 held them: a paused HTTP service, a note, pause events, two announced rows. */
const V2_ROWS = {
  services: [
    ["s1", "127.0.0.1", 5432, "db", 30_000, 2_000, T0, null, null, null],
    ["h1", "127.0.0.1", 8080, "web", 1_000, 500, T0 + 1, HTTP_PROBE_JSON, "config", T0 + 30],
  ],
  callers: [["c1", "pager", T0 + 2, null]],
  subscriptions: [
    ["c1", "s1", 5_000, 10_000, null],
    ["c1", "h1", 1_000, 0, "config"],
  ],
  outages: [],
  observations: [
    ["s1", "down", T0 + 5, T0 + 7, 1.25, "connection refused", null, null],
    ["h1", "down", T0 + 6, T0 + 8, 3, "status 503 not in 200-399", HTTP_DETAILS_JSON, "check target changed from 127.0.0.1:8081"],
  ],
  counters: [["c1", 4]],
  events: [
    ["c1", 1, T0 + 10, { kind: "status_change", serviceId: "s1", host: "127.0.0.1", port: 5432, previous: "unknown", status: "down", sinceMs: T0 + 5, detail: "connection refused" }],
    [
      "c1",
      2,
      T0 + 11,
      {
        kind: "status_change",
        serviceId: "h1",
        host: "127.0.0.1",
        port: 8080,
        url: "http://127.0.0.1:8080/health",
        previous: "unknown",
        status: "down",
        sinceMs: T0 + 6,
        detail: "status 503 not in 200-399",
        http: HTTP_DETAILS_JSON,
      },
    ],
    ["c1", 3, T0 + 30, { kind: "service_paused", serviceId: "h1" }],
    ["c1", 4, T0 + 31, { kind: "service_resumed", serviceId: "h1" }],
  ],
  announced: [
    ["c1", "s1", "down", T0 + 5],
    ["c1", "h1", "down", T0 + 6],
  ],
} as const;

/** What the current code must load from those rows: no rule on any subscription, no alert on any announced row. */
const EXPECTED: StoreContents = sorted({
  services: [
    { id: "s1", host: "127.0.0.1", port: 5432, displayName: "db", checkIntervalMs: 30_000, checkTimeoutMs: 2_000, createdAt: T0 },
    {
      id: "h1",
      host: "127.0.0.1",
      port: 8080,
      displayName: "web",
      checkIntervalMs: 1_000,
      checkTimeoutMs: 500,
      createdAt: T0 + 1,
      probe: HTTP_PROBE,
      managedBy: "config",
      pausedAt: T0 + 30,
    },
  ],
  callers: [{ id: "c1", displayName: "pager", createdAt: T0 + 2 }],
  subscriptions: [
    { callerId: "c1", serviceId: "s1", pollingIntervalMs: 5_000, gracePeriodMs: 10_000 },
    { callerId: "c1", serviceId: "h1", pollingIntervalMs: 1_000, gracePeriodMs: 0, managedBy: "config" },
  ],
  outages: [],
  observations: [
    { serviceId: "s1", observation: { status: "down", sinceMs: T0 + 5, lastCheckAt: T0 + 7, lastLatencyMs: 1.25, detail: "connection refused" } },
    {
      serviceId: "h1",
      observation: {
        status: "down",
        sinceMs: T0 + 6,
        lastCheckAt: T0 + 8,
        lastLatencyMs: 3,
        detail: "status 503 not in 200-399",
        http: { ...HTTP_DETAILS_JSON, statusCode: 503, tlsExpiresAt: undefined },
        note: "check target changed from 127.0.0.1:8081",
      },
    },
  ],
  announced: [
    { callerId: "c1", serviceId: "s1", announced: { status: "down", sinceMs: T0 + 5 } },
    { callerId: "c1", serviceId: "h1", announced: { status: "down", sinceMs: T0 + 6 } },
  ],
  sequences: [{ callerId: "c1", lastSequence: 4 }],
});

/** What version 3 adds, written after the migration: a rule on a version-2 subscription, and an alert. */
const RULED: SubscriptionConfig = {
  callerId: "c1",
  serviceId: "s1",
  pollingIntervalMs: 5_000,
  gracePeriodMs: 10_000,
  availabilityAlert: { windowMs: 120_000, threshold: 0.8 },
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

/** Checks a migrated store: every version-2 row as it was (events too), and the version-3 fields writable and kept. */
async function expectMigrated(open: () => Promise<Store>): Promise<void> {
  const store = await open();
  const loaded = sorted(await store.load());
  // The probe's body comes back as some Uint8Array (a Buffer on one backend): compared by bytes.
  const bodyOf = (c: StoreContents) => c.services.map((s) => (s.probe?.kind === "http" ? [...s.probe.body] : undefined));
  expect(bodyOf(loaded)).toEqual(bodyOf(EXPECTED));
  const withoutBody = (c: StoreContents): StoreContents => ({
    ...c,
    services: c.services.map((s) => (s.probe?.kind === "http" ? { ...s, probe: { ...s.probe, body: new Uint8Array(0) } } : s)),
  });
  expect(withoutBody(loaded)).toEqual(withoutBody(EXPECTED));
  const events = await store.readEvents("c1", 0, 10);
  expect(events.map((e) => [e.sequence, e.timeMs, e.event.kind])).toEqual(V2_ROWS.events.map(([, sequence, timeMs, event]) => [sequence, timeMs, event.kind]));

  const alerted: LoggedEvent = { callerId: "c1", sequence: 5, timeMs: T0 + 40, event: ALERT };
  await store.write([
    { kind: "put_subscription", subscription: RULED },
    { kind: "append_event", event: alerted },
  ]);
  await store.close();
  const again = await open();
  try {
    const reloaded = sorted(await again.load());
    expect(reloaded.subscriptions).toEqual(sorted({ ...EXPECTED, subscriptions: [RULED, EXPECTED.subscriptions.find((s) => s.serviceId === "h1")!] }).subscriptions);
    // The alert set alerting on the version-2 row and kept its status.
    expect(reloaded.announced).toEqual(
      sorted({
        ...EXPECTED,
        announced: [
          { callerId: "c1", serviceId: "s1", announced: { status: "down", sinceMs: T0 + 5, alerting: true } },
          { callerId: "c1", serviceId: "h1", announced: { status: "down", sinceMs: T0 + 6 } },
        ],
      }).announced,
    );
    expect(await again.readEvents("c1", 4, 10)).toEqual([alerted]);
  } finally {
    await again.close();
  }
}

describe("sqlite: a version-2 monitor.db", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  const writeV2File = (extraDdl = "") => writeOldSqliteFile(dirs, SQLITE_SCHEMA_V2, 2, V2_ROWS, extraDdl);

  it("opens, migrates to version 3 (and 4) in place and keeps every row; rules and alerts are then stored", async () => {
    const file = writeV2File();
    expect(SQLITE_STORE_SCHEMA_VERSION).toBe(4);
    await expectMigrated(() => openSqliteStore({ path: file }));
    expect(sqliteUserVersion(file)).toBe(4);
    expect(sqliteColumns(file, "subscriptions")).toEqual(expect.arrayContaining(["alert_window_ms", "alert_threshold"]));
    expect(sqliteColumns(file, "announced")).toContain("alerting");
  });

  it("a migration that fails part-way (a column already there) leaves the file at version 2, unchanged", async () => {
    // The last statement of the migration fails; the two before it must not stay applied.
    const file = writeV2File("ALTER TABLE announced ADD COLUMN alerting INTEGER;");
    const err = await openingFailure(() => openSqliteStore({ path: file }));
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ kind: "corrupt" });
    expect((err as Error).message).toBe(
      `sqlite ${file}: migrating the schema from version 2 to 3 failed (duplicate column name: alerting), so the file does not ` +
        "hold the version-2 schema it claims; it was left as it was — restore it from a backup",
    );
    expect(sqliteUserVersion(file)).toBe(2);
    expect(sqliteColumns(file, "subscriptions")).not.toContain("alert_window_ms");
  });
});

describePostgres("postgres: a version-2 database", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
  });

  /** A database as the previous release left it: migrations 1 and 2 from its DDL, recorded, and its rows. */
  async function v2Database(extraDdl = ""): Promise<string> {
    const url = await testDatabaseUrl();
    cleanups.push(() => dropTestDatabase(url));
    await writeOldPostgresDatabase(url, POSTGRES_MIGRATIONS_V2, V2_ROWS, extraDdl);
    return url;
  }

  it("opens, applies migration 3 (and 4) and keeps every row; rules and alerts are then stored", async () => {
    const url = await v2Database();
    expect(POSTGRES_SCHEMA_VERSION).toBe(4);
    await expectMigrated(() => openPostgresStore({ url }));
    expect(await postgresVersions(url)).toEqual([1, 2, 3, 4]);
    expect(await postgresColumns(url, "subscriptions")).toEqual(expect.arrayContaining(["alert_window_ms", "alert_threshold"]));
    expect(await postgresColumns(url, "announced")).toContain("alerting");
  });

  it("a migration that fails part-way (a column already there) leaves the database at version 2, unchanged", async () => {
    const url = await v2Database("ALTER TABLE announced ADD COLUMN alerting boolean;");
    const err = await openingFailure(() => openPostgresStore({ url }));
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ kind: "corrupt" });
    expect((err as Error).message).toMatch(
      /: migration 3 \(.*\) does not fit the schema \(column "alerting" of relation "announced" already exists\), so it does not hold the version-2 schema it records/,
    );
    expect(await postgresVersions(url)).toEqual([1, 2]);
    expect(await postgresColumns(url, "subscriptions")).not.toContain("alert_window_ms");
  });
});
