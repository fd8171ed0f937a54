import { Code } from "@connectrpc/connect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createInMemoryMonitor, type InMemoryMonitor } from "../support/in-memory-monitor.js";
import { refusalOf } from "../support/refusal.js";

/** The registry size limits over the RPCs: one more is RESOURCE_EXHAUSTED, nothing changes, updates always pass. */

let m: InMemoryMonitor;
beforeEach(async () => {
  m = await createInMemoryMonitor({ registryLimits: { maxServices: 2, maxCallers: 1, maxSubscriptions: 2 } });
});
afterEach(() => m.close());


describe("registry size limits", () => {
  it("refuse one service too many, change nothing, and still let existing ones be updated", async () => {
    const a = (await m.management.registerService({ host: "db.internal", port: 1 })).service!;
    await m.management.registerService({ host: "db.internal", port: 2 });
    const writes = m.storeWrites();
    const error = await refusalOf(m.management.registerService({ host: "db.internal", port: 3 }));
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.rawMessage).toMatch(/^max-services limit of 2 reached; /);
    expect(m.registry.listServices()).toHaveLength(2);
    expect(m.storeWrites()).toBe(writes);
    const updated = await m.management.updateService({ service: { id: a.id, host: "db.internal", port: 9 }, updateMask: { paths: ["port"] } });
    expect(updated.service!.port).toBe(9);
    await m.management.unregisterService({ serviceId: a.id });
    await m.management.registerService({ host: "db.internal", port: 3 });
    expect(m.registry.listServices()).toHaveLength(2);
  });

  it("refuse one caller too many; rotating an existing caller's token is not", async () => {
    await m.management.registerCaller({ callerId: "bot" });
    await m.management.rotateCallerToken({ callerId: "bot" });
    const error = await refusalOf(m.management.registerCaller({ callerId: "other" }));
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.rawMessage).toMatch(/^max-callers limit of 1 reached; /);
    expect(m.registry.listCallers().map((c) => c.id)).toEqual(["bot"]);
  });

  it("refuse one subscription too many; re-subscribing (changing the rule) is never refused", async () => {
    await m.management.registerCaller({ callerId: "bot" });
    const ids: string[] = [];
    for (const port of [1, 2]) ids.push((await m.management.registerService({ host: "db.internal", port })).service!.id);
    await m.management.subscribe({ callerId: "bot", serviceId: ids[0]! });
    // The limit is 2 subscriptions: with room for one more, re-subscribing still fills nothing.
    await m.management.subscribe({ callerId: "bot", serviceId: ids[0]! });
    await m.management.subscribe({ callerId: "bot", serviceId: ids[1]! });
    expect(m.registry.listSubscriptions()).toHaveLength(2);
    await m.management.subscribe({ callerId: "bot", serviceId: ids[1]! });
    await m.management.unsubscribe({ callerId: "bot", serviceId: ids[1]! });
    await m.management.subscribe({ callerId: "bot", serviceId: ids[1]! });
    expect(m.registry.listSubscriptions()).toHaveLength(2);
  });
});
