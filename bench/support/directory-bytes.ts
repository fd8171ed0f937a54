import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/**
 * Bytes of every file under `dir`: what a server's data dir holds on disk,
 * whichever store wrote it (SQLite's monitor.db with its WAL, or the old
 * registry.json and events.db).
 */
export function directoryBytes(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    bytes += entry.isDirectory() ? directoryBytes(path) : statSync(path).size;
  }
  return bytes;
}
