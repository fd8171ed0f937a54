import { hostname } from "node:os";
import pg from "pg";
import type { HistoryCursor, StatusChangeRecord, Stored } from "../domain/history-types.js";
import { UNROLLED_LOOKBACK_MS, type HistoryStore, type StatsSnapshot } from "./history-store.js";
import { applyHistoryMigrations } from "./postgres-history-schema.js";
import {
  BUCKET_COLUMNS,
  CHANGE_COLUMNS,
  RECORD_COLUMNS,
  TAIL_COLUMNS,
  bucketColumns,
  changeColumns,
  decodeBucket,
  decodeChange,
  decodeRecord,
  decodeTail,
  recordColumns,
  tailColumns,
  type BucketRow,
  type ChangeRow,
  type RecordRow,
  type TailRow,
} from "./postgres-history-rows.js";
import { applicationName } from "./postgres-session-lock.js";
import { parsePostgresTarget, type PostgresTarget } from "./postgres-target.js";
import { withClient } from "./postgres-with-client.js";
import { RowError } from "./store-rows.js";
import { StoreError } from "./store.js";

export interface PostgresHistoryStoreOptions {
  /** The main store's URL (`postgres://…`): the history lives in the same database. */
  readonly url: string;
  /** Pooled connections: the writer, the rollup job, stats and retention. Default 3. */
  readonly maxConnections?: number;
  /** How long connecting may take before it fails `unavailable`. Default 10 s. */
  readonly connectTimeoutMs?: number;
}

/** A HistoryStore the server owns: it names its database and must be closed. */
export interface PostgresHistoryStore extends HistoryStore {
  /** "postgres host:port/db", as the main store says it. */
  readonly description: string;
  /** Waits for the calls in flight, then ends the pool; later calls fail `unavailable`. */
  close(): Promise<void>;
}

/** int8 (ids, the watermark) as a number; the row decoders check it fitted. */
const types = new pg.TypeOverrides();
types.setTypeParser(pg.types.builtins.INT8, (text: string) => Number(text));

/**
 * The history store on PostgreSQL: the same database as the main store
 * (postgres-store.ts), on a pool of its own, so a history batch never queues
 * behind an announcement and a slow history never holds the main store's
 * connections. It takes no lock: the main store's session lock already keeps
 * one server per database, so open it after the main store.
 *
 * Writes are one transaction each with synchronous_commit off (the history
 * is allowed to lose its last second on a crash, see HistoryStore); their
 * rows go in one `unnest` statement per table, whatever their number.
 */
