import { describe, expect, it } from "vitest";
import { combineObservers } from "../../server/combine-observers.js";

describe("combineObservers", () => {
  it("tells every observer even when an earlier one throws, then rethrows the first error", () => {
    const heard: string[] = [];
    const combined = combineObservers(
      {
        eventsAppended: () => {
          throw new Error("logging bug");
        },
      },
      { checkStarted: () => heard.push("only the second has checkStarted") },
      { eventsAppended: (count) => heard.push(`metrics heard ${count}`) },
    );
    expect(() => combined.eventsAppended?.(3, 1)).toThrow("logging bug");
    expect(heard).toEqual(["metrics heard 3"]);
    combined.checkStarted?.("svc", 0, 0);
    expect(heard).toEqual(["metrics heard 3", "only the second has checkStarted"]);
  });
});
