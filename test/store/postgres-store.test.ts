import { afterEach, expect, it } from "vitest";
import { openPostgresStore, type PostgresStoreOptions } from "../../server/store/postgres-store.js";
import type { Store } from "../../server/store/store.js";
import { describeStoreContract, type StoreBackend } from "./store-contract.js";
import { describePostgres, dropTestDatabase, testDatabaseUrl } from "../support/postgres.js";

/** Each store in a database of its own, dropped after the test. */
const backend: StoreBackend = {
  async create(options) {
    const url = await testDatabaseUrl();
    const open = () =>
      openPostgresStore(options?.retentionPerCaller === undefined ? { url } : { url, retentionPerCaller: options.retentionPerCaller });
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
        await dropTestDatabase(url);
      },
    };
  },
};

describePostgres("postgres store", () => {
  describeStoreContract("postgres", backend);
});
