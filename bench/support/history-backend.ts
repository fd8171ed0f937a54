import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import type { HistoryStore } from "../../server/store/history-store.js";
import { openPostgresHistoryStore } from "../../server/store/postgres-history-store.js";
import { openSqliteHistoryStore } from "../../server/store/sqlite-history-store.js";

/** Bytes of the history's tables with their indexes, and of the whole database on disk. */
export interface HistorySizes {
  /** check_results (+ its index; SQLite: + history_services). */
  readonly records: number;
  /** status_changes (+ index). */
  readonly changes: number;
  /** rollups + rollup_tails (+ indexes). */
  readonly rollups: number;
  /** SQLite: monitor.db + its WAL after a checkpoint; PostgreSQL: pg_database_size. */
  readonly onDisk: number;
  /** Rows in check_results, status_changes and rollups (buckets). */
  readonly rows: { readonly records: number; readonly changes: number; readonly rollups: number };
}

/** One history store on a fresh, empty database, as the server would open it. */
export interface HistoryBackend {
  readonly name: "sqlite" | "postgres";
  readonly store: HistoryStore;
  /** For parameters: where it is. */
  readonly description: string;
  /** The PostgreSQL URL (for the CPU meter); undefined on SQLite. */
  readonly url: string | undefined;
  sizes(): Promise<HistorySizes>;
  close(): Promise<void>;
}

/**
 * A fresh monitor.db in `dataDir` (WAL, as the main store makes it; the
 * registry's tables are left out, they are not what is measured) and the
 * server's SQLite history store on it.
 */
export async function openSqliteHistoryBackend(dataDir: string): Promise<HistoryBackend> {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, "monitor.db");
  const init = new Database(path);
  init.pragma("journal_mode = WAL");
  init.close();
  const store = await openSqliteHistoryStore({ path });
  return {
    name: "sqlite",
    store,
    description: path,
    url: undefined,
    async sizes() {
      // A connection of the bench's: checkpoint the WAL into the file, then ask dbstat for each table's pages.
      const db = new Database(path);
      try {
        db.pragma("wal_checkpoint(TRUNCATE)");
        const rows = db.prepare<[], { name: string; bytes: number }>("SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name").all();
        const of = (...names: string[]): number => rows.filter((r) => names.includes(r.name)).reduce((sum, r) => sum + r.bytes, 0);
        const file = (suffix: string): number => {
          try {
            return statSync(path + suffix).size;
          } catch {
            return 0;
          }
        };
        return {
          records: of("check_results", "check_results_by_service", "history_services", "sqlite_autoindex_history_services_1"),
          changes: of("status_changes", "status_changes_by_service"),
          rollups: of("rollups", "rollup_tails", "rollup_state"),
          onDisk: file("") + file("-wal"),
          rows: {
            records: db.prepare<[], number>("SELECT count(*) FROM check_results").pluck().get()!,
            changes: db.prepare<[], number>("SELECT count(*) FROM status_changes").pluck().get()!,
            rollups: db.prepare<[], number>("SELECT count(*) FROM rollups").pluck().get()!,
          },
        };
      } finally {
        db.close();
      }
    },
    close: () => store.close(),
  };
}

/** The server's PostgreSQL history store on the database at `url` (fresh: the bench creates one per backend). */
export async function openPostgresHistoryBackend(url: string): Promise<HistoryBackend> {
  const store = await openPostgresHistoryStore({ url });
  return {
    name: "postgres",
    store,
    description: store.description,
    url,
    async sizes() {
      const client = new pg.Client({ connectionString: url });
      client.on("error", () => undefined);
      await client.connect();
      try {
        const size = async (...tables: string[]): Promise<number> => {
          const { rows } = await client.query<{ bytes: string }>(
            "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) AS bytes FROM pg_class c WHERE c.relname = ANY($1) AND c.relkind = 'r'",
            [tables],
          );
          return Number(rows[0]!.bytes);
        };
        const onDisk = await client.query<{ bytes: string }>("SELECT pg_database_size(current_database()) AS bytes");
        const count = async (table: string): Promise<number> =>
          Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
        return {
          records: await size("check_results"),
          changes: await size("status_changes"),
          rollups: await size("rollups", "rollup_tails", "rollup_state"),
          onDisk: Number(onDisk.rows[0]!.bytes),
          rows: { records: await count("check_results"), changes: await count("status_changes"), rollups: await count("rollups") },
        };
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    close: () => store.close(),
  };
}
