import { create, createFileRegistry, type DescMessage } from "@bufbuild/protobuf";
import {
  DurationSchema,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  file_google_protobuf_duration,
  file_google_protobuf_timestamp,
  FileDescriptorProtoSchema,
  TimestampSchema,
} from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { convertRequest } from "../../sdk/convert-request.js";
import { ListServicesResponseSchema, SchedulePlannedOutageRequestSchema, SubscribeRequestSchema } from "../../sdk/gen/monitor/v1/management_service_pb.js";
import { WatchResponseSchema } from "../../sdk/gen/monitor/v1/watch_service_pb.js";
import { toDate, toMillis } from "../../sdk/to-millis.js";

const duration = (seconds: bigint, nanos: number) => create(DurationSchema, { seconds, nanos });
const timestamp = (seconds: bigint, nanos: number) => create(TimestampSchema, { seconds, nanos });

/** Expects convertRequest to refuse `request` with INVALID_ARGUMENT and exactly `message`. */
function expectRefused(schema: DescMessage, request: unknown, message: string): void {
  expect(() => convertRequest(schema, request as never)).toThrow(expect.objectContaining({ code: Code.InvalidArgument, rawMessage: message }));
}

describe("convertRequest: milliseconds to Duration", () => {
  it.each([
    [0, 0n, 0],
    [1500, 1n, 500_000_000],
    [0.1, 0n, 100_000], // 0.1 × 1e6 is 100000.00000000001 in floating point: rounded
    [1.5, 0n, 1_500_000],
    [59_999.999_999, 59n, 999_999_999],
    [86_400_000, 86_400n, 0],
    [315_576_000_000_000, 315_576_000_000n, 0], // 10,000 years, the largest Duration
    [2 ** 40 + 0.25, 1_099_511_627n, 776_250_000],
  ])("%d ms → %ds %dns", (ms, seconds, nanos) => {
    const converted = convertRequest(SubscribeRequestSchema, { callerId: "bot", pollingInterval: ms });
    expect(converted.pollingInterval).toEqual(duration(seconds, nanos));
    expect(Number.isInteger((converted.pollingInterval as { nanos: number }).nanos)).toBe(true);
  });

  it("leaves Duration messages and init objects, and every other field, as given", () => {
    const grace = duration(3n, 0);
    const request = { callerId: "bot", serviceId: "svc_1", pollingInterval: { seconds: 5n }, gracePeriod: grace };
    const converted = convertRequest(SubscribeRequestSchema, request);
    expect(converted).toEqual(request);
    expect(converted.gracePeriod).toBe(grace);
  });

  it("does not modify the caller's object", () => {
    const request = { callerId: "bot", pollingInterval: 1000 };
    convertRequest(SubscribeRequestSchema, request);
    expect(request).toEqual({ callerId: "bot", pollingInterval: 1000 });
  });

  it.each([
    [Number.NaN, "polling_interval: expected milliseconds from 0 to 315576000000000, got NaN"],
    [-1, "polling_interval: expected milliseconds from 0 to 315576000000000, got -1"],
    [Infinity, "polling_interval: expected milliseconds from 0 to 315576000000000, got Infinity"],
    [315_576_000_000_001, "polling_interval: expected milliseconds from 0 to 315576000000000, got 315576000000001"],
    ["5s", 'polling_interval: expected milliseconds (a number) or a google.protobuf.Duration, got "5s"'],
    [5n, "polling_interval: expected milliseconds (a number) or a google.protobuf.Duration, got 5n"],
    [new Date(0), "polling_interval: expected milliseconds (a number) or a google.protobuf.Duration, got a Date"],
    [null, "polling_interval: expected milliseconds (a number) or a google.protobuf.Duration, got null"],
  ])("refuses %s, naming the field", (value, message) => {
    expectRefused(SubscribeRequestSchema, { callerId: "bot", pollingInterval: value }, message);
  });
});

