import { TextFile } from "lowdb/node";
import type { RegistryData, RegistryPersistence } from "./registry.js";
import { createRegistryFileSerializer, fromRegistryFile } from "./registry-file-format.js";

/** The registry file could not be read; the server must not start over it. */
export class RegistryFileError extends Error {
  override readonly name = "RegistryFileError";
}

/**
 * Keeps the registry in one human-readable JSON file through lowdb's file
 * adapter, which writes a temporary file and renames it over the old one: a
 * crash leaves either the old or the new file, never half of one.
 *
 * A file that cannot be parsed is reported with its path and left exactly as
 * it is — overwriting it with an empty registry would silently unregister
 * everything an operator had set up.
 */
export function createLowdbRegistryPersistence(file: string): RegistryPersistence {
  const adapter = new TextFile(file);
  const serialize = createRegistryFileSerializer();
  return {
    async load(): Promise<RegistryData | undefined> {
      let text: string | null;
      try {
        text = await adapter.read();
      } catch (error) {
        throw new RegistryFileError(`cannot read registry file ${file}: ${String(error)}`, {
          cause: error,
        });
      }
      if (text === null) return undefined;
      try {
        return fromRegistryFile(JSON.parse(text));
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        throw new RegistryFileError(
          `registry file ${file} is corrupt (${why}); it was left untouched — repair it or move it away to start empty`,
          { cause: error },
        );
      }
    },
    async save(data) {
      await adapter.write(serialize(data));
    },
  };
}
