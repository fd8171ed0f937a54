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

describe("the integrity check at start", () => {
  it("leaves the history's tables out: a damaged history page fails history reads, not the start", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "server-store-history-damage-"));
    dirs.push(dataDir);
    const first = await open(dataDir);
    const rows = Array.from({ length: 5_000 }, (_, i) => ({
      kind: "check" as const,
      serviceId: "s1",
      at: T0 + i * 1000,
      status: "down" as const,
      latencyMs: 2,
      detail: `connection refused ${i}`,
      inOutage: false,
      maxSpanMs: 3_000,
    }));
    await first.history.append(rows, []);
    await close(first);

    // Overwrite one page of check_results (found through dbstat) with garbage.
    const file = path.join(dataDir, "monitor.db");
    const Database = (await import("better-sqlite3")).default;
    const db = new Database(file);
    db.pragma("wal_checkpoint(TRUNCATE)");
    const pageSize = Number(db.pragma("page_size", { simple: true }));
    const page = db.prepare<[], number>("SELECT pageno FROM dbstat WHERE name = 'check_results' AND pagetype = 'leaf' LIMIT 1 OFFSET 3").pluck().get();
    db.close();
    expect(page).toBeGreaterThan(1);
    const fd = fs.openSync(file, "r+");
    fs.writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (page! - 1) * pageSize);
    fs.closeSync(fd);

    const second = await open(dataDir);
    try {
      await expect(
        second.history.listRecords({ serviceId: "s1", startMs: 0, endMs: T0 + 10_000_000, limit: 10_000 }),
      ).rejects.toMatchObject({ name: "StoreError", kind: "corrupt" });
    } finally {
      await close(second);
    }
  });
});
