/**
 * End-to-end behaviour of the notification rules over simulated time: the
 * exact announcements (and check times) that the domain functions produce
 * when driven the way the engine drives them (see timeline.ts).
 */
import { describe, expect, it } from "vitest";
import { runTimeline, s, script, type RecordedAnnouncement } from "./timeline.js";

const up = (at: number, callerId: string, since: number): RecordedAnnouncement => ({
  at: s(at),
  callerId,
  status: "up",
  since: s(since),
});
const down = (at: number, callerId: string, since: number): RecordedAnnouncement => ({
  at: s(at),
  callerId,
  status: "down",
  since: s(since),
});
const secs = (...t: number[]): number[] => t.map(s);

describe("grace periods", () => {
  it("announces DOWN at down_since + grace when grace is shorter than the interval", () => {
    const r = runTimeline({
      checkIntervalMs: s(30),
      subscriptions: [{ callerId: "a", pollingIntervalMs: s(10), gracePeriodMs: s(3) }],
      statusAt: script("up", [s(25), "down"]),
      endMs: s(60),
    });
    expect(r.announcements).toEqual([up(0, "a", 0), down(33, "a", 30)]);
    // The extra check at 33 s, then the regular interval from it.
    expect(r.checks).toEqual(secs(0, 10, 20, 30, 33, 43, 53));
  });

  it("announces DOWN at the deadline when grace is longer than the interval", () => {
    const r = runTimeline({
      checkIntervalMs: s(30),
      subscriptions: [{ callerId: "a", pollingIntervalMs: s(10), gracePeriodMs: s(25) }],
      statusAt: script("up", [s(25), "down"]),
      endMs: s(80),
    });
    expect(r.announcements).toEqual([up(0, "a", 0), down(55, "a", 30)]);
    expect(r.checks).toEqual(secs(0, 10, 20, 30, 40, 50, 55, 65, 75));
  });

  it("announces DOWN at the first failed check with grace 0", () => {
    const r = runTimeline({
      checkIntervalMs: s(30),
      subscriptions: [{ callerId: "a", pollingIntervalMs: s(10), gracePeriodMs: 0 }],
      statusAt: script("up", [s(25), "down"]),
      endMs: s(45),
    });
    expect(r.announcements).toEqual([up(0, "a", 0), down(30, "a", 30)]);
    expect(r.checks).toEqual(secs(0, 10, 20, 30, 40));
  });

  it("announces nothing when the service recovers inside the grace period", () => {
    const r = runTimeline({
      checkIntervalMs: s(30),
      subscriptions: [{ callerId: "a", pollingIntervalMs: s(10), gracePeriodMs: s(15) }],
      statusAt: script("up", [s(25), "down"], [s(42), "up"]),
      endMs: s(60),
    });
    expect(r.announcements).toEqual([up(0, "a", 0)]);
    // The check at the deadline (45 s) finds it back up.
    expect(r.checks).toEqual(secs(0, 10, 20, 30, 40, 45, 55));
  });

  it("announces nothing while the service flaps faster than the grace period", () => {
    // Up until 20 s, then down and up for 7 s each, against a 15 s grace.
    const r = runTimeline({
      checkIntervalMs: s(30),
      subscriptions: [{ callerId: "a", pollingIntervalMs: s(5), gracePeriodMs: s(15) }],
      statusAt: (t) => (t < s(20) || Math.floor((t - s(20)) / s(7)) % 2 === 1 ? "up" : "down"),
      endMs: s(300),
    });
    expect(r.announcements).toEqual([up(0, "a", 0)]);
    // It did see the failures.
    expect(r.checks.filter((t) => t >= s(20) && t < s(27))).toEqual(secs(20, 25));
  });

  it("announces UP and DOWN again for each announced failure and recovery", () => {
    const r = runTimeline({
      checkIntervalMs: s(10),
      subscriptions: [{ callerId: "a", pollingIntervalMs: s(10), gracePeriodMs: s(5) }],
      statusAt: script("down", [s(22), "up"], [s(41), "down"]),
      endMs: s(70),
    });
    expect(r.announcements).toEqual([
      down(5, "a", 0),
      up(25, "a", 25),
      down(50, "a", 45),
    ]);
    // Grace 5 s: extra checks at 5 s and 50 s, each followed by the regular 10 s.
    expect(r.checks).toEqual(secs(0, 5, 15, 25, 35, 45, 50, 60, 70));
  });
});