export async function openPostgresHistoryStore(options: PostgresHistoryStoreOptions): Promise<PostgresHistoryStore> {
  const target = parsePostgresTarget(options.url);
  const pool = new pg.Pool({
    connectionString: options.url,
    application_name: applicationName(process.pid, hostname()),
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    types,
    max: options.maxConnections ?? 3,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection that dies is dropped and replaced on the next use;
  // without a listener its 'error' would crash the process.
  pool.on("error", () => undefined);
  try {
    await withClient(pool, target, "open history", (client) => applyHistoryMigrations(client, target.description));
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  return createPostgresHistoryStore(target, pool);
}

/** A limit as a row count: a positive integer, or 0 for "nothing". */
function rowLimit(limit: number): number {
  const max = Math.min(Math.floor(limit), Number.MAX_SAFE_INTEGER);
  return max > 0 ? max : 0;
}

/** Rows as arrays, in the order of the SELECT's columns (the row decoders' order). */
async function rows<R extends unknown[]>(client: pg.ClientBase, config: pg.QueryConfig): Promise<R[]> {
  return (await client.query<R>({ ...config, rowMode: "array" })).rows;
}

/** The order of a stats snapshot's buckets: finest resolution first. */
const RESOLUTION_ORDER = "array_position(ARRAY['minute', 'hour', 'day'], resolution)";

function createPostgresHistoryStore(target: PostgresTarget, pool: pg.Pool): PostgresHistoryStore {
  const { description } = target;
  let closing: Promise<void> | undefined;
  const inFlight = new Set<Promise<unknown>>();

  /** Every call: refused once closing, counted so close waits for it. */
  function run<T>(what: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    if (closing !== undefined) return Promise.reject(new StoreError("unavailable", `${description}: ${what}: the history store is closed`));
    const call = withClient(pool, target, what, fn);
    const settled = call.then(
      () => undefined,
      () => undefined,
    );
    inFlight.add(settled);
    void settled.then(() => inFlight.delete(settled));
    return call;
  }

  /** One write transaction; history may lose its last commits on a crash, never the registry. */
  async function inWriteTransaction(client: pg.PoolClient, fn: () => Promise<void>): Promise<void> {
    await client.query("BEGIN; SET LOCAL synchronous_commit = off");
    await fn();
    await client.query("COMMIT");
  }

  async function deleteBounded(client: pg.PoolClient, name: string, text: string, values: unknown[]): Promise<number> {
    return (await client.query({ name, text, values })).rowCount ?? 0;
  }

  return {
    description,

    async append(records, changes) {
      if (records.length === 0 && changes.length === 0) return;
      // Built before a connection is taken: a NaN is refused without touching the database.
      const recordValues = recordColumns(records);
      const changeValues = changeColumns(changes);
      await run("append history", (client) =>
        inWriteTransaction(client, async () => {
          // WITH ORDINALITY … ORDER BY: the identity is drawn as rows reach
          // the insert, so ids follow the order of `records`.
          if (records.length > 0) {
            await client.query({
              name: "history_append_records",
              text: `INSERT INTO check_results (service_id, at_ms, status, latency_ms, detail, in_outage, max_span_ms, http)
                SELECT service_id, at_ms, status, latency_ms, detail, in_outage, max_span_ms, http
                FROM unnest($1::text[], $2::float8[], $3::text[], $4::float8[], $5::text[], $6::bool[], $7::float8[], $8::jsonb[])
                  WITH ORDINALITY AS r(service_id, at_ms, status, latency_ms, detail, in_outage, max_span_ms, http, n)
                ORDER BY n`,
              values: recordValues,
            });
          }
          if (changes.length > 0) {
            await client.query({
              name: "history_append_changes",
              text: `INSERT INTO status_changes (service_id, at_ms, previous, status, detail)
                SELECT service_id, at_ms, previous, status, detail
                FROM unnest($1::text[], $2::float8[], $3::text[], $4::text[], $5::text[])
                  WITH ORDINALITY AS c(service_id, at_ms, previous, status, detail, n)
                ORDER BY n`,
              values: changeValues,
            });
          }
        }),
      );
    },

    listRecords(query) {
      const limit = rowLimit(query.limit);
      if (limit === 0) return Promise.resolve([]);
      const values: unknown[] = [query.serviceId, query.startMs, query.endMs, limit];
      let where = "service_id = $1 AND at_ms >= $2 AND at_ms < $3";
      let name = "history_list_records";
      if (query.statuses !== undefined) {
        values.push([...query.statuses]);
        where += ` AND status = ANY($${values.length}::text[])`;
        name += "_status";
      }
      if (query.before !== undefined) {
        values.push(query.before.at, query.before.id);
        where += ` AND (at_ms, id) < ($${values.length - 1}, $${values.length})`;
        name += "_before";
      }
      return run("list check results", async (client) =>
        (
          await rows<RecordRow>(client, {
            name,
            text: `SELECT ${RECORD_COLUMNS} FROM check_results WHERE ${where} ORDER BY at_ms DESC, id DESC LIMIT $4`,
            values,
          })
        ).map(decodeRecord),
      );
    },

    listStatusChanges(query) {
      const limit = rowLimit(query.limit);
      if (limit === 0) return Promise.resolve([]);
      const before = query.before;
      return run("list status changes", async (client) =>
        (
          await rows<ChangeRow>(
            client,
            before === undefined
              ? {
                  name: "history_list_changes",
                  text: `SELECT ${CHANGE_COLUMNS} FROM status_changes WHERE service_id = $1 AND at_ms >= $2 AND at_ms < $3
                    ORDER BY at_ms DESC, id DESC LIMIT $4`,
                  values: [query.serviceId, query.startMs, query.endMs, limit],
                }
              : {
                  name: "history_list_changes_before",
                  text: `SELECT ${CHANGE_COLUMNS} FROM status_changes WHERE service_id = $1 AND at_ms >= $2 AND at_ms < $3
                    AND (at_ms, id) < ($5, $6) ORDER BY at_ms DESC, id DESC LIMIT $4`,
                  values: [query.serviceId, query.startMs, query.endMs, limit, before.at, before.id],
                },
          )
        ).map(decodeChange),
      );
    },

    nextStatusChange(serviceId, cursor) {
      return run("next status change", async (client) => (await nextChange(client, serviceId, cursor, undefined)) ?? undefined);
    },

    rollupWatermark() {
      return run("read rollup watermark", readWatermark);
    },

    recordsAfter(afterId, limit) {
      const max = rowLimit(limit);
      if (max === 0) return Promise.resolve([]);
      return run("read history after watermark", async (client) =>
        (
          await rows<RecordRow>(client, {
            name: "history_records_after",
            text: `SELECT ${RECORD_COLUMNS} FROM check_results WHERE id > $1 ORDER BY id LIMIT $2`,
            values: [Math.max(0, Math.floor(afterId)), max],
          })
        ).map(decodeRecord),
      );
    },

    readTails(serviceIds) {
      if (serviceIds.length === 0) return Promise.resolve([]);
      return run("read rollup tails", async (client) =>
        (
          await rows<TailRow>(client, {
            name: "history_read_tails",
            text: `SELECT ${TAIL_COLUMNS} FROM rollup_tails WHERE service_id = ANY($1::text[]) ORDER BY service_id`,
            values: [[...serviceIds]],
          })
        ).map(decodeTail),
      );
    },

    readBuckets(keys) {
      if (keys.length === 0) return Promise.resolve([]);
      return run("read rollups", async (client) =>
        (
          await rows<BucketRow>(client, {
            name: "history_read_buckets",
            text: `SELECT ${BUCKET_COLUMNS.split(", ").map((column) => `b.${column}`).join(", ")}
              FROM (SELECT DISTINCT * FROM unnest($1::text[], $2::text[], $3::float8[]) AS k(service_id, resolution, start_ms)) k
              JOIN rollups b ON b.service_id = k.service_id AND b.resolution = k.resolution AND b.start_ms = k.start_ms
              ORDER BY b.service_id, array_position(ARRAY['minute', 'hour', 'day'], b.resolution), b.start_ms`,
            values: [keys.map((k) => k.serviceId), keys.map((k) => k.resolution), keys.map((k) => k.startMs)],
          })
        ).map(decodeBucket),
      );
    },

    async writeRollups(pass) {
      const buckets = bucketColumns(pass.buckets);
      const tails = tailColumns(pass.tails);
      const watermark = pass.watermark;
      if (!Number.isSafeInteger(watermark) || watermark < 0) {
        throw new RangeError(`rollup watermark must be a non-negative integer, got ${String(watermark)}`);
      }
      await run("write rollups", (client) =>
        inWriteTransaction(client, async () => {
          if (pass.buckets.length > 0) await client.query({ name: "history_put_buckets", text: PUT_BUCKETS, values: buckets });
          if (pass.tails.length > 0) await client.query({ name: "history_put_tails", text: PUT_TAILS, values: tails });
          await client.query({
            name: "history_set_watermark",
            text: "UPDATE rollup_state SET watermark = GREATEST(watermark, $1)",
            values: [watermark],
          });
        }),
      );
    },

    readStatsSnapshot(query) {
      return run("read stats", async (client): Promise<StatsSnapshot> => {
        // One snapshot: rows the rollup job folds mid-read are seen either
        // rolled up or not, never both nor neither.
        await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        const { serviceId, endMs } = query;
        const bucketRows =
          query.ranges.length === 0
            ? []
            : await rows<BucketRow>(client, {
                name: "history_stats_buckets",
                text: `SELECT DISTINCT ${BUCKET_COLUMNS}, ${RESOLUTION_ORDER} AS fineness FROM rollups b
                  JOIN unnest($2::text[], $3::float8[], $4::float8[]) AS r(res, s, e)
                    ON b.resolution = r.res AND b.start_ms >= r.s AND b.start_ms < r.e
                  WHERE b.service_id = $1
                  ORDER BY fineness, start_ms`,
                values: [
                  serviceId,
                  query.ranges.map((r) => r.resolution),
                  query.ranges.map((r) => r.startMs),
                  query.ranges.map((r) => r.endMs),
                ],
              });
        const watermark = await readWatermark(client);
        const tailRows = await rows<TailRow>(client, {
          name: "history_stats_tail",
          text: `SELECT ${TAIL_COLUMNS} FROM rollup_tails WHERE service_id = $1`,
          values: [serviceId],
        });
        // From near the tail by the (service_id, at_ms, id) index: `id > watermark`
        // alone was planned as a walk of the service's whole index range.
        const from = tailRows[0] === undefined ? Number.NEGATIVE_INFINITY : decodeTail(tailRows[0]).at - UNROLLED_LOOKBACK_MS;
        const unrolled = await rows<RecordRow>(client, {
          name: "history_stats_unrolled",
          text: `SELECT ${RECORD_COLUMNS} FROM check_results WHERE service_id = $1 AND at_ms >= $3 AND id > $2 ORDER BY id`,
          values: [serviceId, watermark, from],
        });
        const changes = await rows<ChangeRow>(client, {
          name: "history_stats_changes",
          text: `SELECT ${CHANGE_COLUMNS} FROM status_changes WHERE service_id = $1 AND at_ms >= $2 AND at_ms < $3
            ORDER BY at_ms, id`,
          values: [serviceId, query.changesStartMs, endMs],
        });
        const failureRows = await rows<ChangeRow>(client, {
          name: "history_stats_last_failure",
          text: `SELECT ${CHANGE_COLUMNS} FROM status_changes WHERE service_id = $1 AND status = 'down' AND at_ms < $2
            ORDER BY at_ms DESC, id DESC LIMIT 1`,
          values: [serviceId, endMs],
        });
        const failureStart = failureRows[0] === undefined ? undefined : decodeChange(failureRows[0]);
        // Its end as of endMs: a change after endMs had not happened yet in the window asked about.
        const failureEnd = failureStart === undefined ? undefined : await nextChange(client, serviceId, failureStart, endMs);
        await client.query("COMMIT");
        const tail = tailRows[0];
        return {
          buckets: bucketRows.map((row) => decodeBucket(row.slice(0, 12) as BucketRow)),
          watermark,
          tail: tail === undefined ? undefined : decodeTail(tail),
          unrolled: unrolled.map(decodeRecord),
          changes: changes.map(decodeChange),
          lastFailure: failureStart === undefined ? undefined : { start: withoutId(failureStart), end: failureEnd === undefined ? undefined : withoutId(failureEnd) },
        };
      });
    },

    prune(cut, limit) {
      const max = rowLimit(limit);
      if (max === 0) return Promise.resolve(0);
      // Each DELETE commits on its own: short transactions, no long lock.
      // `= ANY(ARRAY(…))`, not `IN (…)`: IN is planned as a semi-join that
      // may scan the whole table for its n ids; ANY of an array probes the key.
      return run("prune history", async (client) => {
        let gone = await deleteBounded(
          client,
          "history_prune_records",
          "DELETE FROM check_results WHERE id = ANY(ARRAY(SELECT id FROM check_results WHERE at_ms < $1 LIMIT $2))",
          [cut.recordsBefore, max],
        );
        gone += await deleteBounded(
          client,
          "history_prune_changes",
          "DELETE FROM status_changes WHERE id = ANY(ARRAY(SELECT id FROM status_changes WHERE at_ms < $1 LIMIT $2))",
          [cut.statusChangesBefore, max],
        );
        gone += await deleteBounded(
          client,
          "history_prune_rollups",
          `DELETE FROM rollups WHERE ctid = ANY(ARRAY(SELECT ctid FROM rollups
             WHERE (resolution = 'minute' AND start_ms < $1) OR (resolution = 'hour' AND start_ms < $2)
                OR (resolution = 'day' AND start_ms < $3)
             LIMIT $4))`,
          [cut.minuteBefore, cut.hourBefore, cut.dayBefore, max],
        );
        return gone;
      });
    },

    forgetService(serviceId, limit) {
      const max = rowLimit(limit);
      if (max === 0) return Promise.resolve(0);
      return run("forget service history", async (client) => {
        let gone = await deleteBounded(
          client,
          "history_forget_records",
          "DELETE FROM check_results WHERE id = ANY(ARRAY(SELECT id FROM check_results WHERE service_id = $1 LIMIT $2))",
          [serviceId, max],
        );
        gone += await deleteBounded(
          client,
          "history_forget_changes",
          "DELETE FROM status_changes WHERE id = ANY(ARRAY(SELECT id FROM status_changes WHERE service_id = $1 LIMIT $2))",
          [serviceId, max],
        );
        gone += await deleteBounded(
          client,
          "history_forget_rollups",
          "DELETE FROM rollups WHERE ctid = ANY(ARRAY(SELECT ctid FROM rollups WHERE service_id = $1 LIMIT $2))",
          [serviceId, max],
        );
        gone += await deleteBounded(client, "history_forget_tail", "DELETE FROM rollup_tails WHERE service_id = $1", [serviceId]);
        return gone;
      });
    },

    serviceIdsWithHistory() {
      return run("list services with history", async (client) => {
        // A skip scan per table (each distinct service_id is one index probe),
        // not a DISTINCT over every row of a week's history.
        const result = await rows<[serviceId: string]>(client, {
          name: "history_service_ids",
          text: `WITH RECURSIVE
              r(id) AS (SELECT min(service_id) FROM check_results
                UNION ALL SELECT (SELECT min(service_id) FROM check_results WHERE service_id > r.id) FROM r WHERE r.id IS NOT NULL),
              c(id) AS (SELECT min(service_id) FROM status_changes
                UNION ALL SELECT (SELECT min(service_id) FROM status_changes WHERE service_id > c.id) FROM c WHERE c.id IS NOT NULL),
              b(id) AS (SELECT min(service_id) FROM rollups
                UNION ALL SELECT (SELECT min(service_id) FROM rollups WHERE service_id > b.id) FROM b WHERE b.id IS NOT NULL)
            SELECT id FROM r WHERE id IS NOT NULL
            UNION SELECT id FROM c WHERE id IS NOT NULL
            UNION SELECT id FROM b WHERE id IS NOT NULL
            UNION SELECT service_id FROM rollup_tails
            ORDER BY 1`,
        });
        return result.map(([id]) => id);
      });
    },

    close() {
      closing ??= (async () => {
        await Promise.all(inFlight);
        await pool.end().catch(() => undefined);
      })();
      return closing;
    },
  };
}

const PUT_BUCKETS = `INSERT INTO rollups (${BUCKET_COLUMNS})
  SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::int4[], $5::int4[], $6::int4[], $7::int4[],
    $8::float8[], $9::float8[], $10::float8[], $11::jsonb[], $12::jsonb[])
  ON CONFLICT (service_id, resolution, start_ms) DO UPDATE SET checks = EXCLUDED.checks, up_checks = EXCLUDED.up_checks,
    down_checks = EXCLUDED.down_checks, outage_checks = EXCLUDED.outage_checks, up_ms = EXCLUDED.up_ms,
    down_ms = EXCLUDED.down_ms, excluded_ms = EXCLUDED.excluded_ms, latency = EXCLUDED.latency,
    status_codes = EXCLUDED.status_codes`;

const PUT_TAILS = `INSERT INTO rollup_tails (${TAIL_COLUMNS})
  SELECT * FROM unnest($1::text[], $2::float8[], $3::text[], $4::float8[])
  ON CONFLICT (service_id) DO UPDATE SET at_ms = EXCLUDED.at_ms, state = EXCLUDED.state, max_span_ms = EXCLUDED.max_span_ms`;

async function readWatermark(client: pg.ClientBase): Promise<number> {
  const result = await rows<[watermark: number]>(client, { name: "history_watermark", text: "SELECT watermark FROM rollup_state" });
  const watermark = result[0]?.[0];
  if (watermark === undefined || !Number.isSafeInteger(watermark)) {
    throw new RowError(`table rollup_state: ${watermark === undefined ? "has no row" : `watermark ${String(watermark)} is not an integer below 2^53`}`);
  }
  return watermark;
}

/** The service's oldest change after `cursor` in (at, id) order; before `endMs` when given. */
async function nextChange(
  client: pg.ClientBase,
  serviceId: string,
  cursor: HistoryCursor,
  endMs: number | undefined,
): Promise<Stored<StatusChangeRecord> | undefined> {
  const result = await rows<ChangeRow>(client, {
    name: "history_next_change",
    text: `SELECT ${CHANGE_COLUMNS} FROM status_changes WHERE service_id = $1 AND (at_ms, id) > ($2, $3)
      AND ($4::float8 IS NULL OR at_ms < $4) ORDER BY at_ms, id LIMIT 1`,
    values: [serviceId, cursor.at, cursor.id, endMs ?? null],
  });
  return result[0] === undefined ? undefined : decodeChange(result[0]);
}

function withoutId({ id: _id, ...change }: Stored<StatusChangeRecord>): StatusChangeRecord {
  return change;
}
