import { describe, expect, it } from "vitest";
import { createStopSignals } from "../../server/shutdown-signals.js";

describe("stop signals", () => {
  it("stops on the first signal and ignores the relayed copy of it", () => {
    const signals = createStopSignals(1000);
    expect(signals.receive("SIGINT", 10_000)).toBe("stop");
    expect(signals.receive("SIGINT", 10_002)).toBe("repeat");
    expect(signals.receive("SIGINT", 10_999)).toBe("repeat");
  });

  it("forces an exit on a signal after the window, or on a different signal", () => {
    const late = createStopSignals(1000);
    late.receive("SIGINT", 0);
    expect(late.receive("SIGINT", 1000)).toBe("force");
    const other = createStopSignals(1000);
    other.receive("SIGINT", 0);
    expect(other.receive("SIGTERM", 5)).toBe("force");
  });
});
