import { describe, expect, it } from "vitest";
import { decodeCounter, decodeEvent, decodeService } from "../../server/store/postgres-store-rows.js";
import { RowError, type ServiceRow } from "../../server/store/store-rows.js";

// What only PostgreSQL's rows need: jsonb arrives parsed, bigints as numbers that must have fitted.
describe("postgres-store-rows", () => {
  it("refuses a bigint sequence that did not fit a number, naming the table and key", () => {
    expect(() => decodeCounter(["c1", 2 ** 53])).toThrow(
      new RowError('table caller_counters, caller_id "c1": last_sequence 9007199254740992 is not an integer below 2^53'),
    );
    const event = { kind: "subscription_ended", serviceId: "s1", reason: "unsubscribed" };
    expect(() => decodeEvent("c1", [2 ** 53, 0, event])).toThrow(/table events, caller_id "c1" sequence 9007199254740992: sequence/);
    expect(decodeEvent("c1", [7, 5, event])).toEqual({ callerId: "c1", sequence: 7, timeMs: 5, event });
  });

  it("refuses a jsonb payload or probe that is not one, naming the table and key", () => {
    expect(() => decodeEvent("c1", [1, 0, { kind: "nope" }])).toThrow(
      /table events, caller_id "c1" sequence 1: payload is not an event: kind: unexpected value "nope"/,
    );
    const row = (probe: unknown): ServiceRow<unknown> => ["s1", "127.0.0.1", 80, "", 1000, 500, 0, probe, null, null];
    expect(() => decodeService(row([]))).toThrow(/table services, id "s1": probe is not a JSON object/);
    expect(decodeService(row({ kind: "tcp", closeMode: "reset", extra: 1 })).probe).toEqual({ kind: "tcp", closeMode: "reset" });
  });
});
