import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { createClient, type Client, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ManagementService } from "../../sdk/gen/monitor/v1/management_service_pb.js";
import { WatchService } from "../../sdk/gen/monitor/v1/watch_service_pb.js";

/**
 * The bench's gRPC client: the generated code over connect-node's gRPC
 * transport (the SDK being written in sdk/ wraps the same thing).
 */
export interface MonitorClients {
  readonly management: Client<typeof ManagementService>;
  /** One Watch client per HTTP/2 connection; streams are spread over them. */
  readonly watch: readonly Client<typeof WatchService>[];
}

export function createTransport(baseUrl: string): Transport {
  return createGrpcTransport({
    baseUrl,
    // Thousands of streams on one connection: Node's 10 MB session default
    // would refuse new streams with ENHANCE_YOUR_CALM (docs/architecture.md, watch stream rule 7).
    nodeOptions: { maxSessionMemory: 256 },
    // The server answers quickly; a hung call should fail the bench, not stall it.
    defaultTimeoutMs: 120_000,
  });
}

export function createMonitorClients(baseUrl: string, watchConnections = 1): MonitorClients {
  return {
    management: createClient(ManagementService, createTransport(baseUrl)),
    watch: Array.from({ length: watchConnections }, () => createClient(WatchService, createTransport(baseUrl))),
  };
}

/** When each call of a pool finished, and how long it took, in completion order (ms). */
export interface PoolTimings {
  readonly startedAt: number;
  readonly finishedAt: number;
  /** performance.now() at each completion. */
  readonly completions: number[];
  readonly latencies: number[];
}

/**
 * Runs `task(0) … task(count − 1)` with at most `concurrency` in flight.
 * The first failure rejects (the bench stops rather than report figures over
 * failed calls).
 */
export async function runPool(count: number, concurrency: number, task: (index: number) => Promise<unknown>): Promise<PoolTimings> {
  const completions: number[] = [];
  const latencies: number[] = [];
  const startedAt = performance.now();
  let next = 0;
  async function lane(): Promise<void> {
    while (next < count) {
      const index = next++;
      const begun = performance.now();
      await task(index);
      const end = performance.now();
      completions.push(end);
      latencies.push(end - begun);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return { startedAt, finishedAt: performance.now(), completions, latencies };
}

/** Completions per whole second of a pool's run: the samples of a calls/s figure. */
export function perSecondRates(timings: PoolTimings): number[] {
  const seconds = Math.floor((timings.finishedAt - timings.startedAt) / 1000);
  if (seconds < 1) return [timings.completions.length / ((timings.finishedAt - timings.startedAt) / 1000)];
  const counts = new Array<number>(seconds).fill(0);
  for (const at of timings.completions) {
    const second = Math.floor((at - timings.startedAt) / 1000);
    if (second < seconds) counts[second]!++;
  }
  return counts;
}

/** Registers one service per port (127.0.0.1) and resolves with their ids, by port index. */
export async function registerServices(
  management: MonitorClients["management"],
  ports: readonly number[],
  options: { readonly checkIntervalMs: number; readonly concurrency: number },
): Promise<{ ids: string[]; timings: PoolTimings }> {
  const ids = new Array<string>(ports.length);
  const timings = await runPool(ports.length, options.concurrency, async (i) => {
    const { service } = await management.registerService({
      host: "127.0.0.1",
      port: ports[i]!,
      displayName: `bench ${i}`,
      checkInterval: durationFromMs(options.checkIntervalMs),
      checkTimeout: durationFromMs(2000),
    });
    ids[i] = service!.id;
  });
  return { ids, timings };
}

/** Registers callers by id. */
export async function registerCallers(
  management: MonitorClients["management"],
  callerIds: readonly string[],
  concurrency: number,
): Promise<PoolTimings> {
  return runPool(callerIds.length, concurrency, (i) => management.registerCaller({ callerId: callerIds[i]!, displayName: callerIds[i]! }));
}

/** One subscription to set up. */
export interface SubscriptionSpec {
  readonly callerId: string;
  readonly serviceId: string;
}

/** Subscribes every pair with the same polling interval and grace period. */
export async function subscribeAll(
  management: MonitorClients["management"],
  pairs: readonly SubscriptionSpec[],
  options: { readonly pollingIntervalMs: number; readonly gracePeriodMs: number; readonly concurrency: number },
): Promise<PoolTimings> {
  const pollingInterval = durationFromMs(options.pollingIntervalMs);
  const gracePeriod = durationFromMs(options.gracePeriodMs);
  return runPool(pairs.length, options.concurrency, (i) =>
    management.subscribe({ ...pairs[i]!, pollingInterval, gracePeriod }),
  );
}