describe("convertRequest: Date or epoch milliseconds to Timestamp", () => {
  it("takes a Date, epoch ms (fractions kept) and times before 1970", () => {
    const converted = convertRequest(SchedulePlannedOutageRequestSchema, {
      serviceId: "svc_1",
      startTime: new Date("2031-01-01T02:00:00.250Z"),
      endTime: Date.parse("2031-01-01T04:00:00Z") + 0.5,
      reason: "upgrade",
    });
    expect(converted.startTime).toEqual(timestamp(1_924_999_200n, 250_000_000));
    expect(converted.endTime).toEqual(timestamp(1_925_006_400n, 500_000));
    expect(converted.reason).toBe("upgrade");
    // Timestamp nanos are never negative: -1.5 ms is 1.5 ms before the epoch.
    expect(convertRequest(SchedulePlannedOutageRequestSchema, { startTime: -1.5 }).startTime).toEqual(timestamp(-1n, 998_500_000));
  });

  it.each([
    [new Date(Number.NaN), "start_time: expected a time between years 1 and 9999, got an invalid Date"],
    [Number.NaN, "start_time: expected a time between years 1 and 9999, got NaN"],
    [Date.parse("9999-12-31T23:59:59.999Z") + 1, "start_time: expected a time between years 1 and 9999, got 253402300800000"],
    ["2031-01-01", 'start_time: expected a Date, epoch milliseconds (a number) or a google.protobuf.Timestamp, got "2031-01-01"'],
  ])("refuses %s, naming the field", (value, message) => {
    expectRefused(SchedulePlannedOutageRequestSchema, { serviceId: "svc_1", startTime: value }, message);
  });
});

