/**
 * The version-1 schemas exactly as the release before issue 10 created them
 * (server/store/sqlite-store-schema.ts and postgres-store-schema.ts at
 * a8ee4bf), kept here so the migration tests build a real version-1 store
 * however the code's own copy of version 1 changes later.
 */

/** monitor.db version 1; the release also set application_id 0x534d4f4e and user_version 1. */
export const SQLITE_SCHEMA_V1 = `
CREATE TABLE services (
  id                TEXT    NOT NULL PRIMARY KEY,
  host              TEXT    NOT NULL,
  port              INTEGER NOT NULL,
  display_name      TEXT    NOT NULL,
  check_interval_ms REAL    NOT NULL,
  check_timeout_ms  REAL    NOT NULL,
  created_at_ms     REAL    NOT NULL,
  probe             TEXT,
  managed_by        TEXT    CHECK (managed_by IN ('config'))
) STRICT, WITHOUT ROWID;

CREATE TABLE callers (
  id            TEXT NOT NULL PRIMARY KEY,
  display_name  TEXT NOT NULL,
  created_at_ms REAL NOT NULL,
  managed_by    TEXT CHECK (managed_by IN ('config'))
) STRICT, WITHOUT ROWID;

CREATE TABLE subscriptions (
  caller_id           TEXT NOT NULL REFERENCES callers (id),
  service_id          TEXT NOT NULL REFERENCES services (id),
  polling_interval_ms REAL NOT NULL,
  grace_period_ms     REAL NOT NULL,
  managed_by          TEXT CHECK (managed_by IN ('config')),
  PRIMARY KEY (caller_id, service_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX subscriptions_by_service ON subscriptions (service_id);

CREATE TABLE outages (
  id         TEXT NOT NULL PRIMARY KEY,
  service_id TEXT NOT NULL REFERENCES services (id),
  start_ms   REAL NOT NULL,
  end_ms     REAL NOT NULL,
  reason     TEXT NOT NULL,
  managed_by TEXT CHECK (managed_by IN ('config'))
) STRICT, WITHOUT ROWID;
CREATE INDEX outages_by_service ON outages (service_id);

CREATE TABLE observations (
  service_id       TEXT NOT NULL PRIMARY KEY REFERENCES services (id),
  status           TEXT NOT NULL CHECK (status IN ('unknown', 'up', 'down')),
  since_ms         REAL NOT NULL,
  last_check_at_ms REAL,
  last_latency_ms  REAL NOT NULL,
  detail           TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE caller_counters (
  caller_id     TEXT    NOT NULL PRIMARY KEY,
  last_sequence INTEGER NOT NULL CHECK (last_sequence >= 0)
) STRICT, WITHOUT ROWID;

CREATE TABLE events (
  caller_id TEXT    NOT NULL,
  sequence  INTEGER NOT NULL CHECK (sequence >= 1),
  time_ms   REAL    NOT NULL,
  payload   TEXT    NOT NULL,
  PRIMARY KEY (caller_id, sequence)
) STRICT;

CREATE TABLE announced (
  caller_id  TEXT NOT NULL,
  service_id TEXT NOT NULL,
  status     TEXT NOT NULL CHECK (status IN ('unknown', 'up', 'down')),
  since_ms   REAL NOT NULL,
  PRIMARY KEY (caller_id, service_id)
) STRICT, WITHOUT ROWID;
`;

/** PostgreSQL migration 1 ("initial schema"), recorded in schema_migrations by the release. */
export const POSTGRES_SCHEMA_V1 = `
CREATE TABLE services (
  id                text             NOT NULL PRIMARY KEY,
  host              text             NOT NULL,
  port              integer          NOT NULL,
  display_name      text             NOT NULL,
  check_interval_ms double precision NOT NULL,
  check_timeout_ms  double precision NOT NULL,
  created_at_ms     double precision NOT NULL,
  probe             jsonb,
  managed_by        text             CHECK (managed_by IN ('config'))
);

CREATE TABLE callers (
  id            text             NOT NULL PRIMARY KEY,
  display_name  text             NOT NULL,
  created_at_ms double precision NOT NULL,
  managed_by    text             CHECK (managed_by IN ('config'))
);

CREATE TABLE subscriptions (
  caller_id           text             NOT NULL REFERENCES callers (id),
  service_id          text             NOT NULL REFERENCES services (id),
  polling_interval_ms double precision NOT NULL,
  grace_period_ms     double precision NOT NULL,
  managed_by          text             CHECK (managed_by IN ('config')),
  PRIMARY KEY (caller_id, service_id)
);
CREATE INDEX subscriptions_by_service ON subscriptions (service_id);

CREATE TABLE outages (
  id         text             NOT NULL PRIMARY KEY,
  service_id text             NOT NULL REFERENCES services (id),
  start_ms   double precision NOT NULL,
  end_ms     double precision NOT NULL,
  reason     text             NOT NULL,
  managed_by text             CHECK (managed_by IN ('config'))
);
CREATE INDEX outages_by_service ON outages (service_id);

CREATE TABLE observations (
  service_id       text             NOT NULL PRIMARY KEY REFERENCES services (id),
  status           text             NOT NULL CHECK (status IN ('unknown', 'up', 'down')),
  since_ms         double precision NOT NULL,
  last_check_at_ms double precision,
  last_latency_ms  double precision NOT NULL,
  detail           text             NOT NULL
);

CREATE TABLE caller_counters (
  caller_id     text   NOT NULL PRIMARY KEY,
  last_sequence bigint NOT NULL CHECK (last_sequence >= 0)
);

CREATE TABLE events (
  caller_id text             NOT NULL,
  sequence  bigint           NOT NULL CHECK (sequence >= 1),
  time_ms   double precision NOT NULL,
  payload   jsonb            NOT NULL,
  PRIMARY KEY (caller_id, sequence)
);

CREATE TABLE announced (
  caller_id  text             NOT NULL,
  service_id text             NOT NULL,
  status     text             NOT NULL CHECK (status IN ('unknown', 'up', 'down')),
  since_ms   double precision NOT NULL,
  PRIMARY KEY (caller_id, service_id)
);
`;
