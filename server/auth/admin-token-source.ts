import { watch as watchFs, type FSWatcher } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { basename, dirname } from "node:path";
import type { Logger } from "pino";
import { parseAdminTokensFile } from "./admin-token-list.js";
import { createAdminTokenSet, type AdminTokenSet } from "./admin-token-set.js";

/** What the source needs of the file system; tests hand it an in-memory one. */
export interface TokenFileSystem {
  readFile(path: string): Promise<string>;
  /** A signature that changes when the file does (mtime, size, inode). */
  signature(path: string): Promise<string>;
  /** Calls `onEvent` when something in the file's directory may have changed; returns a closer. */
  watch(path: string, onEvent: () => void): () => void;
  /** Runs `tick` every `ms` (unref'd); returns a canceller. */
  every(ms: number, tick: () => void): () => void;
}

export interface AdminTokenSourceOptions {
  /** From MONITOR_ADMIN_TOKENS; fixed for the life of the process. */
  readonly envTokens?: readonly string[];
  /** --admin-tokens-file; re-read whenever it changes. */
  readonly file?: string;
  readonly logger: Pick<Logger, "info" | "warn" | "error">;
  readonly fileSystem?: TokenFileSystem;
  /** How often the file's signature is checked besides fs.watch; default 2 s. */
  readonly pollMs?: number;
}

export interface AdminTokenSource {
  current(): AdminTokenSet;
  /** Called with the new set after the file changed and parsed; returns a remover. */
  onChange(listener: (set: AdminTokenSet) => void): () => void;
  /** Re-reads the file if its signature changed (what the watcher and the poll call). */
  reload(): Promise<void>;
  close(): void;
}

const DEFAULT_POLL_MS = 2000;

/** The real file system: fs.watch on the directory, because editors replace a file by renaming a new one over it, which ends a watch on the file itself. */
export const NODE_TOKEN_FILE_SYSTEM: TokenFileSystem = {
  readFile: (path) => readFile(path, "utf8"),
  async signature(path) {
    const info = await stat(path);
    return `${info.ino}:${info.size}:${info.mtimeMs}`;
  },
  watch(path, onEvent) {
    const name = basename(path);
    let watcher: FSWatcher | undefined;
    try {
      watcher = watchFs(dirname(path), { persistent: false }, (_event, changed) => {
        if (changed === null || changed === name) onEvent();
      });
      // A watch that fails later (the directory removed) leaves the poll to do the work.
      watcher.on("error", () => watcher?.close());
    } catch {
      // Some file systems cannot be watched; the poll still sees changes.
    }
    return () => watcher?.close();
  },
  every(ms, tick) {
    const timer = setInterval(tick, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

/**
 * The admin tokens: MONITOR_ADMIN_TOKENS and the tokens file together. Rejects
 * at start if the file cannot be read or holds a bad token (a server must not
 * start with a set the operator did not mean); later, a file that becomes
 * unreadable or malformed keeps the last good set and is logged once, until a
 * good read. Messages name the file, never a token.
 */
export async function openAdminTokenSource(options: AdminTokenSourceOptions): Promise<AdminTokenSource> {
  const { logger, file } = options;
  const fs = options.fileSystem ?? NODE_TOKEN_FILE_SYSTEM;
  const envTokens = options.envTokens ?? [];
  const flag = `--admin-tokens-file ${file ?? ""}`.trim();
  const listeners = new Set<(set: AdminTokenSet) => void>();

  async function readTokens(path: string): Promise<{ signature: string; tokens: readonly string[] }> {
    const signature = await fs.signature(path);
    const parsed = parseAdminTokensFile(await fs.readFile(path));
    if (!parsed.ok) throw new Error(parsed.error);
    return { signature, tokens: parsed.tokens };
  }
  const warnIfEmpty = (set: AdminTokenSet) => {
    if (set.size === 0) logger.warn(`${flag} holds no token: nobody can call ManagementService until one is added`);
  };

  let fileState: { signature: string; tokens: readonly string[] } | undefined;
  if (file !== undefined) {
    try {
      fileState = await readTokens(file);
    } catch (error) {
      throw new Error(`${flag}: cannot use the admin tokens file: ${describe(error)}`, { cause: error });
    }
  }
  let set = createAdminTokenSet([...envTokens, ...(fileState?.tokens ?? [])]);
  if (file !== undefined) warnIfEmpty(set);

  let failing = false;
  let running: Promise<void> | undefined;
  let again = false;
  async function reloadOnce(path: string): Promise<void> {
    try {
      const signature = await fs.signature(path);
      if (signature === fileState?.signature && !failing) return;
      const next = await readTokens(path);
      const changed = next.tokens.join("\n") !== fileState?.tokens.join("\n");
      fileState = next;
      if (failing) logger.info(`${flag}: readable again`);
      failing = false;
      if (!changed) return;
      set = createAdminTokenSet([...envTokens, ...next.tokens]);
      logger.info({ adminTokens: set.size }, `${flag}: admin tokens reloaded, ${set.size} in use`);
      warnIfEmpty(set);
      for (const listener of listeners) listener(set);
    } catch (error) {
      if (!failing) logger.error(`${flag}: ${describe(error)}; keeping the ${set.size} admin token(s) read before`);
      failing = true;
    }
  }
  async function reload(): Promise<void> {
    if (file === undefined) return;
    // One read at a time; a change seen during a read is read once more after it.
    if (running !== undefined) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await reloadOnce(file);
      } while (again);
    })().finally(() => (running = undefined));
    return running;
  }

  const stops =
    file === undefined
      ? []
      : [fs.watch(file, () => void reload()), fs.every(options.pollMs ?? DEFAULT_POLL_MS, () => void reload())];
  return {
    current: () => set,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    reload,
    close() {
      for (const stop of stops) stop();
    },
  };
}

/** A file error without its stack; a parse error as it is. */
function describe(error: unknown): string {
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "permission denied";
  if (code === "EISDIR") return "is a directory";
  return error instanceof Error ? error.message : String(error);
}
