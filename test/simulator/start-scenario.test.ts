import { createServer } from "node:net";
import { describe, expect, it, vi } from "vitest";
import type { Scheduler } from "../../simulator/scheduler.js";
import type { ScenarioEvent } from "../../simulator/scenario-event.js";
import { startScenario } from "../../simulator/start-scenario.js";
import { parseScenario } from "../../simulator/validate-scenario.js";
import { probe } from "./connect-probe.js";

/** A clock and scheduler moved by hand, so timing logic is tested without sleeping. */
function manualTime(startMs: number) {
  let now = startMs;
  const timers: Array<{ at: number; run: () => void; live: boolean }> = [];
  const delays: number[] = [];
  const scheduler: Scheduler = (run, delayMs) => {
    delays.push(delayMs);
    const timer = { at: now + delayMs, run, live: true };
    timers.push(timer);
    return () => {
      timer.live = false;
    };
  };
  return {
    clock: () => now,
    scheduler,
    delays,
    live: () => timers.filter((t) => t.live).length,
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
  events.map((e) => (e.type === "transition" ? `${e.scheduledMs} ${e.listener} ${e.state}` : e.type));

describe("startScenario", () => {
  it("runs a short script against real sockets and closes everything at the duration", async () => {
    const probes: Array<Promise<string>> = [];
    const scenario = parseScenario({
      listeners: [
        { name: "a", script: [{ at: 100, state: "down" }, { at: 200, state: "up" }] },
        { name: "b", initial: "down" },
      ],
      duration: 300,
    });
    const running = await startScenario(scenario, {
      onEvent: (e) => {
        if (e.type === "transition") probes.push(probe("127.0.0.1", e.port).then((r) => `${e.listener} ${e.state} ${r}`));
      },
    });
    const { a, b } = running.ports;
    if (a === undefined || b === undefined) throw new Error("ports missing");
    expect(a).not.toBe(b);
    expect(await probe("127.0.0.1", a)).toBe("connected");
    expect(await probe("127.0.0.1", b)).toBe("ECONNREFUSED");

    const end = await running.done;
    expect(end).toMatchObject({ type: "end", reason: "duration" });
    expect(end.offsetMs).toBeGreaterThanOrEqual(300);
    expect(summary(running.events())).toEqual(["open", "open", "100 a down", "200 a up", "end"]);
    expect(await Promise.all(probes)).toEqual(["a down ECONNREFUSED", "a up connected"]);
    const transitions = running.events().filter((e) => e.type === "transition");
    for (const t of transitions) {
      expect(t.port).toBe(a);
      expect(t.offsetMs).toBeGreaterThanOrEqual(t.scheduledMs);
      expect(t.atMs - running.startedAtMs).toBe(t.offsetMs);
    }
    expect(running.listeners.get("a")?.connectionCount()).toBeGreaterThanOrEqual(2);
    expect(await probe("127.0.0.1", a)).toBe("ECONNREFUSED");
  });

  it("times transitions from the start and catches up after a stall", async () => {
    const time = manualTime(1_000_000);
    const scenario = parseScenario({
      listeners: [{ name: "c", flap: { start: 100, down: 100, up: 100 } }],
    });
    const running = await startScenario(scenario, { clock: time.clock, scheduler: time.scheduler });
    expect(running.startedAtMs).toBe(1_000_000);
    expect(time.delays).toEqual([100]);

    time.advanceTo(100);
    await vi.waitFor(() => expect(running.listeners.get("c")?.state()).toBe("down"));
    expect(time.delays).toEqual([100, 100]);

    // A late tick applies everything that fell due, in order, and re-arms from the start time.
    time.advanceTo(350);
    await vi.waitFor(() => expect(summary(running.events())).toHaveLength(4));
    expect(summary(running.events())).toEqual(["open", "100 c down", "200 c up", "300 c down"]);
    expect(running.events().at(-1)).toMatchObject({ offsetMs: 350, scheduledMs: 300 });
    expect(time.delays.at(-1)).toBe(50);

    const end = await running.stop();
    expect(end).toEqual({ type: "end", atMs: 1_000_350, offsetMs: 350, reason: "stopped" });
    expect(await running.done).toBe(end);
    expect(time.live()).toBe(0);
    expect(running.listeners.get("c")?.state()).toBe("down");
  });

  it("ends at the duration even with nothing scheduled", async () => {
    const time = manualTime(0);
    const running = await startScenario(parseScenario({ listeners: [{ name: "a" }], duration: "2s" }), {
      clock: time.clock,
      scheduler: time.scheduler,
    });
    expect(time.delays).toEqual([2_000]);
    time.advanceTo(2_000);
    expect(await running.done).toMatchObject({ reason: "duration", offsetMs: 2_000 });
  });

  it("fails to start when a fixed port is taken, closing what it opened", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: "127.0.0.1", port: 0 }, resolve));
    const address = blocker.address();
    const taken = typeof address === "object" && address !== null ? address.port : 0;
    const opened: number[] = [];
    try {
      const scenario = parseScenario({ listeners: [{ name: "a" }, { name: "b", port: taken }] });
      const start = startScenario(scenario, {
        bindRetry: { attempts: 1, delayMs: 0 },
        onEvent: (e) => void (e.type === "open" && opened.push(e.port)),
      });
      await expect(start).rejects.toThrow(`listener "b" on 127.0.0.1:${taken}: port still in use after 1 attempt over 0ms`);
      expect(opened).toHaveLength(1);
      expect(await probe("127.0.0.1", opened[0] ?? 0)).toBe("ECONNREFUSED");
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
