import { describe, expect, it } from "vitest";
import { createCheckScheduler } from "../../server/engine/check-scheduler.js";
import { createManualTime } from "../support/manual-time.js";

describe("check scheduler", () => {
  it("hands each key to onDue at its time, with one timer for all", async () => {
    const time = createManualTime(0);
    const fired: Array<[string, number]> = [];
    const scheduler = createCheckScheduler<string>({ clock: time.clock, timers: time.timers, onDue: (key, now) => fired.push([key, now]) });
    scheduler.schedule("b", 2000);
    scheduler.schedule("a", 1000);
    scheduler.schedule("c", 2000);
    expect(time.pendingTimers()).toBe(1);
    await time.advance(5000);
    expect(fired).toEqual([
      ["a", 1000],
      ["b", 2000],
      ["c", 2000],
    ]);
  });

  it("moves a key when re-scheduled and forgets a cancelled one", async () => {
    const time = createManualTime(0);
    const fired: string[] = [];
    const scheduler = createCheckScheduler<string>({ clock: time.clock, timers: time.timers, onDue: (key) => fired.push(key) });
    scheduler.schedule("a", 5000);
    scheduler.schedule("b", 3000);
    scheduler.schedule("a", 1000);
    scheduler.cancel("b");
    expect(scheduler.dueAt("a")).toBe(1000);
    await time.advance(10_000);
    expect(fired).toEqual(["a"]);
    expect(scheduler.size).toBe(0);
  });

  it("re-reads the clock on waking: an early timer fires nothing and re-arms", async () => {
    let now = 0;
    const armed: Array<{ ms: number; fn: () => void }> = [];
    const fired: number[] = [];
    const scheduler = createCheckScheduler<string>({
      clock: { now: () => now },
      timers: {
        setTimeout: (fn, ms) => {
          armed.push({ fn, ms });
          return { unref() {} } as unknown as NodeJS.Timeout;
        },
        clearTimeout: () => {},
      },
      onDue: (_key, at) => fired.push(at),
    });
    scheduler.schedule("a", 1000);
    now = 990; // the timer fires 10 ms early
    armed.shift()!.fn();
    expect(fired).toEqual([]);
    expect(armed.at(-1)!.ms).toBe(10);
    now = 1003; // and then late
    armed.shift()!.fn();
    expect(fired).toEqual([1003]);
  });

  it("caps the delay at 2^31-1 ms and survives a throwing job", async () => {
    const time = createManualTime(0);
    const errors: unknown[] = [];
    const fired: string[] = [];
    const delays: number[] = [];
    const scheduler = createCheckScheduler<string>({
      clock: time.clock,
      timers: { setTimeout: (fn, ms) => (delays.push(ms), time.timers.setTimeout(fn, ms)), clearTimeout: time.timers.clearTimeout },
      onDue: (key) => {
        if (key === "bad") throw new Error("boom");
        fired.push(key);
      },
      onError: (error) => errors.push(error),
    });
    scheduler.schedule("far", 10 * 2 ** 31);
    expect(delays).toEqual([2 ** 31 - 1]);
    scheduler.schedule("bad", 10);
    scheduler.schedule("good", 10);
    await time.advance(100);
    expect(errors).toHaveLength(1);
    expect(fired).toEqual(["good"]);
  });

  it("yields to I/O after batchLimit keys and continues at once", async () => {
    const time = createManualTime(0);
    const fired: string[] = [];
    const scheduler = createCheckScheduler<string>({ clock: time.clock, timers: time.timers, batchLimit: 2, onDue: (key) => fired.push(key) });
    for (const key of ["a", "b", "c", "d", "e"]) scheduler.schedule(key, 100);
    await time.advance(100);
    expect(fired).toEqual(["a", "b", "c", "d", "e"]);
  });
});
