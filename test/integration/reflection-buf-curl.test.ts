import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health } from "../../server/gen/grpc/health/v1/health_pb.js";
import * as v1 from "../../server/gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../server/gen/grpc/reflection/v1alpha/reflection_pb.js";
import { ManagementService } from "../../sdk/gen/monitor/v1/management_service_pb.js";
import { ServiceSchema } from "../../sdk/gen/monitor/v1/resources_pb.js";
import { WatchService } from "../../sdk/gen/monitor/v1/watch_service_pb.js";
import { registerReflection } from "../../server/rpc/reflection/register-reflection.js";
import { createBufCurl, type BufCurl } from "../support/buf-curl.js";

let server: http2.Http2Server;
let baseUrl: string;
let buf: BufCurl;
// Open HTTP/2 sessions, so afterAll can end them instead of waiting on a
// client that keeps its connection idle.
const sessions = new Set<http2.ServerHttp2Session>();

beforeAll(async () => {
  server = http2.createServer(
    connectNodeAdapter({
      routes(router) {
        // Just enough of ManagementService to prove buf curl can build the
        // request and decode the response from reflection alone.
        router.service(ManagementService, {
          getService(request) {
            return {
              service: create(ServiceSchema, {
                id: request.serviceId,
                host: "db.internal",
                port: 5432,
                displayName: "primary database",
                checkInterval: { seconds: 30n },
                createTime: { seconds: 1_700_000_000n },
              }),
            };
          },
        });
        registerReflection(router, [
          ManagementService,
          WatchService,
          Health,
          v1.ServerReflection,
          v1alpha.ServerReflection,
        ]);
      },
    }),
  );
  server.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  buf = await createBufCurl();
});

afterAll(async () => {
  await new Promise<void>((done) => {
    if (server === undefined) return done();
    server.close(() => done());
    for (const session of sessions) session.destroy();
  });
  await buf?.dispose();
});

/** Runs `buf curl` over h2c with the gRPC protocol; rejects on a non-zero exit. */
const bufCurl = (...args: string[]) => buf.call(...args);

describe("buf curl against server reflection", () => {
  // buf curl's default tries v1 and falls back to v1alpha; both are forced too.
  const reflectProtocols = [
    { name: "default", flags: [] },
    { name: "grpc-v1", flags: ["--reflect-protocol", "grpc-v1"] },
    { name: "grpc-v1alpha", flags: ["--reflect-protocol", "grpc-v1alpha"] },
  ];
  const expectedServices = [
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
    "monitor.v1.ManagementService",
    "monitor.v1.WatchService",
  ];

  it.each(reflectProtocols)("lists the services ($name)", async ({ flags }) => {
    const { stdout } = await bufCurl(...flags, "--list-services", baseUrl);
    expect(stdout.trim().split("\n").sort()).toEqual(expectedServices);
  });

  it("lists every method, resolving all services on one reflection stream", async () => {
    // buf curl asks for each service in turn on one stream, and the server
    // leaves out imports it already sent on it (WatchService's answer holds
    // only watch_service.proto): buf has to accept that to list WatchService.
    const { stdout, stderr } = await bufCurl("-v", "--list-methods", baseUrl);
    expect(stdout).toContain("monitor.v1.ManagementService/GetService");
    expect(stdout).toContain("monitor.v1.WatchService/Watch");
    expect(stdout).toContain("grpc.health.v1.Health/Check");
    expect(stderr).toContain('resolve "monitor.v1.WatchService"');
    // Verbose output numbers each HTTP/2 stream: only one was opened.
    expect(stderr).not.toContain("(#2)");
  });

  it.each(reflectProtocols)(
    "calls GetService with a schema learned only by reflection ($name)",
    async ({ flags }) => {
      const { stdout } = await bufCurl(
        ...flags,
        "-d",
        '{"service_id":"x"}',
        `${baseUrl}/monitor.v1.ManagementService/GetService`,
      );
      expect(JSON.parse(stdout)).toEqual({
        service: {
          id: "x",
          host: "db.internal",
          port: 5432,
          displayName: "primary database",
          checkInterval: "30s",
          createTime: "2023-11-14T22:13:20Z",
        },
      });
    },
  );

  it("reports a method the reflected schema does not have", async () => {
    await expect(
      bufCurl("-d", "{}", `${baseUrl}/monitor.v1.ManagementService/Nope`),
    ).rejects.toThrow(/contains no such method/);
  });

  it("turns the server's NOT_FOUND into a clear message for an unknown service", async () => {
    await expect(
      bufCurl("-d", "{}", `${baseUrl}/monitor.v1.NopeService/Get`),
    ).rejects.toThrow(/failed to find service named "monitor\.v1\.NopeService"/);
  });
});
