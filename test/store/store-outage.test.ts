import { describe, expect, it } from "vitest";
import { HealthCheckResponse_ServingStatus as ServingStatus } from "../../server/gen/grpc/health/v1/health_pb.js";
import { createHealthStatus } from "../../server/rpc/health-service.js";
import { createStoreOutage } from "../../server/store/store-outage.js";
import type { StoreMemory } from "../../server/store/store-difference.js";
import { StoreError, type StoreContents } from "../../server/store/store.js";
import { capturedLogger } from "../support/captured-logger.js";

const memory: StoreMemory = { services: [], callers: [{ id: "a", displayName: "", createdAt: 1 }], subscriptions: [], outages: [], sequences: [{ callerId: "a", lastSequence: 3 }] };
const contents = (lastSequence: number): StoreContents => ({ ...memory, observations: [], announced: [], sequences: [{ callerId: "a", lastSequence }] });

function setUp() {
  const { logger, lines } = capturedLogger();
  const fatal: unknown[] = [];
  const outage = createStoreOutage({ logger, clock: { now: () => 1_000 } as never, onFatal: (error) => fatal.push(error) });
  const health = createHealthStatus(["monitor.v1.ManagementService"]);
  outage.attach(health, () => memory);
  const statuses = () => health.entries().map(([, status]) => status);
  return { outage, health, statuses, fatal, lines };
}

describe("store outage wiring", () => {
  it("a disconnected store makes every service NOT_SERVING until it has reconnected", () => {
    const { outage, statuses } = setUp();
    outage.reconnect.onAvailability({ kind: "unavailable", sinceMs: 1_000, reason: "gone", attempts: 0 });
    expect(statuses()).toEqual([ServingStatus.NOT_SERVING, ServingStatus.NOT_SERVING]);
    outage.reconnect.onAvailability({ kind: "unavailable", sinceMs: 1_000, reason: "refused", attempts: 1 });
    expect(statuses()).toEqual([ServingStatus.NOT_SERVING, ServingStatus.NOT_SERVING]);
    outage.reconnect.onAvailability({ kind: "available" });
    expect(statuses()).toEqual([ServingStatus.SERVING, ServingStatus.SERVING]);
  });

  it("a write failing unavailable makes health NOT_SERVING until a write succeeds; other failures do not", async () => {
    const { outage, statuses } = setUp();
    let fail: unknown;
    const store = outage.watchWrites({ write: async () => { if (fail !== undefined) throw fail; } });
    fail = new Error("a bug");
    await expect(store.write([])).rejects.toBe(fail);
    expect(statuses()).toEqual([ServingStatus.SERVING, ServingStatus.SERVING]);
    fail = new StoreError("unavailable", "sqlite: attempt to write a readonly database (SQLITE_READONLY)");
    await expect(store.write([])).rejects.toBe(fail);
    expect(statuses()).toEqual([ServingStatus.NOT_SERVING, ServingStatus.NOT_SERVING]);
    fail = undefined;
    await store.write([]);
    expect(statuses()).toEqual([ServingStatus.SERVING, ServingStatus.SERVING]);
  });

  it("after reconnecting, the store must match memory; shutdown's health is left alone", () => {
    const { outage, health, fatal } = setUp();
    expect(outage.reconnect.verify(contents(3))).toBeUndefined();
    expect(outage.reconnect.verify(contents(4))).toBe("caller a's event log: last sequence 4 stored, 3 in memory");
    const error = new StoreError("unavailable", "mismatch");
    outage.reconnect.onFatal(error);
    expect(fatal).toEqual([error]);
    outage.detach();
    health.setAll(ServingStatus.NOT_SERVING);
    outage.reconnect.onAvailability({ kind: "available" });
    expect(health.get("")).toBe(ServingStatus.NOT_SERVING);
  });
});
