import { existsSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import { join } from "node:path";
import { planLegacyImport } from "./plan-legacy-import.js";
import { readLegacyEventLog } from "./read-legacy-event-log.js";
import { readLegacyRegistry } from "./read-legacy-registry.js";
import { StoreError, type Store, type StoreContents } from "./store.js";

/** The previous release's files in a data dir, each renamed as a whole set. */
const REGISTRY = "registry.json";
const EVENT_LOG = "events.db";
/**
 * The main files and SQLite's companions. A companion keeps its suffix after
 * the new name (events.db.importing-wal), as SQLite looks for `<file>-wal`:
 * a renamed log read again after a crash must find the commits in its -wal.
 * Companions move first and the main files last, so a main file still under
 * its own name means the set has not all moved yet.
 */
const COMPANIONS = ["-wal", "-shm"] as const;

type Stage = "" | ".importing" | ".imported";

export interface ImportLegacyDataDirOptions {
  /** The data dir that may hold the previous release's registry.json and events.db. */
  readonly dataDir: string;
  /** The store just opened in it (or the --database one); written once, in one transaction. */
  readonly store: Store;
  /**
   * Whether the store held nothing at all when loaded ({@link isEmptyStore}):
   * only an empty store is imported into, and a store that is not empty beside
   * `*.importing` files means the import's write committed before a crash.
   */
  readonly storeIsEmpty: boolean;
  /** One line per step, for the operator's log. */
  readonly log: (message: string) => void;
}

/** Whether `dataDir` holds files of the previous release (or of an import under way). */
export function hasLegacyData(dataDir: string): boolean {
  return [REGISTRY, EVENT_LOG].some((name) => ["", ".importing"].some((stage) => existsSync(join(dataDir, `${name}${stage}`))));
}

/** True when the store holds nothing, not even a removed caller's sequence. */
export function isEmptyStore(contents: StoreContents): boolean {
  return Object.values(contents).every((rows: readonly unknown[]) => rows.length === 0);
}

/**
 * Moves a data dir of the previous release (registry.json + events.db) into
 * the store at start, once, so upgrading keeps every service, caller,
 * subscription, outage, retained event and sequence (see planLegacyImport).
 * Call it before loading the registry from the store, then load again when
 * it returns "imported".
 *
 * Crash-safe, and never deletes the old files:
 * 1. read and check both files (nothing is changed if they are refused);
 * 2. rename them to `*.importing`;
 * 3. write everything in one transaction;
 * 4. rename them to `*.imported`.
 * A crash before 3 commits leaves `*.importing` beside an empty store: the
 * next start imports from them. A crash after leaves them beside a store
 * that is not empty: the next start only finishes step 4.
 *
 * Returns "none" when there is nothing to import, "imported" when it
 * imported (or finished an import that had committed). Throws
 * StoreError("corrupt") naming the file and what to do when a file cannot be
 * trusted, when registry.json has callers but events.db is missing, and when
 * the old files are there beside a store that already holds data.
 */
export async function importLegacyDataDir(options: ImportLegacyDataDirOptions): Promise<"none" | "imported"> {
  const { dataDir, store, storeIsEmpty, log } = options;
  const at = (name: string, stage: Stage, companion = "") => join(dataDir, `${name}${stage}${companion}`);
  const present = (stage: Stage) => [REGISTRY, EVENT_LOG].some((name) => existsSync(at(name, stage)));
  const importing = present(".importing") || COMPANIONS.some((c) => existsSync(at(EVENT_LOG, ".importing", c)));
  const original = present("");

  if (!importing && !original) return "none";

  if (!storeIsEmpty) {
    if (original) {
      const found = existsSync(at(REGISTRY, "")) ? REGISTRY : EVENT_LOG;
      throw new StoreError(
        "corrupt",
        `${at(found, "")}: both ${store.description} and the previous release's ${found} exist; ` +
          `move ${REGISTRY} and ${EVENT_LOG} away if they were already imported, ` +
          "or point the server at an empty store to import them",
      );
    }
    // Step 3 had committed when the server stopped: only step 4 is left.
    log(`${dataDir}: an import into ${store.description} had committed before the server stopped; renaming the old files to *.imported`);
    await moveSet(dataDir, ".importing", ".imported");
    return "imported";
  }

  // An import that had started renaming but not written: finish moving the
  // set (a crash may have left some files under their old names), then read
  // it under its new names.
  if (importing) log(`${dataDir}: resuming an import that had not committed when the server stopped`);
  const stage: Stage = importing ? ".importing" : "";
  const registryPath = at(REGISTRY, stage);
  const eventLogPath = at(EVENT_LOG, stage);
  if (importing && original) await moveSet(dataDir, "", ".importing");

  const registry = await readLegacyRegistry(registryPath);
  const eventLog = existsSync(eventLogPath) ? readLegacyEventLog(eventLogPath) : undefined;
  if (eventLog === undefined && registry !== undefined && registry.callers.length > 0) {
    throw new StoreError(
      "corrupt",
      `${eventLogPath} is missing but ${registryPath} has ${registry.callers.length} caller(s): their sequences ` +
        "would restart at 1 and a caller resuming from its last sequence would miss or misread events; " +
        `restore ${EVENT_LOG} from a backup, or remove the callers from ${REGISTRY} to import the rest`,
    );
  }
  const plan = planLegacyImport(registry ?? { services: [], callers: [], subscriptions: [], outages: [] }, eventLog, {
    registry: registryPath,
    eventLog: eventLogPath,
  });
  const c = plan.counts;
  log(
    `${dataDir}: importing the previous release's data into ${store.description}: ${c.services} services, ` +
      `${c.callers} callers, ${c.subscriptions} subscriptions, ${c.outages} outages, ${c.events} events, ` +
      `${c.sequences} caller sequences, ${c.announced} announced states` +
      (c.droppedEvents + c.droppedAnnounced > 0
        ? ` (left out: ${c.droppedEvents} events and ${c.droppedAnnounced} announced states of callers no longer registered)`
        : ""),
  );

  if (!importing) await moveSet(dataDir, "", ".importing");
  await store.write(plan.ops);
  await moveSet(dataDir, ".importing", ".imported");
  log(`${dataDir}: import done; the old files are kept as ${REGISTRY}.imported and ${EVENT_LOG}.imported`);
  return "imported";
}

/**
 * Renames every file of the set present at stage `from` to stage `to`,
 * companions first, then makes the renames durable (fsync of the directory).
 * Never overwrites: an older import's `*.imported` files stay, and this set
 * gets a numbered stage instead (`registry.json.imported-2`); a file already
 * at `*.importing` beside one of the same name still to move is refused.
 */
async function moveSet(dataDir: string, from: Stage, to: Stage): Promise<void> {
  const files = [
    ...COMPANIONS.map((companion) => ({ name: EVENT_LOG, companion })),
    { name: EVENT_LOG, companion: "" },
    { name: REGISTRY, companion: "" },
  ];
  const path = (name: string, stage: string, companion: string) => join(dataDir, `${name}${stage}${companion}`);
  const moving = files.filter((f) => existsSync(path(f.name, from, f.companion)));
  let target: string = to;
  if (to === ".imported") {
    for (let n = 2; files.some((f) => existsSync(path(f.name, target, f.companion))); n++) target = `${to}-${n}`;
  } else {
    const clash = moving.find((f) => existsSync(path(f.name, to, f.companion)));
    if (clash !== undefined) {
      throw new StoreError(
        "corrupt",
        `${path(clash.name, to, clash.companion)}: an unfinished import's file is there beside ` +
          `${path(clash.name, from, clash.companion)}; keep the one to import under the name ${clash.name}${to}${clash.companion} ` +
          "and move the other away",
      );
    }
  }
  for (const { name, companion } of moving) await rename(path(name, from, companion), path(name, target, companion));
  await syncDirectory(dataDir);
}

/** fsync of a directory makes renames in it survive power loss (Linux; a no-op error elsewhere). */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // Windows cannot open a directory: the rename itself is what there is.
  } finally {
    await handle?.close();
  }
}
