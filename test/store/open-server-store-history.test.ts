import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openServerStore, type ServerStore } from "../../server/store/open-server-store.js";

const T0 = 1_700_000_040_000;
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function open(dataDir: string): Promise<ServerStore> {
  return openServerStore({ dataDir, log: () => {}, onLockLost: () => {} });
}

async function close(opened: ServerStore): Promise<void> {
  await opened.history.close();
  await opened.store.close();
  await opened.lock.release();
}

describe("openServerStore on SQLite", () => {
  it("opens the history in monitor.db beside the registry, and it survives a restart", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "server-store-history-"));
    dirs.push(dataDir);
    const first = await open(dataDir);
    expect(first.history.description).toBe(first.store.description);
    await first.history.append([{ kind: "check", serviceId: "s1", at: T0, status: "up", latencyMs: 2, detail: "", inOutage: false, maxSpanMs: 3_000 }], []);
    await close(first);
    expect(fs.readdirSync(dataDir).filter((f) => f.endsWith(".db"))).toEqual(["monitor.db"]);

    const second = await open(dataDir);
    try {
      expect((await second.history.recordsAfter(0, 10)).map((r) => r.at)).toEqual([T0]);
    } finally {
      await close(second);
    }
  });
});
