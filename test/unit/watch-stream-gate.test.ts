import { describe, expect, it } from "vitest";
import { MonitorError } from "../../server/domain/monitor-error.js";
import { createWatchStreamGate } from "../../server/rpc/watch-stream-gate.js";

function refusal(admit: () => unknown): MonitorError {
  try {
    admit();
  } catch (error) {
    if (error instanceof MonitorError) return error;
    throw error;
  }
  throw new Error("admitted");
}

describe("the per-caller Watch stream gate", () => {
  it("admits up to the limit, then refuses with resource_exhausted naming the caller limit", () => {
    const gate = createWatchStreamGate(2);
    const first = gate.admit("bot");
    gate.admit("bot");
    const error = refusal(() => gate.admit("bot"));
    expect(error.kind).toBe("resource_exhausted");
    expect(error.message).toBe('caller "bot" already has 2 open Watch streams, the most allowed per caller; close one first');
    // Other callers are not affected.
    gate.admit("other");
    first.release();
    expect(gate.openFor("bot")).toBe(1);
    gate.admit("bot");
  });

  it("counts a refused stream nowhere, and a lease released twice once", () => {
    const gate = createWatchStreamGate(1);
    const lease = gate.admit("a");
    refusal(() => gate.admit("a"));
    expect(gate.openFor("a")).toBe(1);
    expect(gate.total()).toBe(1);
    lease.release();
    lease.release();
    expect(gate.openFor("a")).toBe(0);
    expect(gate.total()).toBe(0);
    gate.admit("a");
    gate.admit("b");
    refusal(() => gate.admit("a"));
    expect(gate.total()).toBe(2);
  });
});
