import { create, createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import type { FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { Code, createClient, createRouterTransport } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { Health } from "../../server/gen/grpc/health/v1/health_pb.js";
import * as v1 from "../../server/gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../server/gen/grpc/reflection/v1alpha/reflection_pb.js";
import { ManagementService } from "../../sdk/gen/monitor/v1/management_service_pb.js";
import { WatchService } from "../../sdk/gen/monitor/v1/watch_service_pb.js";
import { registerReflection } from "../../server/rpc/reflection/register-reflection.js";

/**
 * What a test sends: plain data, so the same value initializes the request
 * of either protocol version.
 */
type Request =
  | { case: "fileByFilename"; value: string }
  | { case: "fileContainingSymbol"; value: string }
  | { case: "fileContainingExtension"; value: { containingType: string; extensionNumber: number } }
  | { case: "allExtensionNumbersOfType"; value: string }
  | { case: "listServices"; value: string }
  | { case: undefined };

/** A response reduced to plain data, so v1 and v1alpha compare alike. */
type Answer =
  | { kind: "files"; names: string[]; protos: FileDescriptorProto[] }
  | { kind: "services"; names: string[] }
  | { kind: "extensions"; base: string; numbers: number[] }
  | { kind: "error"; code: number; message: string }
  | { kind: "none" };

interface Exchange {
  answer: Answer;
  validHost: string;
  original: unknown;
  originalHost: string | undefined;
}

const transport = createRouterTransport((router) => {
  registerReflection(router, [
    ManagementService,
    WatchService,
    Health,
    v1.ServerReflection,
    v1alpha.ServerReflection,
  ]);
});

/**
 * Runs requests on ONE stream of the given protocol version and returns the
 * answers. Both generated clients are driven through the same shape.
 */
async function converse(
  version: "v1" | "v1alpha",
  requests: readonly Request[],
  host = "",
): Promise<Exchange[]> {
  const responses: (v1.ServerReflectionResponse | v1alpha.ServerReflectionResponse)[] = [];
  if (version === "v1") {
    const client = createClient(v1.ServerReflection, transport);
    const input = (async function* () {
      for (const messageRequest of requests) yield { host, messageRequest };
    })();
    for await (const response of client.serverReflectionInfo(input)) responses.push(response);
  } else {
    const client = createClient(v1alpha.ServerReflection, transport);
    const input = (async function* () {
      for (const messageRequest of requests) yield { host, messageRequest };
    })();
    for await (const response of client.serverReflectionInfo(input)) responses.push(response);
  }
  return responses.map((response) => ({
    answer: toAnswer(response.messageResponse),
    validHost: response.validHost,
    original: response.originalRequest?.messageRequest,
    originalHost: response.originalRequest?.host,
  }));
}

function toAnswer(
  body: (v1.ServerReflectionResponse | v1alpha.ServerReflectionResponse)["messageResponse"],
): Answer {
  switch (body.case) {
    case "fileDescriptorResponse": {
      const protos = body.value.fileDescriptorProto.map((bytes) =>
        fromBinary(FileDescriptorProtoSchema, bytes),
      );
      return { kind: "files", names: protos.map((p) => p.name), protos };
    }
    case "listServicesResponse":
      return { kind: "services", names: body.value.service.map((s) => s.name) };
    case "allExtensionNumbersResponse":
      return {
        kind: "extensions",
        base: body.value.baseTypeName,
        numbers: body.value.extensionNumber,
      };
    case "errorResponse":
      return { kind: "error", code: body.value.errorCode, message: body.value.errorMessage };
    case undefined:
      return { kind: "none" };
  }
}

async function ask(version: "v1" | "v1alpha", request: Request): Promise<Answer> {
  const [exchange] = await converse(version, [request]);
  if (exchange === undefined) throw new Error("no response");
  return exchange.answer;
}

function fileNames(answer: Answer): string[] {
  if (answer.kind !== "files") throw new Error(`expected files, got ${JSON.stringify(answer)}`);
  return answer.names;
}

/**
 * Orders files so each comes after its imports, as a FileDescriptorSet must.
 * Throws if an import is not among the files, i.e. the server left one out.
 */
function importsFirst(protos: readonly FileDescriptorProto[]): FileDescriptorProto[] {
  const byName = new Map(protos.map((p) => [p.name, p]));
  const ordered: FileDescriptorProto[] = [];
  const visit = (proto: FileDescriptorProto): void => {
    if (ordered.includes(proto)) return;
    for (const name of proto.dependency) {
      const dependency = byName.get(name);
      if (dependency === undefined) throw new Error(`${proto.name} imports missing ${name}`);
      visit(dependency);
    }
    ordered.push(proto);
  };
  protos.forEach(visit);
  return ordered;
}

const managementClosure = [
  "monitor/v1/management_service.proto",
  "google/protobuf/duration.proto",
  // UpdateServiceRequest.update_mask.
  "google/protobuf/field_mask.proto",
  "google/protobuf/timestamp.proto",
  "monitor/v1/resources.proto",
];

describe.each(["v1", "v1alpha"] as const)("server reflection %s", (version) => {
  it("lists every registered service by full name", async () => {
    const answer = await ask(version, { case: "listServices", value: "" });
    expect(answer).toEqual({
      kind: "services",
      names: [
        "monitor.v1.ManagementService",
        "monitor.v1.WatchService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
      ],
    });
  });

  it("returns a file by name with its transitive imports, the file first", async () => {
    const names = fileNames(
      await ask(version, { case: "fileByFilename", value: "monitor/v1/management_service.proto" }),
    );
    expect(names[0]).toBe("monitor/v1/management_service.proto");
    expect([...names].sort()).toEqual([...managementClosure].sort());
  });

  it("includes imports of imports (watch_service → resources → duration)", async () => {
    const names = fileNames(
      await ask(version, { case: "fileByFilename", value: "monitor/v1/watch_service.proto" }),
    );
    expect(names[0]).toBe("monitor/v1/watch_service.proto");
    // watch_service.proto does not import duration.proto itself.
    expect([...names].sort()).toEqual(
      [
        "google/protobuf/duration.proto",
        "google/protobuf/timestamp.proto",
        "monitor/v1/resources.proto",
        "monitor/v1/watch_service.proto",
      ].sort(),
    );
  });

  it("sends descriptors a client can build into a working schema", async () => {
    const answer = await ask(version, {
      case: "fileContainingSymbol",
      value: "monitor.v1.ManagementService",
    });
    if (answer.kind !== "files") throw new Error("expected files");
    const root = answer.protos.find((p) => p.name === "monitor/v1/management_service.proto");
    if (root === undefined) throw new Error("root file missing");
    // Fails if any transitive import is missing from the response.
    const registry = createFileRegistry(
      create(FileDescriptorSetSchema, { file: importsFirst(answer.protos) }),
    );
    const service = registry.getService("monitor.v1.ManagementService");
    expect(service?.method["getService"]?.output.field["service"]?.message?.typeName).toBe(
      "monitor.v1.Service",
    );
    expect(registry.getMessage("monitor.v1.Service")?.field["checkInterval"]?.message?.typeName).toBe(
      "google.protobuf.Duration",
    );
    // The FileDescriptorProto is the compiler's, with json names restored.
    expect(root.package).toBe("monitor.v1");
    expect(root.dependency).toEqual([
      "google/protobuf/duration.proto",
      "google/protobuf/field_mask.proto",
      "google/protobuf/timestamp.proto",
      "monitor/v1/resources.proto",
    ]);
  });

  it.each([
    ["a service", "monitor.v1.WatchService", "monitor/v1/watch_service.proto"],
    ["a method", "monitor.v1.ManagementService.GetService", "monitor/v1/management_service.proto"],
    ["a message", "monitor.v1.Service", "monitor/v1/resources.proto"],
    ["a field", "monitor.v1.Service.check_interval", "monitor/v1/resources.proto"],
    ["an enum", "monitor.v1.ServiceStatus", "monitor/v1/resources.proto"],
    ["an enum value", "monitor.v1.SERVICE_STATUS_UP", "monitor/v1/resources.proto"],
    ["a nested enum", "grpc.health.v1.HealthCheckResponse.ServingStatus", "grpc/health/v1/health.proto"],
    ["a nested enum value", "grpc.health.v1.HealthCheckResponse.SERVING", "grpc/health/v1/health.proto"],
    ["an imported well-known type", "google.protobuf.Timestamp", "google/protobuf/timestamp.proto"],
    ["a reflection message", "grpc.reflection.v1alpha.ServerReflectionRequest", "grpc/reflection/v1alpha/reflection.proto"],
  ])("finds the file containing %s", async (_what, symbol, file) => {
    const names = fileNames(await ask(version, { case: "fileContainingSymbol", value: symbol }));
    expect(names[0]).toBe(file);
  });

  it("answers an unknown symbol with NOT_FOUND on the stream", async () => {
    const answer = await ask(version, { case: "fileContainingSymbol", value: "monitor.v1.Nope" });
    expect(answer).toEqual({
      kind: "error",
      code: Code.NotFound,
      message: expect.stringContaining("monitor.v1.Nope"),
    });
  });

  it("answers an unknown file with NOT_FOUND on the stream", async () => {
    const answer = await ask(version, { case: "fileByFilename", value: "nope/v1/nope.proto" });
    expect(answer).toEqual({
      kind: "error",
      code: Code.NotFound,
      message: expect.stringContaining("nope/v1/nope.proto"),
    });
  });

  it("answers a request without message_request with INVALID_ARGUMENT", async () => {
    const answer = await ask(version, { case: undefined });
    expect(answer).toMatchObject({ kind: "error", code: Code.InvalidArgument });
  });

  it("reports no extensions for a known message, NOT_FOUND for an unknown one", async () => {
    expect(
      await ask(version, { case: "allExtensionNumbersOfType", value: "monitor.v1.Service" }),
    ).toEqual({ kind: "extensions", base: "monitor.v1.Service", numbers: [] });
    expect(
      await ask(version, { case: "allExtensionNumbersOfType", value: "monitor.v1.Nope" }),
    ).toMatchObject({ kind: "error", code: Code.NotFound });
  });

  it("answers file_containing_extension with NOT_FOUND naming what is missing", async () => {
    const extensionRequest = (containingType: string): Request => ({
      case: "fileContainingExtension",
      value: { containingType, extensionNumber: 100 },
    });
    expect(await ask(version, extensionRequest("monitor.v1.Service"))).toEqual({
      kind: "error",
      code: Code.NotFound,
      message: expect.stringMatching(/100.*monitor\.v1\.Service/),
    });
    expect(await ask(version, extensionRequest("monitor.v1.Nope"))).toEqual({
      kind: "error",
      code: Code.NotFound,
      message: expect.stringContaining("monitor.v1.Nope"),
    });
  });

  it("answers several requests on one stream in order, echoing each request and host", async () => {
    const requests: Request[] = [
      { case: "listServices", value: "*" },
      { case: "fileContainingSymbol", value: "monitor.v1.Nope" },
      { case: "fileByFilename", value: "grpc/health/v1/health.proto" },
      { case: "allExtensionNumbersOfType", value: "grpc.health.v1.HealthCheckRequest" },
    ];
    const exchanges = await converse(version, requests, "monitor.example:443");
    expect(exchanges.map((e) => e.answer.kind)).toEqual(["services", "error", "files", "extensions"]);
    expect(exchanges.map((e) => e.original)).toEqual(requests);
    for (const exchange of exchanges) {
      expect(exchange.validHost).toBe("monitor.example:443");
      expect(exchange.originalHost).toBe("monitor.example:443");
    }
  });

  it("sends each dependency once per stream, but always the file asked for", async () => {
    const [first, second, third] = await converse(version, [
      { case: "fileContainingSymbol", value: "monitor.v1.ManagementService" },
      { case: "fileContainingSymbol", value: "monitor.v1.WatchService" },
      { case: "fileContainingSymbol", value: "monitor.v1.Service" },
    ]);
    expect([...fileNames(first?.answer ?? { kind: "none" })].sort()).toEqual(
      [...managementClosure].sort(),
    );
    // resources, timestamp and duration were sent with the first answer.
    expect(fileNames(second?.answer ?? { kind: "none" })).toEqual(["monitor/v1/watch_service.proto"]);
    expect(fileNames(third?.answer ?? { kind: "none" })).toEqual(["monitor/v1/resources.proto"]);

    // A new stream starts over and gets the full closure again.
    const names = fileNames(
      await ask(version, { case: "fileContainingSymbol", value: "monitor.v1.WatchService" }),
    );
    expect(names).toHaveLength(4);
  });
});
