import { timestampMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { ServiceStatus } from "../../sdk/gen/monitor/v1/resources_pb.js";
import type { LiveMonitor } from "../support/live-monitor.js";
import { nextEvent, readEventLog } from "../support/read-event-log.js";
import { createReservedPortListener } from "../support/reserved-port-listener.js";
import { forEachBackend, startMonitorOn, type OnTestFinished, type TestStore } from "../support/store-backends.js";
import { sleep, waitUntil } from "../support/wait-until.js";

/**
 * What the checks saw survives a real restart (issue 9, "observed state"):
 * a service failing before the restart keeps its down_since, and a
 * subscriber's grace runs from it, so DOWN comes at down_since + grace, not
 * a grace period after the restart, and says since = the first failed check.
 *
 * The margins are wide: DOWN is due about 5 s after the restart (8 s grace,
 * restart 3 s into it); counted from the restart it would come 8 s after it
 * at the earliest. Only a start-up slower than about 5 s could blur that.
 */

const GRACE_MS = 8000;

async function start(store: TestStore, onTestFinished: OnTestFinished): Promise<LiveMonitor> {
  const m = await startMonitorOn(store);
  onTestFinished(async () => void (await m.close("SIGKILL")));
  return m;
}

// Concurrent, both stores at once: most of each test is waiting out the grace period.
describe.concurrent("observed state across a restart", () => forEachBackend((backend) => {
  it.for(["SIGTERM", "SIGKILL"] as const)(
    "after a %s restart, DOWN comes at down_since + grace with since = the first failed check",
    { timeout: 60_000 },
    async (signal, { onTestFinished }) => {
      const store = await backend.freshStore(onTestFinished);
      const { listener, port } = await createReservedPortListener();
      onTestFinished(() => listener.close());
      const m = await start(store, onTestFinished);
      const serviceId = await m.registerService(port);
      await m.registerCaller("dashboard");
      await m.subscribe("dashboard", serviceId, 1000, GRACE_MS);
      await waitUntil(async () => (await readEventLog(m.watch, "dashboard")).lastSequence > 0, 10_000, "UP");
      expect((await readEventLog(m.watch, "dashboard")).entries.map((e) => `${e.sequence} ${e.what}`)).toEqual(["1 UP"]);

      await listener.down();
      let downSince = Number.NaN;
      await waitUntil(
        async () => {
          const state = (await m.management.getService({ serviceId })).service!.state!;
          if (state.status !== ServiceStatus.DOWN) return false;
          downSince = timestampMs(state.sinceTime!);
          return true;
        },
        10_000,
        "the first failed check",
      );
      await sleep(Math.max(0, downSince + 3000 - Date.now()));
      // Still inside the grace period: nothing announced yet.
      expect((await readEventLog(m.watch, "dashboard")).lastSequence).toBe(1);

      const restartAt = Date.now();
      expect(await m.close(signal)).toBe(signal === "SIGTERM" ? 0 : "SIGKILL");
      const restarted = await start(store, onTestFinished);
      const state = (await restarted.management.getService({ serviceId })).service!.state!;
      expect(state.status).toBe(ServiceStatus.DOWN);
      expect(timestampMs(state.sinceTime!)).toBe(downSince);

      const down = await nextEvent(restarted.watch, "dashboard", 1, (e) => e.kind === "status_change", 20_000, "DOWN");
      expect([down.sequence, down.what]).toEqual([2, "DOWN"]);
      expect(down.sinceMs).toBe(downSince);
      // Not before the grace ran out, and counted from down_since: before restart + grace.
      expect(down.eventTimeMs).toBeGreaterThanOrEqual(downSince + GRACE_MS);
      expect(down.eventTimeMs).toBeLessThan(restartAt + GRACE_MS);
    },
  );
}));
