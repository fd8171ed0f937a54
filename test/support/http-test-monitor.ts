import { rm } from "node:fs/promises";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import type { OnTestFinishedHandler } from "vitest";
import { createHttpListener, createHttpsListener, type SimHttpListener, type SimHttpsListener } from "../../simulator/index.js";
import type { HttpProbeSchema, ServiceState } from "../../sdk/gen/monitor/v1/resources_pb.js";
import { startLiveMonitor, type LiveMonitor } from "./live-monitor.js";

/**
 * What the HTTP, UpdateService and pause integration tests share: a live
 * server, simulated web services and a way to register an HTTP check. Every
 * piece is closed through the test's own `onTestFinished`, so the tests can
 * run concurrently (each waits mostly for once-a-second checks).
 */
export type OnFinished = (fn: OnTestFinishedHandler) => void;

/** A live server on a fresh data dir (or `dataDir`, for a restart); killed and, unless given, its dir removed when the test ends. */
export async function startTestMonitor(onFinished: OnFinished, dataDir?: string): Promise<LiveMonitor> {
  const m = await startLiveMonitor(dataDir === undefined ? {} : { dataDir });
  onFinished(async () => {
    await m.close();
    if (dataDir === undefined) await rm(m.server.dataDir, { recursive: true, force: true });
  });
  return m;
}

/**
 * A running HTTP listener on 127.0.0.1, port 0. Unlike the TCP tests'
 * reserved ports this is safe: the tests change its answers, never take it
 * down, so no other process can take the port meanwhile.
 */
export async function startHttpListener(onFinished: OnFinished): Promise<SimHttpListener> {
  const listener = createHttpListener();
  onFinished(() => listener.close());
  await listener.up();
  return listener;
}

/** A running HTTPS listener on 127.0.0.1 with a self-signed certificate made now. */
export async function startHttpsListener(onFinished: OnFinished): Promise<SimHttpsListener> {
  const listener = createHttpsListener();
  onFinished(() => listener.close());
  await listener.up();
  return listener;
}

/** Registers an HTTP check over Connect (our generated code), checked every `checkIntervalMs` (1 s by default). */
export async function registerHttpService(
  m: LiveMonitor,
  probe: MessageInitShape<typeof HttpProbeSchema>,
  checkIntervalMs = 1000,
): Promise<string> {
  const { service } = await m.management.registerService({
    checkInterval: durationFromMs(checkIntervalMs),
    probe: { case: "http", value: probe },
  });
  return service!.id;
}

/** The service's observed state as GetService reports it. */
export async function stateOf(m: LiveMonitor, serviceId: string): Promise<ServiceState> {
  const { service } = await m.management.getService({ serviceId });
  return service!.state!;
}
