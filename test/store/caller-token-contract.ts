import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { CallerConfig } from "../../server/domain/types.js";
import type { Store } from "../../server/store/store.js";
import { caller, put } from "./contract-fixtures.js";
import type { ContractStores } from "./http-pause-contract.js";

/**
 * The store contract's part for issue 12's caller tokens, run by
 * describeStoreContract for every backend: a caller's token hash (the
 * SHA-256 the server keeps instead of the token) is kept exactly, replaced by
 * the put_caller of a rotation, absent for a caller without a token, and the
 * column takes nothing but such a hash.
 */

/** The hash the server stores for `token`: SHA-256 as lowercase hex. */
const hashOf = (token: string): string => createHash("sha256").update(token).digest("hex");

/** The callers a store loads, by id (load() promises no order). */
const callersOf = async (store: Store): Promise<CallerConfig[]> => [...(await store.load()).callers].sort((a, b) => (a.id < b.id ? -1 : 1));

export function describeCallerTokenContract(name: string, stores: ContractStores): void {
  describe(`store contract: ${name}: caller token hashes`, () => {
    it("keeps a caller's token hash across reopen; a caller without one reads back without one", async () => {
      const { store, reopen } = await stores.fresh();
      const holder = caller("c1", { tokenHash: hashOf("first token") });
      const without = caller("c2");
      await store.write([put.caller(holder), put.caller(without)]);
      expect(await callersOf(store)).toEqual([holder, without]);
      await store.close();
      const again = await reopen();
      const loaded = await callersOf(again);
      expect(loaded).toEqual([holder, without]);
      // Absent, not undefined or null: has_token is `tokenHash !== undefined`.
      expect(Object.keys(loaded[1]!)).not.toContain("tokenHash");
    });

    it("a rotation (put_caller with a new hash) replaces the old hash, and the caller's other fields stay", async () => {
      const { store, reopen } = await stores.fresh();
      const before = caller("c1", { tokenHash: hashOf("old"), managedBy: "config" });
      await store.write([put.caller(before)]);
      const rotated = { ...before, tokenHash: hashOf("new") };
      await store.write([put.caller(rotated)]);
      expect(await callersOf(store)).toEqual([rotated]);
      // A first token for a caller that had none, in the same write as another caller's rotation.
      const issued = caller("c2", { tokenHash: hashOf("c2's first") });
      await store.write([put.caller(caller("c2"))]);
      const twice = { ...rotated, tokenHash: hashOf("newer") };
      await store.write([put.caller(issued), put.caller(rotated), put.caller(twice)]);
      await store.close();
      const again = await reopen();
      expect(await callersOf(again)).toEqual([twice, issued]);
    });

    it("a put_caller without a hash stores none (the store keeps what it is given; the registry decides what to keep)", async () => {
      const { store } = await stores.fresh();
      await store.write([put.caller(caller("c1", { tokenHash: hashOf("t") }))]);
      await store.write([put.caller(caller("c1", { displayName: "renamed" }))]);
      expect(await callersOf(store)).toEqual([caller("c1", { displayName: "renamed" })]);
    });

    it("refuses a token hash that is not a SHA-256 as 64 lowercase hex digits, committing nothing of the write", async () => {
      const { store } = await stores.fresh();
      const kept = caller("c1", { tokenHash: hashOf("t") });
      await store.write([put.caller(kept)]);
      for (const bad of [hashOf("t").toUpperCase(), hashOf("t").slice(1), `${hashOf("t")}0`, "", "the token itself"]) {
        await expect(store.write([put.caller(caller("c2")), put.caller({ ...kept, tokenHash: bad })])).rejects.toThrow();
      }
      expect(await callersOf(store)).toEqual([kept]);
    });
  });
}
