import { describe, expect, it } from "vitest";
import { DEFAULT_REGISTRY_LIMITS, registryLimitRefusal } from "../../server/limits/registry-limits.js";
import { createRegistryModel } from "../../server/store/registry-model.js";
import { parseServerArgs } from "../../server/server-args.js";

const limits = { maxServices: 2, maxCallers: 1, maxSubscriptions: 3 };

describe("registryLimitRefusal", () => {
  it("lets a row in below its limit and refuses it at the limit, naming flag and value", () => {
    expect(registryLimitRefusal("service", { services: 1, callers: 9, subscriptions: 9 }, limits)).toBeUndefined();
    const refusal = registryLimitRefusal("service", { services: 2, callers: 0, subscriptions: 0 }, limits);
    expect(refusal).toMatchObject({ kind: "resource_exhausted" });
    expect(refusal!.message).toMatch(/^max-services limit of 2 reached; /);
    expect(registryLimitRefusal("caller", { services: 0, callers: 1, subscriptions: 0 }, limits)!.message).toMatch(/^max-callers limit of 1 reached/);
    expect(registryLimitRefusal("subscription", { services: 0, callers: 0, subscriptions: 3 }, limits)!.message).toMatch(
      /^max-subscriptions limit of 3 reached/,
    );
    expect(registryLimitRefusal("subscription", { services: 0, callers: 0, subscriptions: 2 }, limits)).toBeUndefined();
  });
});

describe("registry model counts", () => {
  it("follow puts, replacements, deletes and undos", () => {
    const model = createRegistryModel();
    const sub = { callerId: "c", serviceId: "s" } as never;
    const undo = model.apply({ kind: "put_subscription", subscription: sub });
    model.apply({ kind: "put_subscription", subscription: sub }); // a replacement adds nothing
    model.apply({ kind: "put_caller", caller: { id: "c" } as never });
    expect(model.counts()).toEqual({ services: 0, callers: 1, subscriptions: 1 });
    model.apply({ kind: "delete_subscription", callerId: "c", serviceId: "s" });
    model.apply({ kind: "delete_subscription", callerId: "c", serviceId: "s" });
    expect(model.counts().subscriptions).toBe(0);
    undo();
    expect(model.counts().subscriptions).toBe(0);
  });
});

describe("--max-services, --max-callers, --max-subscriptions", () => {
  it("default to 10,000, 10,000 and 100,000", () => {
    expect(parseServerArgs([], {})).toMatchObject({ args: DEFAULT_REGISTRY_LIMITS });
    expect(DEFAULT_REGISTRY_LIMITS).toEqual({ maxServices: 10_000, maxCallers: 10_000, maxSubscriptions: 100_000 });
  });

  it("take the environment, and flags over it", () => {
    const env = { MONITOR_MAX_SERVICES: "5", MONITOR_MAX_CALLERS: "6", MONITOR_MAX_SUBSCRIPTIONS: "7" };
    expect(parseServerArgs([], env)).toMatchObject({ args: { maxServices: 5, maxCallers: 6, maxSubscriptions: 7 } });
    expect(parseServerArgs(["--max-services", "50"], env)).toMatchObject({ args: { maxServices: 50, maxCallers: 6 } });
  });

  it.each([["--max-services", "0"], ["--max-callers", "1.5"], ["--max-subscriptions", "lots"]])("refuse %s %s naming the flag", (flag, value) => {
    expect(parseServerArgs([flag, value], {})).toMatchObject({ kind: "error", message: expect.stringContaining(`${flag}: expected a whole number`) });
  });
});
