import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { sleep } from "../../sdk/sleep.js";

beforeEach(() => void vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] }));
afterEach(() => void vi.useRealTimers());

describe("sleep", () => {
  it("resolves after the delay", async () => {
    let resolved = false;
    void sleep(5000, new AbortController().signal).then(() => (resolved = true));
    await vi.advanceTimersByTimeAsync(4999);
    expect(resolved).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(resolved).toBe(true);
  });

  it("resolves at once on abort and leaves no timer behind", async () => {
    const abort = new AbortController();
    const slept = sleep(60_000, abort.signal);
    expect(vi.getTimerCount()).toBe(1);
    abort.abort();
    await slept;
    expect(vi.getTimerCount()).toBe(0);
  });

  it("does not start a timer for an aborted signal", async () => {
    await sleep(60_000, AbortSignal.abort());
    expect(vi.getTimerCount()).toBe(0);
  });
});
