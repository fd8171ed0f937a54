import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openSqliteStore } from "../../server/store/sqlite-store.js";
import type { Store } from "../../server/store/store.js";
import { describeStoreContract, type StoreBackend } from "./store-contract.js";

/** Each store in a temp dir of its own, as monitor.db: the real file path, WAL and all. */
const fileBackend: StoreBackend = {
  async create(options) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sqlite-store-"));
    const file = path.join(dir, "monitor.db");
    const open = () =>
      openSqliteStore(options?.retentionPerCaller === undefined ? { path: file } : { path: file, retentionPerCaller: options.retentionPerCaller });
    const stores: Store[] = [await open()];
    return {
      store: stores[0]!,
      async reopen() {
        const store = await open();
        stores.push(store);
        return store;
      },
      async cleanup() {
        for (const store of stores) await store.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

describeStoreContract("sqlite file", fileBackend);
