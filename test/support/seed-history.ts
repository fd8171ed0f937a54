import { join } from "node:path";
import type { HistoryRecord } from "../../server/domain/history-types.js";
import type { HistoryStore } from "../../server/store/history-store.js";
import { openPostgresHistoryStore } from "../../server/store/postgres-history-store.js";
import { openSqliteHistoryStore } from "../../server/store/sqlite-history-store.js";
import type { TestStore } from "./store-backends.js";

/**
 * Writes history rows straight into a test store, while no server runs on
 * it, through the backend's own HistoryStore (as the server would open it:
 * monitor.db in the data dir, or the --database URL), in batches of
 * `batchSize`, one transaction each. The SQLite file must exist already
 * (a server ran on the store once).
 */
export async function seedHistory(store: TestStore, count: number, row: (i: number) => HistoryRecord, batchSize = 1000): Promise<void> {
  const history = await openHistoryOf(store);
  try {
    for (let from = 0; from < count; from += batchSize) {
      const batch: HistoryRecord[] = [];
      for (let i = from; i < Math.min(count, from + batchSize); i++) batch.push(row(i));
      await history.append(batch, []);
    }
  } finally {
    await history.close();
  }
}

async function openHistoryOf(store: TestStore): Promise<HistoryStore & { close(): Promise<void> }> {
  if (store.backend === "sqlite") return openSqliteHistoryStore({ path: join(store.dataDir, "monitor.db") });
  const url = store.serverArgs[store.serverArgs.indexOf("--database") + 1];
  if (url === undefined) throw new Error("a PostgreSQL test store without --database");
  return openPostgresHistoryStore({ url });
}
