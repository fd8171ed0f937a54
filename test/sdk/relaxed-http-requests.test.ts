import { create, type DescMessage } from "@bufbuild/protobuf";
import { FieldMaskSchema } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { convertRequest } from "../../sdk/convert-request.js";
import {
  ListServicesRequestSchema,
  RegisterServiceRequestSchema,
  ServiceStatusFilter,
  UpdateServiceRequestSchema,
} from "../../sdk/gen/monitor/v1/management_service_pb.js";
import { HttpProbeSchema, TcpCloseMode } from "../../sdk/gen/monitor/v1/resources_pb.js";
import type { RelaxedInitShape } from "../../sdk/relaxed-init.js";

/** The relaxed forms issue 10's requests take: oneof members by name, enum names, string bodies, masks, status ranges. */

function expectRefused(schema: DescMessage, request: unknown, message: string): void {
  expect(() => convertRequest(schema, request as never)).toThrow(expect.objectContaining({ code: Code.InvalidArgument, rawMessage: message }));
}

describe("convertRequest: an HTTP RegisterService", () => {
  it("takes the probe by its oneof member's name, a string body and a status list as text", () => {
    const request: RelaxedInitShape<typeof RegisterServiceRequestSchema> = {
      displayName: "web",
      checkInterval: 10_000,
      http: {
        url: "https://example.test/health",
        method: "POST",
        headers: { "X-Probe": "monitor" },
        body: '{"ping":1}',
        acceptedStatuses: "200-299, 304",
        bodyRegex: "ok",
        invertBodyMatch: true,
        maxRedirects: 0,
        skipTlsVerify: true,
      },
    };
    const converted = convertRequest(RegisterServiceRequestSchema, request);
    expect(converted).not.toHaveProperty("http");
    expect(converted.probe).toEqual({
      case: "http",
      value: {
        url: "https://example.test/health",
        method: "POST",
        headers: { "X-Probe": "monitor" },
        body: new TextEncoder().encode('{"ping":1}'),
        acceptedStatuses: [{ min: 200, max: 299 }, { min: 304, max: 304 }],
        bodyRegex: "ok",
        invertBodyMatch: true,
        maxRedirects: 0,
        skipTlsVerify: true,
      },
    });
    // What it made is a valid init.
    const message = create(RegisterServiceRequestSchema, converted);
    expect(message.probe.case === "http" && message.probe.value.acceptedStatuses.map((r) => [r.min, r.max])).toEqual([[200, 299], [304, 304]]);
  });

  it("keeps bytes, range objects and the explicit { case, value } form as they are given", () => {
    const body = new Uint8Array([0, 1, 2]);
    const ranges = [{ min: 200, max: 204 }];
    const converted = convertRequest(RegisterServiceRequestSchema, { probe: { case: "http", value: { url: "http://x.test/", body, acceptedStatuses: ranges } } });
    expect(converted.probe).toEqual({ case: "http", value: { url: "http://x.test/", body, acceptedStatuses: ranges } });
    expect(convertRequest(HttpProbeSchema, { acceptedStatuses: "" }).acceptedStatuses).toEqual([]);
    expect(convertRequest(HttpProbeSchema, { acceptedStatuses: "404" }).acceptedStatuses).toEqual([{ min: 404, max: 404 }]);
  });

  it("takes a TCP probe by name too, with the close mode by name", () => {
    expect(convertRequest(RegisterServiceRequestSchema, { host: "db", port: 5432, tcp: { closeMode: "reset" } }).probe).toEqual({
      case: "tcp",
      value: { closeMode: TcpCloseMode.RESET },
    });
  });

  it("refuses two members of one oneof, and a status list it cannot read, naming the field", () => {
    expectRefused(
      RegisterServiceRequestSchema,
      { tcp: {}, http: { url: "http://x.test/" } },
      "tcp: only one of tcp, http may be set (oneof probe), got tcp and http",
    );
    expectRefused(
      RegisterServiceRequestSchema,
      { probe: { case: "tcp", value: {} }, http: { url: "http://x.test/" } },
      'http: only one of tcp, http may be set (oneof probe), got probe.case "tcp" and http',
    );
    expectRefused(
      RegisterServiceRequestSchema,
      { http: { acceptedStatuses: "200-2x9" } },
      'http.accepted_statuses: expected status codes like "200-299,304" or "2xx", got "200-2x9"',
    );
    expectRefused(RegisterServiceRequestSchema, { http: "https://x.test/" }, 'http: expected an object for monitor.v1.HttpProbe, got "https://x.test/"');
  });
});

