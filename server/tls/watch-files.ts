import { watch, watchFile, unwatchFile, type FSWatcher, type Stats } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { debounce } from "./debounce.js";

export interface WatchFilesOptions {
  /** One call per burst of changes, this long after the last one; default 1 s. */
  readonly debounceMs?: number;
  /** How often each file is stat'ed, for file systems where fs.watch says nothing; default 5 s. */
  readonly pollMs?: number;
  /** A directory that cannot be watched (the poll still runs). */
  readonly onWatchError?: (directory: string, error: unknown) => void;
}

export interface FileWatch {
  close(): void;
}

/**
 * Calls `onChange` when any of `files` changes, is replaced or reappears.
 * The directories are watched, not the files: `mv new.pem cert.pem` (the
 * atomic replace of certificate tools) gives the name a new inode, which a
 * watch on the old inode never reports. The stat poll (which follows
 * symlinks) covers what the directory watch does not name: file systems
 * without change events (NFS, some overlays) and a swapped symlink further
 * up, as Kubernetes mounts secrets.
 */
export function watchFiles(files: readonly string[], onChange: () => void, options: WatchFilesOptions = {}): FileWatch {
  const changed = debounce(onChange, options.debounceMs ?? 1000, { setTimeout, clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout) });
  const paths = files.map((file) => resolve(file));
  const namesByDirectory = new Map<string, Set<string>>();
  for (const path of paths) {
    const names = namesByDirectory.get(dirname(path)) ?? new Set<string>();
    names.add(basename(path));
    namesByDirectory.set(dirname(path), names);
  }
  const watchers: FSWatcher[] = [];
  for (const [directory, names] of namesByDirectory) {
    try {
      const watcher = watch(directory, { persistent: false }, (_event, name) => {
        // No name: some platforms do not say which file; reloading is harmless.
        if (name === null || names.has(name.toString())) changed.trigger();
      });
      watcher.on("error", (error) => options.onWatchError?.(directory, error));
      watchers.push(watcher);
    } catch (error) {
      options.onWatchError?.(directory, error);
    }
  }
  const poll = (current: Stats, previous: Stats) => {
    if (current.mtimeMs !== previous.mtimeMs || current.ino !== previous.ino || current.size !== previous.size) changed.trigger();
  };
  for (const path of paths) watchFile(path, { persistent: false, interval: options.pollMs ?? 5000 }, poll);
  return {
    close() {
      changed.cancel();
      for (const watcher of watchers) watcher.close();
      for (const path of paths) unwatchFile(path, poll);
    },
  };
}
