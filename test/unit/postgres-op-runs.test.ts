import { describe, expect, it } from "vitest";
import type { CallerEvent } from "../../server/domain/types.js";
import { planOpRuns } from "../../server/store/postgres-op-runs.js";
import type { StoreOp } from "../../server/store/store.js";

const T0 = 1_700_000_000_000;
const service = (id: string): StoreOp => ({
  kind: "put_service",
  service: { id, host: "h", port: 1, displayName: "", checkIntervalMs: 1_000, checkTimeoutMs: 100, createdAt: T0 },
});
const caller = (id: string): StoreOp => ({ kind: "put_caller", caller: { id, displayName: "", createdAt: T0 } });
const subscribe = (callerId: string, serviceId: string): StoreOp => ({
  kind: "put_subscription",
  subscription: { callerId, serviceId, pollingIntervalMs: 1_000, gracePeriodMs: 0 },
});
const unsubscribe = (callerId: string, serviceId: string): StoreOp => ({ kind: "delete_subscription", callerId, serviceId });
const outage = (id: string, serviceId: string): StoreOp => ({
  kind: "put_outage",
  outage: { id, serviceId, startMs: T0, endMs: T0 + 1, reason: "" },
});
const observe = (serviceId: string): StoreOp => ({
  kind: "put_observation",
  serviceId,
  observation: { status: "up", sinceMs: T0, lastCheckAt: T0, lastLatencyMs: 1, detail: "" },
});
const up: CallerEvent = { kind: "status_change", serviceId: "s1", host: "h", port: 1, previous: "unknown", status: "up", sinceMs: T0, detail: "" };
const append = (callerId: string, sequence: number): StoreOp => ({ kind: "append_event", event: { callerId, sequence, timeMs: T0, event: up } });

/** The plan as `kind×count` per run, for compact expectations. */
const shape = (ops: StoreOp[]): string[] => planOpRuns(ops).map((run) => `${run.kind}×${run.ops.length}`);

describe("planOpRuns", () => {
  it("an import is one run per kind, whatever its size", () => {
    const ids = Array.from({ length: 1_000 }, (_, i) => `s${i}`);
    const ops = [
      ...ids.map(service),
      caller("c1"),
      ...ids.map((id) => subscribe("c1", id)),
      ...ids.map((id) => outage(`o-${id}`, id)),
      ...ids.map(observe),
      ...ids.map((_, i) => append("c1", i + 1)),
    ];
    expect(shape(ops)).toEqual(["put_service×1000", "put_caller×1", "put_subscription×1000", "put_outage×1000", "put_observation×1000", "append_event×1000"]);
  });

  it("a batch of check results fanning out to callers is two runs, events in their order", () => {
    const ops: StoreOp[] = [];
    for (let s = 0; s < 100; s++) {
      ops.push(observe(`s${s}`));
      for (let c = 0; c < 100; c++) ops.push(append(`c${c}`, s + 1));
    }
    const runs = planOpRuns(ops);
    expect(runs.map((run) => `${run.kind}×${run.ops.length}`)).toEqual(["put_observation×100", "append_event×10000"]);
    expect(runs[1]!.ops).toEqual(ops.filter((op) => op.kind === "append_event"));
  });

  it("mutations batched one after another gather when they do not depend on each other", () => {
    expect(shape([service("a"), subscribe("c1", "a"), service("b"), subscribe("c1", "b")])).toEqual(["put_service×2", "put_subscription×2"]);
    expect(shape([unsubscribe("c1", "s1"), { kind: "delete_service", serviceId: "s1" }, unsubscribe("c1", "s2"), { kind: "delete_service", serviceId: "s2" }])).toEqual([
      "delete_subscription×2",
      "delete_service×2",
    ]);
  });

  it("keeps an op after one it depends on", () => {
    // A subscription needs its service and caller.
    expect(shape([subscribe("c1", "a"), service("b"), subscribe("c1", "b")])).toEqual(["put_subscription×1", "put_service×1", "put_subscription×1"]);
    expect(shape([subscribe("c1", "a"), caller("c1"), subscribe("c1", "b")])).toEqual(["put_subscription×1", "put_caller×1", "put_subscription×1"]);
    // An outage needs its service; a delete_outage does not say which service, so no service change passes it.
    expect(shape([outage("o1", "s1"), service("s2"), outage("o2", "s2")])).toEqual(["put_outage×1", "put_service×1", "put_outage×1"]);
    expect(
      shape([{ kind: "delete_outage", outageId: "o1" }, { kind: "delete_service", serviceId: "s9" }, { kind: "delete_outage", outageId: "o2" }]),
    ).toEqual(["delete_outage×1", "delete_service×1", "delete_outage×1"]);
    // A caller's log: an append does not pass a delete_caller, nor a put_announced, nor a set_last_sequence.
    expect(shape([append("c1", 1), { kind: "delete_caller", callerId: "c1" }, append("c1", 2)])).toEqual(["append_event×1", "delete_caller×1", "append_event×1"]);
    const announce: StoreOp = { kind: "put_announced", entry: { callerId: "c1", serviceId: "s1", announced: { status: "up", sinceMs: T0 } } };
    expect(shape([append("c1", 1), announce, append("c1", 2)])).toEqual(["append_event×1", "put_announced×1", "append_event×1"]);
    expect(shape([append("c1", 1), { kind: "set_last_sequence", callerId: "c1", lastSequence: 9 }, append("c1", 10)])).toEqual([
      "append_event×1",
      "set_last_sequence×1",
      "append_event×1",
    ]);
  });

  it("lets ops of other callers and services pass", () => {
    expect(shape([append("c1", 1), { kind: "delete_caller", callerId: "c2" }, append("c1", 2)])).toEqual(["append_event×2", "delete_caller×1"]);
    expect(shape([observe("s1"), { kind: "delete_service", serviceId: "s2" }, observe("s3")])).toEqual(["put_observation×2", "delete_service×1"]);
    // A delete_caller keeps the counter, so it commutes with set_last_sequence.
    expect(
      shape([
        { kind: "set_last_sequence", callerId: "c1", lastSequence: 3 },
        { kind: "delete_caller", callerId: "c1" },
        { kind: "set_last_sequence", callerId: "c1", lastSequence: 4 },
      ]),
    ).toEqual(["set_last_sequence×2", "delete_caller×1"]);
  });

  it("an empty write has no runs", () => {
    expect(planOpRuns([])).toEqual([]);
  });
});
