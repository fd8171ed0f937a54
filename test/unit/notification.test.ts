import { describe, expect, it } from "vitest";
import {
  applyAnnouncement,
  decide,
  graceDeadline,
  NOTHING_ANNOUNCED,
  type DecideInput,
} from "../../server/domain/notification.js";
import { UNOBSERVED } from "../../server/domain/observe.js";
import type { Announced, Announcement, Observation } from "../../server/domain/types.js";

const upSince = (sinceMs: number, lastCheckAt = sinceMs): Observation => ({
  status: "up",
  sinceMs,
  lastCheckAt,
  lastLatencyMs: 2,
  detail: "",
});
const downSince = (sinceMs: number, lastCheckAt = sinceMs, detail = "connection refused"): Observation => ({
  status: "down",
  sinceMs,
  lastCheckAt,
  lastLatencyMs: 0,
  detail,
});
const announcedUp = (sinceMs: number): Announced => ({ status: "up", sinceMs });
const announcedDown = (sinceMs: number): Announced => ({ status: "down", sinceMs });

const input = (over: Partial<DecideInput>): DecideInput => ({
  serviceId: "svc-1",
  announced: NOTHING_ANNOUNCED,
  observation: UNOBSERVED,
  gracePeriodMs: 0,
  now: 0,
  inOutage: false,
  ...over,
});

describe("NOTHING_ANNOUNCED", () => {
  it("is unknown since 0", () => {
    expect(NOTHING_ANNOUNCED).toEqual({ status: "unknown", sinceMs: 0 });
  });
});

describe("graceDeadline", () => {
  it("is down_since + grace while down and DOWN not announced", () => {
    expect(graceDeadline(announcedUp(0), downSince(10_000), 3_000)).toBe(13_000);
    expect(graceDeadline(NOTHING_ANNOUNCED, downSince(10_000), 3_000)).toBe(13_000);
    expect(graceDeadline(announcedUp(0), downSince(10_000), 0)).toBe(10_000);
  });

  it("is undefined while up or unknown", () => {
    expect(graceDeadline(announcedUp(0), upSince(0), 3_000)).toBeUndefined();
    expect(graceDeadline(NOTHING_ANNOUNCED, UNOBSERVED, 3_000)).toBeUndefined();
    expect(graceDeadline(announcedDown(0), upSince(5_000), 3_000)).toBeUndefined();
  });

  it("is undefined once DOWN was announced, even for a later failure", () => {
    expect(graceDeadline(announcedDown(10_000), downSince(10_000), 3_000)).toBeUndefined();
    expect(graceDeadline(announcedDown(10_000), downSince(50_000), 3_000)).toBeUndefined();
  });
});

