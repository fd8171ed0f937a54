import { StoreError, type Store } from "../../server/store/store.js";

/** A store whose writes fail with `unavailable` while `state.failing` is set, as a full or read-only disk does. */
export function failable(store: Store) {
  const state = { failing: false, writes: 0 };
  const wrapped: Store = {
    description: store.description,
    load: () => store.load(),
    async write(ops) {
      state.writes++;
      if (state.failing) throw new StoreError("unavailable", `${store.description}: database or disk is full (SQLITE_FULL)`);
      return store.write(ops);
    },
    readEvents: (c, a, l) => store.readEvents(c, a, l),
    firstRetained: (c) => store.firstRetained(c),
    close: () => store.close(),
  };
  return { store: wrapped, state };
}
