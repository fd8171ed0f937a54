import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { join } from "node:path";
import { ROOT } from "./spawn-server.js";

/**
 * An independent gRPC implementation (grpc-js + proto-loader, reading the
 * .proto files, not our generated code) to prove the server speaks plain
 * gRPC, not only to Connect clients.
 */
const definition = grpc.loadPackageDefinition(
  protoLoader.loadSync(
    ["monitor/v1/management_service.proto", "monitor/v1/watch_service.proto", "grpc/health/v1/health.proto"],
    { includeDirs: [join(ROOT, "proto")], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true },
  ),
) as unknown as {
  monitor: { v1: { ManagementService: grpc.ServiceClientConstructor; WatchService: grpc.ServiceClientConstructor } };
  grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
};

export type GrpcError = grpc.ServiceError;
export const status = grpc.status;

type Streaming = { Watch(r: object, md: grpc.Metadata): grpc.ClientReadableStream<Record<string, unknown>> };

export interface GrpcJsClients {
  /** Calls a unary RPC by its method name (e.g. "RegisterService") with a plain-object request. */
  unary<T = Record<string, unknown>>(service: "management" | "health", method: string, request: object): Promise<T>;
  watch(request: object): grpc.ClientReadableStream<Record<string, unknown>>;
  healthWatch(request: object): grpc.ClientReadableStream<Record<string, unknown>>;
  close(): void;
}

/**
 * `token`, when given, goes on every call as `authorization: Bearer <token>` metadata;
 * with `tls`, over TLS trusting `tls.ca` (and presenting `cert`/`key` for mTLS); h2c otherwise.
 */
export function createGrpcJsClients(
  port: number,
  options: { readonly token?: string; readonly tls?: { readonly ca: string; readonly cert?: string; readonly key?: string } } = {},
): GrpcJsClients {
  const address = `127.0.0.1:${port}`;
  // Call credentials need TLS in grpc-js, so the bearer token travels as plain per-call metadata.
  const metadata = () => {
    const m = new grpc.Metadata();
    if (options.token !== undefined) m.set("authorization", `Bearer ${options.token}`);
    return m;
  };
  const { tls } = options;
  const credentials =
    tls === undefined
      ? grpc.credentials.createInsecure()
      : grpc.credentials.createSsl(
          Buffer.from(tls.ca),
          tls.key === undefined ? null : Buffer.from(tls.key),
          tls.cert === undefined ? null : Buffer.from(tls.cert),
        );
  const management = new definition.monitor.v1.ManagementService(address, credentials);
  const watch = new definition.monitor.v1.WatchService(address, credentials);
  const health = new definition.grpc.health.v1.Health(address, credentials);
  const clients = { management, health };
  return {
    unary(service, method, request) {
      const client = clients[service] as unknown as Record<
        string,
        (req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: unknown) => void) => void
      >;
      const fn = client[method];
      if (fn === undefined) throw new Error(`no method ${method}`);
      return new Promise((resolve, reject) =>
        fn.call(client, request, metadata(), { deadline: Date.now() + 10_000 }, (error, response) =>
          error === null ? resolve(response as never) : reject(error),
        ),
      );
    },
    watch: (request) => (watch as unknown as Streaming).Watch(request, metadata()),
    healthWatch: (request) => (health as unknown as Streaming).Watch(request, metadata()),
    close() {
      management.close();
      watch.close();
      health.close();
    },
  };
}