describe("decide", () => {
  it("announces nothing before the first check", () => {
    expect(decide(input({ now: 5_000 }))).toBeUndefined();
  });

  it("announces UP at the first successful check (rule 1)", () => {
    expect(decide(input({ observation: upSince(1_000), now: 1_000 }))).toEqual<Announcement>({
      serviceId: "svc-1",
      previous: "unknown",
      status: "up",
      sinceMs: 1_000,
      detail: "",
    });
  });

  it("announces UP after an announced DOWN, since the first successful check", () => {
    expect(
      decide(input({ announced: announcedDown(5_000), observation: upSince(20_000, 30_000), now: 30_000 })),
    ).toEqual<Announcement>({
      serviceId: "svc-1",
      previous: "down",
      status: "up",
      sinceMs: 20_000,
      detail: "",
    });
  });

  it("does not repeat UP", () => {
    expect(decide(input({ announced: announcedUp(1_000), observation: upSince(1_000, 9_000), now: 9_000 })))
      .toBeUndefined();
  });

  it("holds DOWN back until down_since + grace (rule 2)", () => {
    const base = { announced: announcedUp(0), observation: downSince(10_000), gracePeriodMs: 3_000 };
    expect(decide(input({ ...base, now: 10_000 }))).toBeUndefined();
    expect(decide(input({ ...base, now: 12_999 }))).toBeUndefined();
    expect(decide(input({ ...base, now: 13_000 }))).toEqual<Announcement>({
      serviceId: "svc-1",
      previous: "up",
      status: "down",
      sinceMs: 10_000,
      detail: "connection refused",
    });
    expect(decide(input({ ...base, now: 99_000 }))?.status).toBe("down");
  });

  it("announces DOWN at the first failed check with grace 0", () => {
    expect(
      decide(input({ announced: announcedUp(0), observation: downSince(10_000), gracePeriodMs: 0, now: 10_000 })),
    ).toMatchObject({ status: "down", sinceMs: 10_000 });
  });

  it("uses the latest check's detail for DOWN", () => {
    const a = decide(
      input({
        announced: announcedUp(0),
        observation: downSince(10_000, 20_000, "timed out after 2000 ms"),
        gracePeriodMs: 5_000,
        now: 20_000,
      }),
    );
    expect(a).toMatchObject({ status: "down", sinceMs: 10_000, detail: "timed out after 2000 ms" });
  });

  it("announces DOWN with previous unknown when UP was never heard", () => {
    expect(
      decide(input({ observation: downSince(0), gracePeriodMs: 2_000, now: 2_000 })),
    ).toMatchObject({ previous: "unknown", status: "down", sinceMs: 0 });
  });

  it("does not repeat DOWN, nor announce a new failure to a caller who already heard DOWN", () => {
    expect(
      decide(input({ announced: announcedDown(10_000), observation: downSince(10_000, 50_000), now: 50_000 })),
    ).toBeUndefined();
    expect(
      decide(input({ announced: announcedDown(10_000), observation: downSince(40_000), now: 99_000 })),
    ).toBeUndefined();
  });

  it("announces nothing inside an outage (rule 4)", () => {
    expect(decide(input({ observation: upSince(0), now: 0, inOutage: true }))).toBeUndefined();
    expect(
      decide(input({ announced: announcedUp(0), observation: downSince(0), now: 99_000, inOutage: true })),
    ).toBeUndefined();
  });

  it("reconciles at the end of an outage with rule 2 applied", () => {
    // Down through the window, grace passed: DOWN.
    expect(
      decide(input({ announced: announcedUp(0), observation: downSince(10_000), gracePeriodMs: 5_000, now: 60_000 })),
    ).toMatchObject({ status: "down", sinceMs: 10_000 });
    // Down, grace not yet passed: nothing yet.
    expect(
      decide(input({ announced: announcedUp(0), observation: downSince(58_000), gracePeriodMs: 5_000, now: 60_000 })),
    ).toBeUndefined();
    // Recovered from an announced DOWN: UP.
    expect(
      decide(input({ announced: announcedDown(0), observation: upSince(40_000, 55_000), now: 60_000 })),
    ).toMatchObject({ previous: "down", status: "up", sinceMs: 40_000 });
  });

  it("serves a new subscription the current status (rule 5)", () => {
    expect(decide(input({ observation: upSince(1_000, 30_000), now: 35_000 })))
      .toMatchObject({ previous: "unknown", status: "up", sinceMs: 1_000 });
    expect(decide(input({ observation: downSince(1_000, 30_000), gracePeriodMs: 10_000, now: 35_000 })))
      .toMatchObject({ previous: "unknown", status: "down", sinceMs: 1_000 });
    expect(decide(input({ observation: downSince(30_000), gracePeriodMs: 10_000, now: 35_000 }))).toBeUndefined();
  });

  it("copies the service id", () => {
    expect(decide(input({ serviceId: "other", observation: upSince(0) }))?.serviceId).toBe("other");
  });
});

describe("applyAnnouncement", () => {
  it("records the announced status and since", () => {
    const a: Announcement = { serviceId: "s", previous: "up", status: "down", sinceMs: 7, detail: "x" };
    expect(applyAnnouncement(announcedUp(1), a)).toEqual({ status: "down", sinceMs: 7 });
  });

  it("makes decide quiet until something changes", () => {
    const observation = downSince(10_000);
    let announced: Announced = announcedUp(0);
    const first = decide(input({ announced, observation, gracePeriodMs: 1_000, now: 11_000 }));
    expect(first).toBeDefined();
    announced = applyAnnouncement(announced, first!);
    expect(decide(input({ announced, observation, gracePeriodMs: 1_000, now: 11_000 }))).toBeUndefined();
    expect(decide(input({ announced, observation, gracePeriodMs: 1_000, now: 20_000 }))).toBeUndefined();
  });
});

describe("decide: after a target change, and for HTTP checks", () => {
  const note = "check target changed from 127.0.0.1:80 to https://example.test/";

  it("adds the target-change note to the detail of either status", () => {
    expect(decide(input({ announced: announcedUp(0), observation: { ...downSince(1_000), note }, now: 1_000 }))?.detail).toBe(
      `connection refused; ${note}`,
    );
    expect(decide(input({ announced: announcedDown(0), observation: { ...upSince(1_000), note }, now: 1_000 }))?.detail).toBe(note);
  });

  it("copies the deciding observation's HTTP details into the announcement", () => {
    const http = {
      statusCode: 200,
      phases: { dnsMs: 0, connectMs: 1, tlsMs: 2, firstByteMs: 3, totalMs: 4 },
      tlsExpiresAt: 5_000,
      captures: ["ok"],
      namedCaptures: {},
    };
    expect(decide(input({ announced: announcedDown(0), observation: { ...upSince(1_000), http }, now: 1_000 }))?.http).toEqual(http);
  });
});

describe("decide: the target-change note is for callers told of the old target", () => {
  it("leaves it out for a subscription that has announced nothing yet", () => {
    const note = "check target changed from a:1 to b:2";
    expect(decide(input({ observation: { ...upSince(1_000), note }, now: 1_000 }))?.detail).toBe("");
    expect(decide(input({ observation: { ...downSince(1_000), note }, now: 1_000 }))?.detail).toBe("connection refused");
  });
});