describe("several callers on one service", () => {
  it("tells each caller DOWN at its own deadline, with one check per interval plus the needed extra ones", () => {
    const r = runTimeline({
      checkIntervalMs: s(30),
      subscriptions: [
        { callerId: "a", pollingIntervalMs: s(10), gracePeriodMs: s(3) },
        { callerId: "b", pollingIntervalMs: s(20), gracePeriodMs: s(5) },
        { callerId: "c", pollingIntervalMs: s(60), gracePeriodMs: s(25) },
      ],
      statusAt: script("up", [s(25), "down"]),
      endMs: s(70),
    });
    expect(r.announcements).toEqual([
      up(0, "a", 0),
      up(0, "b", 0),
      up(0, "c", 0),
      down(33, "a", 30),
      down(35, "b", 30),
      down(55, "c", 30),
    ]);
    expect(r.checks).toEqual(secs(0, 10, 20, 30, 33, 35, 45, 55, 65));
  });

  it("keeps extra checks for close deadlines at least 1 s apart", () => {
    const r = runTimeline({
      checkIntervalMs: s(30),
      subscriptions: [
        { callerId: "a", pollingIntervalMs: s(10), gracePeriodMs: s(3) },
        { callerId: "b", pollingIntervalMs: s(10), gracePeriodMs: s(3.4) },
        { callerId: "c", pollingIntervalMs: s(10), gracePeriodMs: s(3.2) },
      ],
      statusAt: script("up", [s(25), "down"]),
      endMs: s(50),
    });
    expect(r.announcements).toEqual([
      up(0, "a", 0),
      up(0, "b", 0),
      up(0, "c", 0),
      down(33, "a", 30),
      down(34, "b", 30),
      down(34, "c", 30),
    ]);
    expect(r.checks).toEqual(secs(0, 10, 20, 30, 33, 34, 44));
  });

  it("checks once per effective interval however many callers subscribe", () => {
    const subscriptions = Array.from({ length: 50 }, (_, i) => ({
      callerId: `c${i}`,
      pollingIntervalMs: s(10 + i),
      gracePeriodMs: s(60),
    }));
    const r = runTimeline({ checkIntervalMs: s(30), subscriptions, statusAt: () => "up", endMs: s(100) });
    expect(r.checks).toEqual(secs(0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100));
    expect(r.announcements).toHaveLength(50);
  });
});

describe("the 1 s floor", () => {
  it("puts the extra check 1 s after the last one when the deadline is sooner (polling 1 s)", () => {
    const r = runTimeline({
      checkIntervalMs: s(30),
      subscriptions: [{ callerId: "a", pollingIntervalMs: s(1), gracePeriodMs: 200 }],
      statusAt: script("up", [s(2.5), "down"]),
      endMs: s(5),
    });
    expect(r.announcements).toEqual([up(0, "a", 0), down(4, "a", 3)]);
    expect(r.checks).toEqual(secs(0, 1, 2, 3, 4, 5));
  });

  it("puts the extra check 1 s after the last one when the deadline is sooner (polling 10 s)", () => {
    const r = runTimeline({
      checkIntervalMs: s(30),
      subscriptions: [{ callerId: "a", pollingIntervalMs: s(10), gracePeriodMs: 200 }],
      statusAt: script("up", [s(25), "down"]),
      endMs: s(45),
    });
    expect(r.announcements).toEqual([up(0, "a", 0), down(31, "a", 30)]);
    expect(r.checks).toEqual(secs(0, 10, 20, 30, 31, 41));
  });
});

