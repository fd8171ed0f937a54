import { describe, expect, it } from "vitest";
import { certificateExpiry, EXPIRY_WARNING_MS } from "../../server/tls/certificate-expiry.js";
import { debounce, type DebounceTimers } from "../../server/tls/debounce.js";

const DAY = 24 * 3600_000;
const NOW = Date.parse("2026-06-01T00:00:00Z");

describe("certificateExpiry", () => {
  it.each([
    [NOW + 90 * DAY, { kind: "valid" }],
    [NOW + EXPIRY_WARNING_MS + 1, { kind: "valid" }],
    [NOW + EXPIRY_WARNING_MS, { kind: "expires_soon", days: 14 }],
    [NOW + 3 * DAY + 5 * 3600_000, { kind: "expires_soon", days: 3 }],
    [NOW + 1000, { kind: "expires_soon", days: 0 }],
    [NOW, { kind: "expired" }],
    [NOW - 30 * DAY, { kind: "expired" }],
    [Number.NaN, { kind: "expired" }],
  ])("a certificate ending at %d is %j", (notAfterMs, expected) => {
    expect(certificateExpiry(notAfterMs, NOW)).toEqual(expected);
  });
});

/** Timers run by hand: `advance(ms)` fires what is due. */
function manualTimers(): DebounceTimers & { advance(ms: number): void; pending(): number } {
  let now = 0;
  let nextId = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    setTimeout(callback, ms) {
      timers.set(++nextId, { at: now + ms, callback });
      return nextId;
    },
    clearTimeout: (handle) => void timers.delete(handle as number),
    advance(ms) {
      now += ms;
      for (const [id, timer] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
        if (timer.at <= now) {
          timers.delete(id);
          timer.callback();
        }
      }
    },
    pending: () => timers.size,
  };
}

describe("debounce", () => {
  it("runs once per burst, waitMs after its last trigger", () => {
    const timers = manualTimers();
    let runs = 0;
    const debounced = debounce(() => runs++, 1000, timers);
    debounced.trigger();
    timers.advance(600);
    debounced.trigger();
    timers.advance(600);
    debounced.trigger();
    timers.advance(999);
    expect(runs).toBe(0);
    timers.advance(1);
    expect(runs).toBe(1);
    expect(timers.pending()).toBe(0);
    debounced.trigger();
    timers.advance(1000);
    expect(runs).toBe(2);
  });

  it("cancel drops the pending run", () => {
    const timers = manualTimers();
    let runs = 0;
    const debounced = debounce(() => runs++, 1000, timers);
    debounced.trigger();
    debounced.cancel();
    timers.advance(5000);
    expect(runs).toBe(0);
    expect(timers.pending()).toBe(0);
  });
});
