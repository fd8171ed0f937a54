import { describe, expect, it } from "vitest";
import { observe, UNOBSERVED } from "../../server/domain/observe.js";
import type { CheckResult, Observation } from "../../server/domain/types.js";

const up = (at: number, latencyMs = 3): CheckResult => ({ status: "up", at, latencyMs, detail: "" });
const down = (at: number, detail = "connection refused"): CheckResult => ({
  status: "down",
  at,
  latencyMs: 0,
  detail,
});

describe("UNOBSERVED", () => {
  it("is unknown and never checked", () => {
    expect(UNOBSERVED).toEqual({
      status: "unknown",
      sinceMs: 0,
      lastCheckAt: undefined,
      lastLatencyMs: 0,
      detail: "",
    });
  });
});

describe("observe", () => {
  it("starts a period at the first check", () => {
    expect(observe(UNOBSERVED, up(1_000, 7))).toEqual<Observation>({
      status: "up",
      sinceMs: 1_000,
      lastCheckAt: 1_000,
      lastLatencyMs: 7,
      detail: "",
    });
    expect(observe(UNOBSERVED, down(1_000)).sinceMs).toBe(1_000);
  });

  it("keeps sinceMs while the status stays the same", () => {
    let o = observe(UNOBSERVED, up(1_000, 1));
    o = observe(o, up(11_000, 2));
    o = observe(o, up(21_000, 9));
    expect(o).toEqual<Observation>({
      status: "up",
      sinceMs: 1_000,
      lastCheckAt: 21_000,
      lastLatencyMs: 9,
      detail: "",
    });
  });

  it("sets down_since to the start of the first failed check of a failure", () => {
    let o = observe(UNOBSERVED, up(0));
    o = observe(o, down(10_000, "connection refused"));
    o = observe(o, down(20_000, "timed out after 2000 ms"));
    expect(o.status).toBe("down");
    expect(o.sinceMs).toBe(10_000);
    expect(o.lastCheckAt).toBe(20_000);
    expect(o.detail).toBe("timed out after 2000 ms");
    expect(o.lastLatencyMs).toBe(0);
  });

  it("starts a new period on every change", () => {
    let o = observe(UNOBSERVED, down(0));
    o = observe(o, up(5_000));
    expect(o.sinceMs).toBe(5_000);
    o = observe(o, down(6_000));
    expect(o.sinceMs).toBe(6_000);
    expect(o.detail).toBe("connection refused");
    o = observe(o, up(7_000));
    expect(o).toMatchObject({ status: "up", sinceMs: 7_000, detail: "" });
  });

  it("does not mutate the previous observation", () => {
    const before = observe(UNOBSERVED, up(0));
    const copy = { ...before };
    observe(before, down(1_000));
    expect(before).toEqual(copy);
    expect(UNOBSERVED.status).toBe("unknown");
  });
});

describe("observe after a target change", () => {
  const changed: Observation = { ...UNOBSERVED, note: "check target changed from a:1 to b:2" };

  it("keeps the note through the first status period after the change, and drops it at the next change", () => {
    const first = observe(changed, down(1_000));
    expect(first.note).toBe(changed.note);
    const still = observe(first, down(2_000));
    expect(still.note).toBe(changed.note);
    expect(observe(still, up(3_000)).note).toBeUndefined();
  });

  it("records the HTTP details of the latest check, and none for a check without them", () => {
    const http = {
      statusCode: 503,
      phases: { dnsMs: 0, connectMs: 1, tlsMs: 2, firstByteMs: 3, totalMs: 4 },
      tlsExpiresAt: 9_000,
      captures: [],
      namedCaptures: {},
    };
    const seen = observe(UNOBSERVED, { ...down(1_000, "status 503 not in 200–399"), http });
    expect(seen.http).toEqual(http);
    expect(observe(seen, up(2_000)).http).toBeUndefined();
  });
});
