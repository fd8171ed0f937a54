import type { LoggedEvent } from "../../server/domain/types.js";
import type { EventHub } from "../../server/engine/event-hub.js";
import { createCommitQueue, type CommitQueue } from "../../server/store/commit-queue.js";
import { createRegistry } from "../../server/store/create-registry.js";
import type { Registry } from "../../server/store/registry.js";
import { createRegistryModel } from "../../server/store/registry-model.js";
import { openSqliteStore } from "../../server/store/sqlite-store.js";
import type { Store } from "../../server/store/store.js";
import type { RegistryLimits } from "../../server/limits/registry-limits.js";
import type { TargetPolicy } from "../../server/limits/target-policy.js";

export interface StoreStackOptions {
  /** A store file to open (to survive a "restart"); ":memory:" by default. */
  readonly path?: string;
  readonly retentionPerCaller?: number;
  /** An already open store instead (wrapped, e.g. to fail writes). */
  readonly store?: Store;
  readonly now: () => number;
  readonly hub?: Pick<EventHub, "publish">;
  readonly onError?: (error: unknown, context: string) => void;
  /** Ids for new services and outages; svc_0001, out_0002, … (one counter) by default. */
  readonly newId?: (prefix: "svc" | "out") => string;
  /** Registry size limits; the server's defaults when absent. */
  readonly limits?: RegistryLimits;
  /** The check-target policy; every host allowed when absent. */
  readonly targetPolicy?: TargetPolicy;
}

/**
 * The server's store side as start-server wires it — store, registry model,
 * commit queue, registry — with predictable ids (svc_0001, out_0001) for
 * tests, plus an event-log view of the store to assert on.
 */
export async function createStoreStack(options: StoreStackOptions) {
  const opened =
    options.store ??
    (await openSqliteStore({
      path: options.path ?? ":memory:",
      ...(options.retentionPerCaller === undefined ? {} : { retentionPerCaller: options.retentionPerCaller }),
    }));
  let writes = 0;
  /** The store, counting its writes (a batch is one). */
  const store: Store = {
    description: opened.description,
    load: () => opened.load(),
    write: (ops) => {
      writes++;
      return opened.write(ops);
    },
    readEvents: (callerId, after, limit) => opened.readEvents(callerId, after, limit),
    firstRetained: (callerId) => opened.firstRetained(callerId),
    close: () => opened.close(),
  };
  const contents = await store.load();
  const model = createRegistryModel(contents);
  const queue: CommitQueue = createCommitQueue({
    store,
    model,
    sequences: contents.sequences,
    now: options.now,
    publish: (events: readonly LoggedEvent[]) => options.hub?.publish(events),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
  let ids = 0;
  const registry: Registry = createRegistry(model, queue, {
    newId: options.newId ?? ((prefix) => `${prefix}_${String(++ids).padStart(4, "0")}`),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.targetPolicy === undefined ? {} : { targetPolicy: options.targetPolicy }),
  });
  const log = {
    /** The caller's retained events after `after`, ascending. */
    read: (callerId: string, after = 0, limit = 1000) => store.readEvents(callerId, after, limit),
    async position(callerId: string) {
      const lastSequence = queue.lastSequence(callerId);
      return { lastSequence, firstRetained: (await store.firstRetained(callerId)) ?? lastSequence + 1 };
    },
  };
  return { store, contents, model, queue, registry, log, writes: () => writes };
}
