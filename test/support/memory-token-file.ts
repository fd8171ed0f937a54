import type { TokenFileSystem } from "../../server/auth/admin-token-source.js";

/**
 * An admin-tokens file in memory for the token source: `write` changes it
 * and tells the watchers, as fs.watch would; `fail` makes it unreadable.
 * The periodic poll never fires by itself: `reloads` counts reads instead.
 */
export function createMemoryTokenFile(initial: string | undefined) {
  let text = initial;
  let failure: NodeJS.ErrnoException | undefined;
  let version = 0;
  let reads = 0;
  const watchers = new Set<() => void>();
  const fileSystem: TokenFileSystem = {
    async readFile() {
      reads++;
      if (failure !== undefined) throw failure;
      if (text === undefined) throw Object.assign(new Error("ENOENT: no such file"), { code: "ENOENT" });
      return text;
    },
    async signature() {
      if (failure !== undefined) throw failure;
      if (text === undefined) throw Object.assign(new Error("ENOENT: no such file"), { code: "ENOENT" });
      return String(version);
    },
    watch(_path, onEvent) {
      watchers.add(onEvent);
      return () => watchers.delete(onEvent);
    },
    every: () => () => undefined,
  };
  return {
    fileSystem,
    /** Replaces the file's content and tells the watchers. */
    write(next: string) {
      text = next;
      failure = undefined;
      version++;
      for (const watcher of watchers) watcher();
    },
    /** Makes every read fail with `code` (e.g. EACCES) and tells the watchers. */
    fail(code: string) {
      failure = Object.assign(new Error(`${code}: failed`), { code });
      version++;
      for (const watcher of watchers) watcher();
    },
    reads: () => reads,
    watchers: () => watchers.size,
  };
}
