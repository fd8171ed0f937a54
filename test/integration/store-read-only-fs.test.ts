import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "../../server/gen/grpc/health/v1/health_pb.js";
import type { SimListener } from "../../simulator/index.js";
import { startLiveMonitor, type LiveMonitor } from "../support/live-monitor.js";
import { createReservedPortListener } from "../support/reserved-port-listener.js";
import { callerIds, expectLogsHoldWhatWasAnnounced, startStoreFaultLoad } from "../support/store-fault-load.js";
import { waitUntil } from "../support/wait-until.js";
import { recordConnectWatch, type WatchRecorder } from "../support/watch-recorder.js";

/**
 * The SQLite store's file system turning read-only under a running server,
 * under load, the way it happens in production: ext4 mounted with
 * errors=remount-ro meets an error (here the kernel's own
 * trigger_fs_error) and refuses every write from then on, through the
 * server's open descriptors too (EROFS). Meanwhile mutations answer
 * UNAVAILABLE, health is NOT_SERVING, checks go on and the server stays up;
 * nothing is announced that was not logged.
 *
 * Such a file system stays read-only until it is unmounted and checked, so
 * the way back is the operator's: stop the server, e2fsck, mount, start it
 * again. The restarted server holds every acknowledged mutation and none
 * that was refused, and every caller's log is continuous with every event a
 * Watch delivered in it.
 *
 * Needs root and an ext4 loop mount; without them the suite is skipped with
 * the reason.
 */

function run(command: string, args: readonly string[]): string {
  return execFileSync(command, args, { stdio: "pipe", encoding: "utf8" });
}

/** The loop device's name ("loop3") under the ext4 mounted at `mountPoint`. */
function deviceOf(mountPoint: string): string {
  return basename(run("findmnt", ["-no", "SOURCE", mountPoint]).trim());
}

function mountImage(image: string, mountPoint: string): void {
  run("mount", ["-t", "ext4", "-o", "loop,errors=remount-ro", image, mountPoint]);
}

/** Why an ext4 image cannot be mounted and failed here, or undefined when it can (tried once). */
function unavailableReason(): string | undefined {
  if (process.platform !== "linux") return `ext4 loop mounts are Linux-only (platform ${process.platform})`;
  if (process.getuid?.() !== 0) return "a loop mount needs root";
  const probe = mkdtempSync(join(tmpdir(), "monitor-ext4-probe-"));
  const mountPoint = join(probe, "mnt");
  let mounted = false;
  try {
    mkdirSync(mountPoint);
    run("truncate", ["-s", "8M", join(probe, "image")]);
    run("mkfs.ext4", ["-q", "-F", join(probe, "image")]);
    mountImage(join(probe, "image"), mountPoint);
    mounted = true;
    const trigger = `/sys/fs/ext4/${deviceOf(mountPoint)}/trigger_fs_error`;
    if (!existsSync(trigger)) return `this kernel has no ${trigger}`;
    return undefined;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    return `an ext4 loop mount is not possible here: ${stderr || String(error)}`;
  } finally {
    if (mounted) spawnSync("umount", [mountPoint]);
    rmSync(probe, { recursive: true, force: true });
  }
}

const reason = unavailableReason();
const suite = reason === undefined ? describe : describe.skip;

