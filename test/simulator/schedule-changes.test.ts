import { describe, expect, it, vi } from "vitest";
import type { SimHttpsListener } from "../../simulator/create-https-listener.js";
import type { SimHttpListener } from "../../simulator/create-web-listener.js";
import { computeSchedule, isUnbounded } from "../../simulator/compute-schedule.js";
import type { ScheduledChange } from "../../simulator/schedule-changes.js";
import { computeChanges, scheduleChanges } from "../../simulator/schedule-changes.js";
import type { ScenarioEvent } from "../../simulator/scenario-event.js";
import type { Scheduler } from "../../simulator/scheduler.js";
import { startScenario } from "../../simulator/start-scenario.js";
import { parseScenario } from "../../simulator/validate-scenario.js";

const DAY_MS = 86_400_000;

/** `offset listener what` strings keep expectations readable. */
function compact(changes: readonly ScheduledChange[]): string[] {
  return changes.map((c) => {
    switch (c.kind) {
      case "state":
        return `${c.atMs} ${c.listener} ${c.state}`;
      case "response":
        return `${c.atMs} ${c.listener} ${JSON.stringify(c.changed)}`;
      case "certificate":
        return `${c.atMs} ${c.listener} certificate ${c.expiresInMs / DAY_MS}d`;
    }
  });
}

describe("computeChanges", () => {
  it("builds each script answer on the one before and keeps up/down in time order beside it", () => {
    const scenario = parseScenario({
      listeners: [
        {
          name: "web",
          kind: "https",
          script: [
            { at: "4s", response: { status: 503, body: "maintenance" } },
            { at: "6s", response: { delay: "3s" } },
            { at: "8s", certificate: { expiresInDays: -1 } },
            { at: "10s", state: "down" },
            { at: "12s", state: "up", response: { status: 200, delay: 0 } },
          ],
        },
      ],
      duration: "1m",
    });
    const changes = computeChanges(scenario);
    expect(compact(changes)).toEqual([
      '4000 web {"status":503,"body":"maintenance"}',
      '6000 web {"delayMs":3000}',
      "8000 web certificate -1d",
      "10000 web down",
      // The answer first, so the listener comes up already answering 200.
      '12000 web {"status":200,"delayMs":0}',
      "12000 web up",
    ]);
    // The whole answer is carried too: the 503's body stays after the 200.
    expect(changes[4]).toMatchObject({ kind: "response", response: { status: 200, body: "maintenance", delayMs: 0 } });
    // The up/down schedule (what the demo reads) is unchanged by the web steps.
    expect(computeSchedule(scenario)).toEqual([
      { atMs: 10_000, listener: "web", state: "down" },
      { atMs: 12_000, listener: "web", state: "up" },
    ]);
  });

  it("cycles entries over the listener's own answer, then serves that answer again", () => {
    const scenario = parseScenario({
      listeners: [
        {
          name: "flaky",
          kind: "http",
          response: { body: "fine" },
          cycle: { start: "2s", every: "3s", responses: [{ status: 503, body: "busy" }, { status: 200 }], count: 2 },
        },
      ],
    });
    expect(compact(computeChanges(scenario))).toEqual([
      '2000 flaky {"status":503,"body":"busy"}',
      // Each entry is over the listener's answer, not the previous entry: the body comes back.
      '5000 flaky {"status":200,"body":"fine"}',
      '8000 flaky {"status":503,"body":"busy"}',
      '11000 flaky {"status":200,"body":"fine"}',
      // The last entry already answers like the listener, so the end of the rounds changes nothing.
    ]);
  });

  it("reverts after the last round when the last entry differs from the listener's answer", () => {
    const scenario = parseScenario({
      listeners: [{ name: "w", kind: "http", cycle: { every: 100, responses: [{ status: 500 }, { status: 502 }], count: 1 } }],
    });
    expect(compact(computeChanges(scenario))).toEqual(['0 w {"status":500}', '100 w {"status":502}', '200 w {"status":200}']);
  });

  it("cuts a cycle off at the duration and interleaves it with a flap and other listeners", () => {
    const scenario = parseScenario({
      listeners: [
        { name: "a", kind: "http", flap: { start: 150, down: 100, up: 400, count: 1 }, cycle: { every: 200, responses: [{ status: 503 }, { status: 200 }] } },
        { name: "b", script: [{ at: 200, state: "down" }] },
      ],
      duration: 700,
    });
    expect(compact(computeChanges(scenario))).toEqual([
      '0 a {"status":503}',
      "150 a down",
      '200 a {"status":200}',
      "200 b down",
      "250 a up",
      '400 a {"status":503}',
      '600 a {"status":200}',
    ]);
  });

  it("needs untilMs for a cycle without count or duration, and yields it lazily", () => {
    const scenario = parseScenario({ listeners: [{ name: "w", kind: "http", cycle: { every: "1s", responses: [{ status: 503 }, {}] } }] });
    expect(isUnbounded(scenario)).toBe(true);
    expect(() => computeChanges(scenario)).toThrow(RangeError);
    // Only the answer repeats forever: the up/down schedule is still finite.
    expect(computeSchedule(scenario)).toEqual([]);
    expect(compact(computeChanges(scenario, 3_000))).toEqual(['0 w {"status":503}', '1000 w {"status":200}', '2000 w {"status":503}']);
    const taken: ScheduledChange[] = [];
    for (const change of scheduleChanges(scenario)) if (taken.push(change) === 100) break;
    expect(taken.at(-1)).toMatchObject({ atMs: 99_000 });
  });
});

