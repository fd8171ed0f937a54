import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { ManagementService } from "../../sdk/gen/monitor/v1/management_service_pb.js";
import { WatchService } from "../../sdk/gen/monitor/v1/watch_service_pb.js";
import { createGrpcJsClients, type GrpcJsClients } from "./grpc-js-client.js";
import { spawnServer, type SpawnedServer } from "./spawn-server.js";

/**
 * The real server process plus two independent clients: grpc-js (reads the
 * .proto files) and Connect over the gRPC protocol (our generated code).
 */
export interface LiveMonitor {
  readonly server: SpawnedServer;
  readonly grpcJs: GrpcJsClients;
  readonly management: Client<typeof ManagementService>;
  readonly watch: Client<typeof WatchService>;
  /** Registers a loopback service checked every `checkIntervalMs` unless a subscriber asks more often. */
  registerService(port: number, checkIntervalMs?: number): Promise<string>;
  registerCaller(callerId: string): Promise<void>;
  subscribe(callerId: string, serviceId: string, pollingMs: number, graceMs: number): Promise<void>;
  close(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals>;
}

/** The compiled server (on `dataDir`, with extra server `args`) and its two clients. */
export async function startLiveMonitor(options: { dataDir?: string; args?: readonly string[] } = {}): Promise<LiveMonitor> {
  const server = await spawnServer({
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.args === undefined ? {} : { args: [...options.args] }),
  });
  const grpcJs = createGrpcJsClients(server.port);
  const transport = createGrpcTransport({ baseUrl: server.baseUrl });
  const management = createClient(ManagementService, transport);
  return {
    server,
    grpcJs,
    management,
    watch: createClient(WatchService, transport),
    async registerService(port, checkIntervalMs = 60_000) {
      const { service } = await management.registerService({ host: "127.0.0.1", port, checkInterval: durationFromMs(checkIntervalMs) });
      return service!.id;
    },
    async registerCaller(callerId) {
      await management.registerCaller({ callerId });
    },
    async subscribe(callerId, serviceId, pollingMs, graceMs) {
      await management.subscribe({
        callerId,
        serviceId,
        pollingInterval: durationFromMs(pollingMs),
        gracePeriod: durationFromMs(graceMs),
      });
    },
    async close(signal = "SIGKILL") {
      grpcJs.close();
      return server.stop(signal);
    },
  };
}