suite(`a read-only file system under the SQLite store${reason === undefined ? "" : ` (skipped: ${reason})`}`, () => {
  let dir = "";
  let image = "";
  let mountPoint = "";
  let flapping: SimListener | undefined;
  const monitors: LiveMonitor[] = [];
  const recorders: WatchRecorder[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "monitor-ext4-"));
    image = join(dir, "image");
    mountPoint = join(dir, "mnt");
    mkdirSync(mountPoint);
    run("truncate", ["-s", "64M", image]);
    run("mkfs.ext4", ["-q", "-F", image]);
    mountImage(image, mountPoint);
    flapping = (await createReservedPortListener()).listener;
  });

  afterAll(async () => {
    for (const recorder of recorders) recorder.cancel();
    await Promise.all(monitors.map((m) => m.close("SIGKILL")));
    await flapping?.close();
    if (dir !== "") {
      spawnSync("umount", [mountPoint]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  async function start(): Promise<LiveMonitor> {
    const m = await startLiveMonitor({ dataDir: join(mountPoint, "data") });
    monitors.push(m);
    return m;
  }

  it("answers UNAVAILABLE and NOT_SERVING, keeps checking, and after fsck and a restart holds exactly what was acknowledged", async () => {
    const monitor = await start();
    const health = createClient(Health, createGrpcTransport({ baseUrl: monitor.server.baseUrl }));
    const serving = async () => (await health.check({ service: "" })).status;
    const serviceId = await monitor.registerService(flapping!.port()!, 1_000);
    const callers = ["alice", "bob"];
    for (const caller of callers) {
      await monitor.registerCaller(caller);
      await monitor.subscribe(caller, serviceId, 1_000, 0);
      recorders.push(recordConnectWatch(monitor.watch, caller));
    }
    const load = startStoreFaultLoad(monitor, flapping!);
    try {
      await waitUntil(() => recorders.every((r) => r.changes().length >= 2), 30_000, "status changes before the fault");
      expect(await serving()).toBe(ServingStatus.SERVING);

      writeFileSync(`/sys/fs/ext4/${deviceOf(mountPoint)}/trigger_fs_error`, "service-monitor test: read-only under a running server\n");
      expect(run("findmnt", ["-no", "OPTIONS", mountPoint])).toMatch(/(^|,)ro(,|$)|emergency_ro/);
      await waitUntil(async () => (await serving()) === ServingStatus.NOT_SERVING, 30_000, "health NOT_SERVING");
      await waitUntil(() => (load.answers.get("UNAVAILABLE") ?? 0) >= 20, 30_000, "mutations answered UNAVAILABLE");
      // Checks go on without the store: the flapping service is still connected to.
      const connections = flapping!.connectionCount();
      await waitUntil(() => flapping!.connectionCount() >= connections + 5, 30_000, "checks while the file system is read-only");
      // The cause is in the log, for the operator; the clients' messages name no path.
      expect(monitor.server.output()).toMatch(/SQLITE_(IOERR|READONLY|CANTOPEN)/);
    } finally {
      await load.stop();
    }
    expect([...load.answers.keys()].filter((code) => code !== "OK" && code !== "UNAVAILABLE")).toEqual([]);
    expect(monitor.server.process.exitCode, "the server is still running").toBeNull();
    const refusal = await monitor.management.registerCaller({ callerId: "after-the-fault" }).then(
      () => undefined,
      (error: unknown) => ConnectError.from(error).rawMessage,
    );
    expect(refusal).toBeDefined();
    expect(refusal).not.toContain(mountPoint);

    // The operator's way back: stop, check the file system, mount, start.
    const stopped = await monitor.close("SIGTERM");
    monitors.splice(monitors.indexOf(monitor), 1);
    expect(typeof stopped, "SIGTERM ends the server (it does not need the signal's default action)").toBe("number");
    run("umount", [mountPoint]);
    const fsck = spawnSync("e2fsck", ["-f", "-y", image], { encoding: "utf8" });
    expect(fsck.status, `e2fsck: ${fsck.stdout}${fsck.stderr}`).toBeLessThanOrEqual(1); // 0 clean, 1 errors corrected
    mountImage(image, mountPoint);
    const restarted = await start();

    const registered = await callerIds(restarted);
    expect(load.acknowledged.filter((id) => !registered.has(id)), "acknowledged registrations the restart lost").toEqual([]);
    expect(load.refused.filter((id) => registered.has(id)), "refused registrations that were applied").toEqual([]);
    expect(registered.has("after-the-fault")).toBe(false);
    await expectLogsHoldWhatWasAnnounced(restarted, callers, recorders);
    const healthAgain = createClient(Health, createGrpcTransport({ baseUrl: restarted.server.baseUrl }));
    expect((await healthAgain.check({ service: "" })).status).toBe(ServingStatus.SERVING);
    await restarted.management.registerCaller({ callerId: "after-the-restart" });
    console.log(
      `read-only file system: answers ${JSON.stringify(Object.fromEntries(load.answers))}; ` +
        `acknowledged ${load.acknowledged.length}, refused ${load.refused.length}; SIGTERM exit ${String(stopped)}; e2fsck exit ${fsck.status}`,
    );
  }, 180_000);
});