/** A clock and scheduler moved by hand: the runner is tested without sleeping. */
function manualTime(startMs: number) {
  let now = startMs;
  const timers: Array<{ at: number; run: () => void; live: boolean }> = [];
  const scheduler: Scheduler = (run, delayMs) => {
    const timer = { at: now + delayMs, run, live: true };
    timers.push(timer);
    return () => {
      timer.live = false;
    };
  };
  return {
    clock: () => now,
    scheduler,
    advanceTo(ms: number): void {
      now = startMs + ms;
      for (const timer of timers.filter((t) => t.live && t.at <= now)) {
        timer.live = false;
        timer.run();
      }
    },
  };
}

const summary = (events: readonly ScenarioEvent[]): string[] =>
  events.flatMap((e) => {
    switch (e.type) {
      case "response":
        return [`${e.offsetMs} ${e.listener} ${JSON.stringify(e.changed)}`];
      case "certificate":
        return [`${e.offsetMs} ${e.listener} certificate`];
      case "transition":
        return [`${e.offsetMs} ${e.listener} ${e.state}`];
      case "error":
        return [`${e.offsetMs} ${e.listener} error ${e.message}`];
      default:
        return [];
    }
  });

describe("startScenario with web steps, on a manual clock", () => {
  it("applies answers and renewals when they fall due, each reported as an event", async () => {
    // Far from the real time: the renewed certificate's dates follow the injected clock.
    const time = manualTime(Date.UTC(2030, 0, 1));
    const scenario = parseScenario({
      listeners: [
        { name: "web", kind: "http", script: [{ at: "4s", response: { status: 503 } }, { at: "6s", response: { delay: "3s" } }] },
        { name: "site", kind: "https", certificate: { expiresInDays: 30 }, script: [{ at: "8s", certificate: { expiresInDays: -1 } }] },
        { name: "flaky", kind: "http", cycle: { start: "5s", every: "2s", responses: [{ status: 500 }, { status: 200 }], count: 1 } },
      ],
      duration: "20s",
    });
    const running = await startScenario(scenario, { clock: time.clock, scheduler: time.scheduler });
    try {
      const web = running.listeners.get("web") as SimHttpListener;
      const site = running.listeners.get("site") as SimHttpsListener;
      const flaky = running.listeners.get("flaky") as SimHttpListener;
      expect(site.certificate()?.notAfterMs).toBe(Date.UTC(2030, 0, 31));

      time.advanceTo(3_999);
      expect(web.response().status).toBe(200);
      time.advanceTo(4_000);
      expect(web.response()).toMatchObject({ status: 503, delayMs: 0 });
      time.advanceTo(6_500);
      expect(web.response()).toMatchObject({ status: 503, delayMs: 3_000 });
      expect(flaky.response().status).toBe(500);
      time.advanceTo(8_000);
      await vi.waitFor(() => expect(site.certificate()?.notAfterMs).toBe(Date.UTC(2030, 0, 1, 0, 0, 8) - DAY_MS));
      expect(flaky.response().status).toBe(200);

      expect(summary(running.events())).toEqual([
        '4000 web {"status":503}',
        '6500 flaky {"status":500}',
        '6500 web {"delayMs":3000}',
        '8000 flaky {"status":200}',
        "8000 site certificate",
      ]);
      expect(running.events().find((e) => e.type === "certificate")).toMatchObject({
        scheduledMs: 8_000,
        expiresInMs: -DAY_MS,
        notAfterMs: Date.UTC(2030, 0, 1, 0, 0, 8) - DAY_MS,
      });
      expect(running.events().find((e) => e.type === "response" && e.listener === "flaky")).toMatchObject({ scheduledMs: 5_000, offsetMs: 6_500 });
    } finally {
      await running.stop();
    }
  });

  it("reports a change aimed at the wrong kind of listener as an error event", async () => {
    const time = manualTime(0);
    // Hand-built, as the validator would refuse it: a TCP listener cannot be given an answer.
    const running = await startScenario(
      {
        listeners: [
          { name: "db", host: "127.0.0.1", port: 0, initial: "up", pattern: { kind: "steady" } },
          {
            name: "web",
            host: "127.0.0.1",
            port: 0,
            initial: "up",
            pattern: { kind: "steady" },
            service: { kind: "http", response: { status: 200, body: "", headers: {}, delayMs: 0 }, steps: [{ atMs: 100, certificateExpiresInMs: DAY_MS }] },
          },
        ],
        durationMs: 1_000,
      },
      { clock: time.clock, scheduler: time.scheduler },
    );
    time.advanceTo(100);
    await vi.waitFor(() => expect(summary(running.events())).toEqual(["100 web error not an HTTPS listener: it has no certificate to renew"]));
    await running.stop();
  });
});