describe("planned outages", () => {
  it("hides a failure and recovery that both happen inside the window", () => {
    const r = runTimeline({
      checkIntervalMs: s(30),
      subscriptions: [{ callerId: "a", pollingIntervalMs: s(10), gracePeriodMs: s(3) }],
      outages: [{ startMs: s(25), endMs: s(60) }],
      statusAt: script("up", [s(32), "down"], [s(45), "up"]),
      endMs: s(80),
    });
    expect(r.announcements).toEqual([up(0, "a", 0)]);
    // Checks go on, without extra checks for a deadline (43 s) inside the window.
    expect(r.checks).toEqual(secs(0, 10, 20, 30, 40, 50, 60, 70, 80));
  });

  it("announces DOWN when a window ends while the service is down, not before", () => {
    const r = runTimeline({
      checkIntervalMs: s(30),
      subscriptions: [{ callerId: "a", pollingIntervalMs: s(10), gracePeriodMs: s(3) }],
      outages: [{ startMs: s(25), endMs: s(65) }],
      statusAt: script("up", [s(32), "down"]),
      endMs: s(90),
    });
    expect(r.announcements).toEqual([up(0, "a", 0), down(65, "a", 40)]);
    expect(r.checks).toEqual(secs(0, 10, 20, 30, 40, 50, 60, 70, 80, 90));
  });

  it("waits for the grace deadline when it falls after the window's end", () => {
    const r = runTimeline({
      checkIntervalMs: s(30),
      subscriptions: [{ callerId: "a", pollingIntervalMs: s(10), gracePeriodMs: s(7) }],
      outages: [{ startMs: s(25), endMs: s(45) }],
      statusAt: script("up", [s(35), "down"]),
      endMs: s(60),
    });
    expect(r.announcements).toEqual([up(0, "a", 0), down(47, "a", 40)]);
    expect(r.checks).toEqual(secs(0, 10, 20, 30, 40, 47, 57));
  });

  it("announces UP when a window ends after recovery from an announced DOWN", () => {
    const r = runTimeline({
      checkIntervalMs: s(30),
      subscriptions: [{ callerId: "a", pollingIntervalMs: s(10), gracePeriodMs: 0 }],
      outages: [{ startMs: s(25), endMs: s(65) }],
      statusAt: script("up", [s(15), "down"], [s(42), "up"]),
      endMs: s(90),
    });
    expect(r.announcements).toEqual([up(0, "a", 0), down(20, "a", 20), up(65, "a", 50)]);
  });

  it("says nothing when a window ends with the status the caller already heard", () => {
    const r = runTimeline({
      checkIntervalMs: s(30),
      subscriptions: [{ callerId: "a", pollingIntervalMs: s(10), gracePeriodMs: 0 }],
      outages: [{ startMs: s(25), endMs: s(65) }],
      // Down (announced), up inside the window, down again before its end.
      statusAt: script("up", [s(15), "down"], [s(32), "up"], [s(48), "down"]),
      endMs: s(90),
    });
    expect(r.announcements).toEqual([up(0, "a", 0), down(20, "a", 20)]);
  });

  it("reconciles only when the last of overlapping windows ends", () => {
    const r = runTimeline({
      checkIntervalMs: s(30),
      subscriptions: [{ callerId: "a", pollingIntervalMs: s(10), gracePeriodMs: s(3) }],
      outages: [
        { startMs: s(20), endMs: s(50) },
        { startMs: s(40), endMs: s(72) },
      ],
      statusAt: script("up", [s(25), "down"]),
      endMs: s(90),
    });
    expect(r.announcements).toEqual([up(0, "a", 0), down(72, "a", 30)]);
  });

  it("first announces at the window's end when the first check falls inside it", () => {
    const r = runTimeline({
      checkIntervalMs: s(30),
      subscriptions: [{ callerId: "a", pollingIntervalMs: s(10), gracePeriodMs: s(3) }],
      outages: [{ startMs: 0, endMs: s(15) }],
      statusAt: () => "up",
      endMs: s(30),
    });
    expect(r.announcements).toEqual([up(15, "a", 0)]);
  });
});

describe("new subscriptions", () => {
  it("hears UP at once when the service is up", () => {
    const r = runTimeline({
      checkIntervalMs: s(30),
      subscriptions: [{ callerId: "a", pollingIntervalMs: s(10), gracePeriodMs: s(5), fromMs: s(45) }],
      statusAt: () => "up",
      endMs: s(70),
    });
    expect(r.announcements).toEqual([up(45, "a", 0)]);
    // 30 + 10 has passed at 45: the re-planned check is now, then every 10 s.
    expect(r.checks).toEqual(secs(0, 30, 45, 55, 65));
  });

  it("hears DOWN at once when the service has been down longer than its grace", () => {
    const r = runTimeline({
      checkIntervalMs: s(10),
      subscriptions: [{ callerId: "a", pollingIntervalMs: s(10), gracePeriodMs: s(20), fromMs: s(25) }],
      statusAt: () => "down",
      endMs: s(40),
    });
    expect(r.announcements).toEqual([down(25, "a", 0)]);
    expect(r.checks).toEqual(secs(0, 10, 20, 30, 40));
  });

  it("hears DOWN at its grace deadline when the failure is more recent", () => {
    const r = runTimeline({
      checkIntervalMs: s(30),
      subscriptions: [{ callerId: "a", pollingIntervalMs: s(30), gracePeriodMs: s(50), fromMs: s(35) }],
      statusAt: () => "down",
      endMs: s(90),
    });
    expect(r.announcements).toEqual([down(50, "a", 0)]);
    expect(r.checks).toEqual(secs(0, 30, 50, 80));
  });

  it("hears nothing before the first check, then the first result", () => {
    const r = runTimeline({
      checkIntervalMs: s(30),
      subscriptions: [{ callerId: "a", pollingIntervalMs: s(10), gracePeriodMs: s(4) }],
      statusAt: () => "down",
      endMs: s(10),
    });
    expect(r.announcements).toEqual([down(4, "a", 0)]);
  });

  it("does not disturb callers who already heard the status", () => {
    const r = runTimeline({
      checkIntervalMs: s(10),
      subscriptions: [
        { callerId: "a", pollingIntervalMs: s(10), gracePeriodMs: 0 },
        { callerId: "b", pollingIntervalMs: s(10), gracePeriodMs: 0, fromMs: s(15) },
      ],
      statusAt: script("up", [s(5), "down"]),
      endMs: s(30),
    });
    expect(r.announcements).toEqual([up(0, "a", 0), down(10, "a", 10), down(15, "b", 10)]);
  });
});

