import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { createClient, ConnectError } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "../../server/gen/grpc/health/v1/health_pb.js";
import { startLiveMonitor, type LiveMonitor } from "../support/live-monitor.js";
import { startPostgresCluster, type PostgresCluster } from "../support/postgres-cluster.js";
import { describePostgres } from "../support/postgres.js";
import { createReservedPortListener } from "../support/reserved-port-listener.js";
import { callerIds, expectLogsHoldWhatWasAnnounced, startStoreFaultLoad } from "../support/store-fault-load.js";
import { waitUntil } from "../support/wait-until.js";
import { recordConnectWatch, type WatchRecorder } from "../support/watch-recorder.js";
import type { SimListener } from "../../simulator/index.js";

/**
 * PostgreSQL stopped (`pg_ctl stop -m immediate`) and started again under a
 * running server, under load: Watch streams open, a service flapping,
 * mutations every 50 ms. Meanwhile mutations answer UNAVAILABLE, health is
 * NOT_SERVING and checks go on; once PostgreSQL is back the server recovers
 * by itself (no restart), the history included (the checks made during the
 * outage are written once it is over), and every caller's log is continuous,
 * with every event a Watch delivered in it. A cluster of its own: the shared one is not
 * stopped under the other suites.
 */
describePostgres("a PostgreSQL outage under a running server", () => {
  let cluster: PostgresCluster;
  let monitor: LiveMonitor;
  let flapping: SimListener;
  const recorders: WatchRecorder[] = [];

  beforeAll(async () => {
    // Durable: with synchronous_commit off an immediate stop loses acknowledged
    // commits, which the server rightly finds after reconnecting (and stops).
    cluster = await startPostgresCluster({ durable: true });
    monitor = await startLiveMonitor({ args: ["--database", cluster.url] });
    flapping = (await createReservedPortListener()).listener;
  }, 60_000);

  afterAll(async () => {
    // The server's own account, when it stopped or a wait ran out.
    if (monitor !== undefined && process.env["MONITOR_TEST_DUMP"] !== undefined) console.log(monitor.server.output().split("\n").filter((l) => /"level":(40|50|60)/.test(l)).slice(-30).join("\n"));
    for (const recorder of recorders) recorder.cancel();
    await monitor?.close("SIGKILL");
    await flapping?.close();
    await cluster?.stop();
  });

  it("answers UNAVAILABLE and NOT_SERVING while it is down, keeps checking, and recovers by itself", async () => {
    const health = createClient(Health, createGrpcTransport({ baseUrl: monitor.server.baseUrl }));
    // A health call that fails at the transport (once in CI under load: the stream refused
    // by a GOAWAY on the health connection) says nothing about the status; asked again.
    const serving = async () => {
      try {
        return (await health.check({ service: "" })).status;
      } catch (error) {
        if (ConnectError.from(error).message.includes("NGHTTP2_REFUSED_STREAM")) return undefined;
        throw error;
      }
    };
    const serviceId = await monitor.registerService(flapping.port()!, 1_000);
    const callers = ["alice", "bob"];
    for (const caller of callers) {
      await monitor.registerCaller(caller);
      await monitor.subscribe(caller, serviceId, 1_000, 0);
      const recorder = recordConnectWatch(monitor.watch, caller);
      recorders.push(recorder);
    }

    const load = startStoreFaultLoad(monitor, flapping);
    const { answers } = load;

    try {
      await waitUntil(() => recorders.every((r) => r.changes().length >= 2), 30_000, "status changes before the outage");
      await waitUntil(async () => (await serving()) === ServingStatus.SERVING, 30_000, "health SERVING before the outage");

      const haltedAt = Date.now();
      await cluster.halt();
      await waitUntil(async () => (await serving()) === ServingStatus.NOT_SERVING, 30_000, "health NOT_SERVING");
      const detectedMs = Date.now() - haltedAt;
      await waitUntil(() => (answers.get("UNAVAILABLE") ?? 0) >= 3, 30_000, "mutations answered UNAVAILABLE");
      // Checks go on without the store: the flapping service is still connected to.
      const connectionsAtHalt = flapping.connectionCount();
      await waitUntil(() => flapping.connectionCount() >= connectionsAtHalt + 3, 30_000, "checks during the outage");
      expect(monitor.server.output()).toMatch(/store: unavailable \(.*lost the session holding the one-server lock/);

      const okBefore = answers.get("OK") ?? 0;
      const restartedAt = Date.now();
      await cluster.restart();
      await waitUntil(async () => (await serving()) === ServingStatus.SERVING, 30_000, "health SERVING again");
      const recoveredMs = Date.now() - restartedAt;
      await waitUntil(() => (answers.get("OK") ?? 0) > okBefore + 3, 30_000, "mutations OK again");
      // Status changes are announced again after recovery.
      const changesAtRecovery = recorders.map((r) => r.changes().length);
      await waitUntil(() => recorders.every((r, i) => r.changes().length >= changesAtRecovery[i]! + 2), 30_000, "status changes after recovery");
      // The history has a pool of its own: it reconnects too, and what it kept
      // for a retry while the database was down is written (each check is a row).
      const historyBetween = async (fromMs: number, toMs: number) =>
        (await monitor.management.listCheckResults({ serviceId, startTime: timestampFromMs(fromMs), endTime: timestampFromMs(toMs), pageSize: 1000 })).results.length;
      await waitUntil(async () => (await historyBetween(haltedAt + 1_000, restartedAt)) >= 3, 30_000, "the outage's check results written after recovery");
      await waitUntil(async () => (await historyBetween(restartedAt, Date.now())) >= 3, 30_000, "check results after recovery");
      const outageRows = await historyBetween(haltedAt + 1_000, restartedAt);
      console.log(
        `postgres outage: NOT_SERVING ${detectedMs} ms after the stop; SERVING ${recoveredMs} ms after the restart; ` +
          `answers ${JSON.stringify(Object.fromEntries(answers))}; ${outageRows} check results of the outage written after it`,
      );
    } finally {
      await load.stop();
    }

    expect([...answers.keys()].filter((code) => code !== "OK" && code !== "UNAVAILABLE")).toEqual([]);
    expect(monitor.server.process.exitCode).toBeNull();
    await expectLogsHoldWhatWasAnnounced(monitor, callers, recorders);
    // Every acknowledged mutation is there. (A refused one may be too: a commit whose answer the
    // stop cut off is neither acknowledged nor known to have failed.)
    const registered = await callerIds(monitor);
    expect(load.acknowledged.filter((id) => !registered.has(id)), "acknowledged registrations lost").toEqual([]);
  }, 180_000);
});
