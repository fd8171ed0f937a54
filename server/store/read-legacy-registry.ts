import { readFile } from "node:fs/promises";
import type { RegistryData } from "./registry.js";
import { fromRegistryFile } from "./registry-file-format.js";
import { StoreError } from "./store.js";

/**
 * Reads the previous release's registry.json (registry-file-format.ts) for
 * an import; undefined when the file does not exist. Only reads: a file that
 * cannot be imported is left exactly as it was.
 *
 * Throws StoreError("corrupt") naming the file and what to do when it is not
 * JSON or not a registry of a version this server reads; StoreError
 * ("unavailable") when it exists but cannot be read (permissions).
 */
export async function readLegacyRegistry(path: string): Promise<RegistryData | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new StoreError("unavailable", `${path}: cannot be read: ${String(error)}`, { cause: error });
  }
  try {
    return fromRegistryFile(JSON.parse(text));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new StoreError(
      "corrupt",
      `${path}: not a registry this server can import (${why}); it was left as it is — ` +
        "repair it or restore a backup, or move it away to start without the old registry",
      { cause: error },
    );
  }
}