describe("convertRequest: walking the descriptor", () => {
  it("converts inside nested and repeated messages, and leaves other nested fields alone", () => {
    const converted = convertRequest(ListServicesResponseSchema, {
      services: [
        { id: "a", host: "db", port: 5432, checkInterval: 30_000 },
        { id: "b", state: { sinceTime: new Date(1000), lastLatency: 0.25, detail: "connection refused" } },
      ],
      nextPageToken: "next",
    });
    expect(converted.services).toEqual([
      { id: "a", host: "db", port: 5432, checkInterval: duration(30n, 0) },
      { id: "b", state: { sinceTime: timestamp(1n, 0), lastLatency: duration(0n, 250_000), detail: "connection refused" } },
    ]);
    expect(converted.nextPageToken).toBe("next");
    // The result is a valid init: create() accepts it.
    expect(toMillis(create(ListServicesResponseSchema, converted).services[1]!.state!.lastLatency)).toBe(0.25);
  });

  it("converts a oneof's message member", () => {
    const converted = convertRequest(WatchResponseSchema, {
      sequence: 7n,
      event: { case: "statusChange", value: { serviceId: "svc_1", sinceTime: 2500 } },
    });
    expect(converted).toEqual({ sequence: 7n, event: { case: "statusChange", value: { serviceId: "svc_1", sinceTime: timestamp(2n, 500_000_000) } } });
  });

  it("names the path of a nested field: list index, message, oneof member", () => {
    expectRefused(
      ListServicesResponseSchema,
      { services: [{ id: "a" }, { state: { lastLatency: -5 } }] },
      "services[1].state.last_latency: expected milliseconds from 0 to 315576000000000, got -5",
    );
    expectRefused(
      WatchResponseSchema,
      { event: { case: "snapshot", value: { subscriptions: [{ sinceTime: Number.NaN }] } } },
      "snapshot.subscriptions[0].since_time: expected a time between years 1 and 9999, got NaN",
    );
    expectRefused(ListServicesResponseSchema, { services: [{ state: "down" }] }, 'services[0].state: expected an object for monitor.v1.ServiceState, got "down"');
    expectRefused(SubscribeRequestSchema, "bot", 'request: expected an object for monitor.v1.SubscribeRequest, got "bot"');
  });

  it("passes a complete message through untouched, and treats no request as an empty one", () => {
    const message = create(SubscribeRequestSchema, { callerId: "bot", pollingInterval: { seconds: 2n } });
    expect(convertRequest(SubscribeRequestSchema, message)).toBe(message);
    expect(convertRequest(SubscribeRequestSchema, undefined)).toEqual({});
  });

  /** A message with the field kinds monitor.v1 does not use yet: repeated and map Durations, repeated strings. */
  const Holder = createFileRegistry(
    create(FileDescriptorProtoSchema, {
      name: "holder.proto",
      package: "test",
      syntax: "proto3",
      dependency: ["google/protobuf/duration.proto", "google/protobuf/timestamp.proto"],
      messageType: [
        {
          name: "Holder",
          field: [
            { name: "spans", number: 1, label: Label.REPEATED, type: Type.MESSAGE, typeName: ".google.protobuf.Duration", jsonName: "spans" },
            { name: "by_name", number: 2, label: Label.REPEATED, type: Type.MESSAGE, typeName: ".test.Holder.ByNameEntry", jsonName: "byName" },
            { name: "tags", number: 3, label: Label.REPEATED, type: Type.STRING, jsonName: "tags" },
            { name: "at", number: 4, label: Label.OPTIONAL, type: Type.MESSAGE, typeName: ".google.protobuf.Timestamp", oneofIndex: 0, jsonName: "at" },
            { name: "label", number: 5, label: Label.OPTIONAL, type: Type.STRING, oneofIndex: 0, jsonName: "label" },
          ],
          oneofDecl: [{ name: "when" }],
          nestedType: [
            {
              name: "ByNameEntry",
              options: { mapEntry: true },
              field: [
                { name: "key", number: 1, label: Label.OPTIONAL, type: Type.STRING, jsonName: "key" },
                { name: "value", number: 2, label: Label.OPTIONAL, type: Type.MESSAGE, typeName: ".google.protobuf.Duration", jsonName: "value" },
              ],
            },
          ],
        },
      ],
    }),
    (name) => ({ "google/protobuf/duration.proto": file_google_protobuf_duration, "google/protobuf/timestamp.proto": file_google_protobuf_timestamp })[name],
  ).getMessage("test.Holder")!;

  it("converts repeated and map Durations, and keeps repeated scalars and scalar oneof members as they are", () => {
    const tags = ["a", "b"];
    const converted = convertRequest(Holder, { spans: [1000, { seconds: 2n }], byName: { fast: 10, slow: 60_000 }, tags, when: { case: "at", value: 0 } }) as Record<string, unknown>;
    expect(converted["spans"]).toEqual([duration(1n, 0), { seconds: 2n }]);
    expect(converted["byName"]).toEqual({ fast: duration(0n, 10_000_000), slow: duration(60n, 0) });
    expect(converted["tags"]).toBe(tags);
    expect(converted["when"]).toEqual({ case: "at", value: timestamp(0n, 0) });
    const scalarOneof = { case: "label", value: "x" };
    expect((convertRequest(Holder, { when: scalarOneof }) as Record<string, unknown>)["when"]).toBe(scalarOneof);
    expectRefused(Holder, { byName: { slow: -1 } }, 'by_name["slow"]: expected milliseconds from 0 to 315576000000000, got -1');
  });
});

describe("toMillis and toDate", () => {
  it("turn Durations and Timestamps back into milliseconds (fractions kept) and Dates", () => {
    expect(toMillis(duration(1n, 500_000_000))).toBe(1500);
    expect(toMillis(duration(0n, 250_000))).toBe(0.25);
    expect(toMillis(timestamp(1_924_999_200n, 250_000_000))).toBe(Date.parse("2031-01-01T02:00:00.250Z"));
    expect(toDate(timestamp(-1n, 998_500_000)).toISOString()).toBe("1969-12-31T23:59:59.998Z");
    expect(toMillis(undefined)).toBeUndefined();
    expect(toDate(undefined)).toBeUndefined();
  });

  it("round-trip what convertRequest made", () => {
    for (const ms of [0, 1, 1.5, 0.001, 86_400_000, 123_456_789.125]) {
      expect(toMillis(convertRequest(SubscribeRequestSchema, { pollingInterval: ms }).pollingInterval as never)).toBeCloseTo(ms, 9);
    }
  });
});
