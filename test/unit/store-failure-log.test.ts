import { describe, expect, it } from "vitest";
import { MonitorError } from "../../server/domain/monitor-error.js";
import { createStoreFailureLog } from "../../server/store/store-failure-log.js";
import { StoreError } from "../../server/store/store.js";

function setUp() {
  let now = 0;
  const lines: Array<{ fields: Record<string, unknown>; message: string }> = [];
  const logger = { error: (fields: Record<string, unknown>, message: string) => lines.push({ fields, message }) };
  const failures = createStoreFailureLog(logger as never, () => now, 10_000);
  return { failures, lines, advance: (ms: number) => (now += ms) };
}

const down = () => new StoreError("unavailable", "postgres 127.0.0.1:5432/monitor: connect ECONNREFUSED");

describe("createStoreFailureLog", () => {
  it("logs the store being down once per source every 10 s, the next line counting those held back", () => {
    const { failures, lines, advance } = setUp();
    const store = failures("store");
    for (let i = 0; i < 1_000; i++) {
      store(down(), "writing a batch of 1 ops to the store");
      advance(9);
    }
    // 9,000 ms: one line.
    expect(lines).toHaveLength(1);
    expect(lines[0]?.message).toBe("store: writing a batch of 1 ops to the store (the store is unavailable)");
    advance(1_000);
    store(down(), "writing a batch of 3 ops to the store");
    expect(lines).toHaveLength(2);
    expect(lines[1]?.message).toBe(
      "store: writing a batch of 3 ops to the store (the store is unavailable; 999 more such failure(s) since the previous line not logged)",
    );
    expect(lines[1]?.fields.suppressed).toBe(999);
    expect(lines[1]?.fields.err).toBeInstanceOf(StoreError);
  });

  it("throttles each source on its own, and takes the refusal made of a failed write as the same outage", () => {
    const { failures, lines } = setUp();
    failures("store")(down(), "writing a batch of 1 ops to the store");
    failures("engine")(new MonitorError("unavailable", "the store could not save the change"), "committing the evaluation of service s1");
    failures("engine")(new MonitorError("unavailable", "the store could not save the change"), "committing the evaluation of service s2");
    expect(lines.map((line) => line.message)).toEqual([
      "store: writing a batch of 1 ops to the store (the store is unavailable)",
      "engine: committing the evaluation of service s1 (the store is unavailable)",
    ]);
  });

  it("logs every other failure, a bug or corruption, every time", () => {
    const { failures, lines } = setUp();
    const history = failures("history");
    for (let i = 0; i < 3; i++) history(new StoreError("corrupt", "table history: bad row"), "appending 1 history row(s)");
    for (let i = 0; i < 3; i++) history(new TypeError("x is undefined"), "appending 1 history row(s)");
    history(new MonitorError("invalid_argument", "bad"), "appending 1 history row(s)");
    expect(lines).toHaveLength(7);
    expect(lines.every((line) => line.message === "history: appending 1 history row(s)")).toBe(true);
  });
});
