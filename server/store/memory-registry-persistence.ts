import type { RegistryData, RegistryPersistence } from "./registry.js";

/**
 * Keeps the saved registry in memory, for handler tests that need a registry
 * but no file. `saves` counts writes so tests can see group commit at work.
 */
export function createMemoryRegistryPersistence(
  initial?: RegistryData,
): RegistryPersistence & { readonly saved: () => RegistryData | undefined; readonly saves: () => number } {
  let saved = initial;
  let saves = 0;
  return {
    async load() {
      return saved;
    },
    async save(data) {
      saves++;
      saved = structuredClone(data);
    },
    saved: () => saved,
    saves: () => saves,
  };
}