describe("convertRequest: ListServices filter and UpdateService mask", () => {
  it("takes the status filter by name, in any case, with or without the enum's prefix, or as the enum", () => {
    for (const [given, wanted] of [
      ["up", ServiceStatusFilter.UP],
      ["DOWN", ServiceStatusFilter.DOWN],
      ["Paused", ServiceStatusFilter.PAUSED],
      ["SERVICE_STATUS_FILTER_UNKNOWN", ServiceStatusFilter.UNKNOWN],
      [ServiceStatusFilter.PAUSED, ServiceStatusFilter.PAUSED],
    ] as const) {
      expect(convertRequest(ListServicesRequestSchema, { filter: "web", statusFilter: given })).toEqual({ filter: "web", statusFilter: wanted });
    }
    expectRefused(
      ListServicesRequestSchema,
      { statusFilter: "sleeping" },
      'status_filter: expected one of up, down, paused, unknown (or a ServiceStatusFilter number), got "sleeping"',
    );
    expectRefused(ListServicesRequestSchema, { statusFilter: true }, "status_filter: expected one of up, down, paused, unknown (or a ServiceStatusFilter number), got true");
  });

  it("takes the mask as an array of paths, in proto names or camel case, and the service with its probe by name", () => {
    const converted = convertRequest(UpdateServiceRequestSchema, {
      service: { id: "svc_1", displayName: "web", checkTimeout: 5_000, http: { acceptedStatuses: "200-204", maxRedirects: 3 } },
      updateMask: ["display_name", "checkTimeout", "http.acceptedStatuses", "http.max_redirects"],
    });
    expect(converted.updateMask).toEqual(create(FieldMaskSchema, { paths: ["display_name", "check_timeout", "http.accepted_statuses", "http.max_redirects"] }));
    const message = create(UpdateServiceRequestSchema, converted);
    expect(message.service?.probe).toMatchObject({ case: "http", value: { acceptedStatuses: [{ min: 200, max: 204 }], maxRedirects: 3 } });
    expect(toSeconds(message.service?.checkTimeout)).toBe(5);
    expect(convertRequest(UpdateServiceRequestSchema, { updateMask: { paths: ["*"] } }).updateMask).toEqual(create(FieldMaskSchema, { paths: ["*"] }));
    expectRefused(UpdateServiceRequestSchema, { updateMask: "display_name" }, 'update_mask: expected an array of field paths (e.g. ["display_name"]), got "display_name"');
    expectRefused(UpdateServiceRequestSchema, { updateMask: ["display_name", ""] }, 'update_mask[1]: expected a field path such as "display_name", got ""');
  });

  it("types the relaxed forms: a typo'd shape does not compile", () => {
    const ok: Array<RelaxedInitShape<typeof ListServicesRequestSchema>> = [{ statusFilter: "paused" }, { statusFilter: ServiceStatusFilter.UP }];
    // @ts-expect-error a page size is a number, not a name
    const notAName: RelaxedInitShape<typeof ListServicesRequestSchema> = { pageSize: "ten" };
    // @ts-expect-error the http member takes an HttpProbe, whose url is a string
    const badUrl: RelaxedInitShape<typeof RegisterServiceRequestSchema> = { http: { url: 42 } };
    expect([ok, notAName, badUrl]).toHaveLength(3);
  });
});

function toSeconds(d: { seconds: bigint } | undefined): number | undefined {
  return d === undefined ? undefined : Number(d.seconds);
}
