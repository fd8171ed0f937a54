import { describe, expect, it } from "vitest";
import { combineObservers } from "../../server/combine-observers.js";

describe("combineObservers", () => {
  it("tells every observer even when an earlier one throws, then rethrows the first error", () => {
    const heard: string[] = [];
    const combined = combineObservers(
      {
        announced: () => {
          throw new Error("logging bug");
        },
      },
      { checkStarted: () => heard.push("only the second has checkStarted") },
      { announced: (_service, _status, _detail, callers) => heard.push(`metrics heard ${callers}`) },
    );
    const service = { id: "svc", host: "h", port: 1, displayName: "", checkIntervalMs: 1000, checkTimeoutMs: 100, createdAt: 0 };
    expect(() => combined.announced?.(service, "up", "", 3)).toThrow("logging bug");
    expect(heard).toEqual(["metrics heard 3"]);
    combined.checkStarted?.("svc", 0, 0);
    expect(heard).toEqual(["metrics heard 3", "only the second has checkStarted"]);
  });
});