describe("ending subscriptions", () => {
  it("announces nothing to a caller after it unsubscribes, and drops its extra checks", () => {
    const r = runTimeline({
      checkIntervalMs: s(30),
      subscriptions: [
        { callerId: "a", pollingIntervalMs: s(10), gracePeriodMs: s(3), untilMs: s(31) },
        { callerId: "b", pollingIntervalMs: s(10), gracePeriodMs: s(10) },
      ],
      statusAt: script("up", [s(25), "down"], [s(55), "up"]),
      endMs: s(70),
    });
    expect(r.announcements).toEqual([up(0, "a", 0), up(0, "b", 0), down(40, "b", 30), up(60, "b", 60)]);
    expect(r.ended).toEqual([{ at: s(31), callerId: "a", reason: "unsubscribed" }]);
    expect(r.checks).toEqual(secs(0, 10, 20, 30, 40, 50, 60, 70));
  });

  it("announces nothing and checks no more after the service is unregistered", () => {
    const r = runTimeline({
      checkIntervalMs: s(30),
      subscriptions: [
        { callerId: "a", pollingIntervalMs: s(10), gracePeriodMs: s(3) },
        { callerId: "b", pollingIntervalMs: s(10), gracePeriodMs: 0 },
      ],
      statusAt: script("up", [s(25), "down"]),
      unregisterAtMs: s(31),
      endMs: s(90),
    });
    expect(r.announcements).toEqual([up(0, "a", 0), up(0, "b", 0), down(30, "b", 30)]);
    expect(r.ended).toEqual([
      { at: s(31), callerId: "a", reason: "service unregistered" },
      { at: s(31), callerId: "b", reason: "service unregistered" },
    ]);
    expect(r.checks).toEqual(secs(0, 10, 20, 30));
  });
});

describe("effective interval changes", () => {
  it("re-plans from the last check when a faster subscriber arrives, and when it leaves", () => {
    const r = runTimeline({
      checkIntervalMs: s(30),
      subscriptions: [{ callerId: "a", pollingIntervalMs: s(5), gracePeriodMs: s(60), fromMs: s(33), untilMs: s(47) }],
      statusAt: () => "up",
      endMs: s(110),
    });
    // At 33 s: 30 + 5 = 35 s, not 60 s. At 47 s: 45 + 30 = 75 s, not 50 s.
    expect(r.checks).toEqual(secs(0, 30, 35, 40, 45, 75, 105));
    expect(r.announcements).toEqual([up(33, "a", 0)]);
  });

  it("checks at once when last check + new interval has already passed", () => {
    const r = runTimeline({
      checkIntervalMs: s(30),
      subscriptions: [{ callerId: "a", pollingIntervalMs: s(5), gracePeriodMs: s(60), fromMs: s(42) }],
      statusAt: () => "up",
      endMs: s(55),
    });
    expect(r.checks).toEqual(secs(0, 30, 42, 47, 52));
  });

  it("re-plans when a subscription's settings change", () => {
    const r = runTimeline({
      checkIntervalMs: s(60),
      subscriptions: [
        {
          callerId: "a",
          pollingIntervalMs: s(30),
          gracePeriodMs: s(60),
          updates: [{ atMs: s(40), pollingIntervalMs: s(5), gracePeriodMs: s(5) }],
        },
      ],
      statusAt: script("up", [s(20), "down"]),
      endMs: s(50),
    });
    // Down since 30 s; the new 5 s grace has passed at 40 s: DOWN at once.
    expect(r.announcements).toEqual([up(0, "a", 0), down(40, "a", 30)]);
    // 30 + 5 = 35 s has passed at 40 s: check now, then every 5 s.
    expect(r.checks).toEqual(secs(0, 30, 40, 45, 50));
  });
});
