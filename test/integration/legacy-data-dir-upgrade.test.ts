import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startLiveMonitor, type LiveMonitor } from "../support/live-monitor.js";
import { describePostgres, dropTestDatabase, testDatabaseUrl } from "../support/postgres.js";
import { startMonitorOn } from "../support/store-backends.js";
import { recordConnectWatch, type RecordedEvent } from "../support/watch-recorder.js";

/**
 * Upgrading in place: the server started on a data dir the previous release
 * wrote (test/fixtures/legacy-data-dir) imports it into monitor.db, and a
 * caller that resumes from the last sequence it had seen gets exactly the
 * next event — the sequences carried over, nothing replayed twice.
 */

const FIXTURE = path.join(import.meta.dirname, "..", "fixtures", "legacy-data-dir");
const UP = "svc_d4bfe52852a3c349";
const DOWN = "svc_f4769a656a848cb8";
const IDLE = "svc_3502e82a40ac3eb9";

const monitors: LiveMonitor[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function legacyDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "legacy-upgrade-"));
  dirs.push(dir);
  for (const name of ["registry.json", "events.db"]) fs.copyFileSync(path.join(FIXTURE, name), path.join(dir, name));
  return dir;
}

async function start(dataDir: string): Promise<LiveMonitor> {
  const m = await startLiveMonitor({ dataDir });
  monitors.push(m);
  return m;
}

const summary = (events: readonly RecordedEvent[]) =>
  events.map((e) => `${e.sequence}:${e.kind === "status_change" ? e.status : e.kind}:${e.serviceId}`);

describe("starting on the previous release's data dir", () => {
  it("imports it once, and a caller resuming after its last sequence gets exactly the next event", async () => {
    const dir = legacyDataDir();
    const m = await start(dir);
    expect(m.server.output()).toContain("importing the previous release's data");
    expect(fs.readdirSync(dir)).toEqual(expect.arrayContaining(["monitor.db", "registry.json.imported", "events.db.imported"]));
    expect(fs.existsSync(path.join(dir, "registry.json"))).toBe(false);

    const services = (await m.management.listServices({})).services.map((s) => s.id).sort();
    expect(services).toEqual([IDLE, UP, DOWN].sort());
    expect((await m.management.listCallers({})).callers.map((c) => c.id).sort()).toEqual(["alice", "bob"]);
    expect((await m.management.listSubscriptions({})).subscriptions).toHaveLength(3);
    expect((await m.management.listPlannedOutages({ serviceId: IDLE })).outages.map((o) => o.reason)).toEqual(["planned upgrade"]);

    // Imported events replay with their own sequences.
    const replay = recordConnectWatch(m.watch, "alice", 1);
    await replay.waitFor((e) => e.sequence === 2, 10_000, "alice's imported event 2");
    expect(summary(replay.events)[0]).toBe(`2:DOWN:${DOWN}`);
    replay.cancel();

    // alice had seen up to 2: she resumes there, and her next event is 3.
    // Whether the stream is open yet or not, the event is in the log for it.
    const resumed = recordConnectWatch(m.watch, "alice", 2);
    await m.management.unsubscribe({ callerId: "alice", serviceId: DOWN });
    const ended = await resumed.waitFor((e) => e.kind === "subscription_ended", 10_000, "alice's subscription_ended");
    const sequences = resumed.events.map((e) => e.sequence);
    expect(sequences[0]).toBe(3);
    // Consecutive from 3 (the UP service's listener is gone, so a DOWN may come first): no gap, no replay.
    expect(sequences).toEqual(sequences.map((_, i) => 3 + i));
    expect(ended.serviceId).toBe(DOWN);
    expect(resumed.events.some((e) => e.kind === "snapshot")).toBe(false);
    resumed.cancel();

    // A restart finds nothing left to import and keeps everything.
    await m.close("SIGTERM");
    monitors.splice(monitors.indexOf(m), 1);
    const again = await start(dir);
    expect(again.server.output()).not.toContain("importing the previous release's data");
    expect((await again.management.listCallers({})).callers).toHaveLength(2);
    const after = recordConnectWatch(again.watch, "alice", ended.sequence - 1);
    await after.waitFor((e) => e.sequence === ended.sequence, 10_000, "alice's last event again");
    expect(after.events[0]!.kind).toBe("subscription_ended");
    after.cancel();
  });

  it("refuses to start on registry.json beside a monitor.db that already holds data", async () => {
    const dir = legacyDataDir();
    const m = await start(dir);
    await m.close("SIGTERM");
    monitors.splice(0);
    fs.copyFileSync(path.join(FIXTURE, "registry.json"), path.join(dir, "registry.json"));
    const failed = await startLiveMonitor({ dataDir: dir }).then(
      (started) => {
        monitors.push(started);
        return undefined;
      },
      (error: unknown) => String(error),
    );
    expect(failed).toContain("exited with");
    expect(failed).toContain("move registry.json and events.db away if they were already imported");
  });
});

describePostgres("upgrading the previous release's data dir straight onto PostgreSQL", () => {
  it("imports it into the empty database, renames the old files, and keeps the sequences", async () => {
    const dir = legacyDataDir();
    const url = await testDatabaseUrl();
    try {
      const m = await startMonitorOn({ backend: "postgres", dataDir: dir, serverArgs: ["--database", url], released: async () => {} });
      monitors.push(m);
      expect(m.server.output()).toContain("importing the previous release's data");
      expect(fs.readdirSync(dir)).toEqual(expect.arrayContaining(["registry.json.imported", "events.db.imported"]));
      expect(fs.existsSync(path.join(dir, "monitor.db"))).toBe(false);
      expect((await m.management.listServices({})).services.map((s) => s.id).sort()).toEqual([IDLE, UP, DOWN].sort());
      const replay = recordConnectWatch(m.watch, "alice", 1);
      await replay.waitFor((e) => e.sequence === 2, 10_000, "alice's imported event 2");
      expect(summary(replay.events)[0]).toBe(`2:DOWN:${DOWN}`);
      replay.cancel();
      await m.close("SIGTERM");
      monitors.splice(monitors.indexOf(m), 1);
    } finally {
      await dropTestDatabase(url);
    }
  });
});
