import { describe, expect, it } from "vitest";
import { parseServerArgs, USAGE } from "../../server/server-args.js";

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** The history's retention flags (issue 11). */
describe("history retention flags", () => {
  it("default to 7d of rows, 48h of minute, 90d of hour and 730d of day rollups", () => {
    expect(parseServerArgs([], {})).toMatchObject({
      kind: "run",
      args: { historyRetention: 7 * DAY, minuteRollupRetention: 48 * HOUR, hourRollupRetention: 90 * DAY, dayRollupRetention: 730 * DAY },
    });
  });

  it("take days or the usual units, from the environment, and flags over it", () => {
    const env = { MONITOR_HISTORY_RETENTION: "36h", MONITOR_MINUTE_ROLLUP_RETENTION: "90m", MONITOR_HOUR_ROLLUP_RETENTION: "30d", MONITOR_DAY_ROLLUP_RETENTION: "365d" };
    expect(parseServerArgs([], env)).toMatchObject({
      args: { historyRetention: 36 * HOUR, minuteRollupRetention: 90 * 60_000, hourRollupRetention: 30 * DAY, dayRollupRetention: 365 * DAY },
    });
    expect(parseServerArgs(["--history-retention", "1d", "--day-rollup-retention=3650d"], env)).toMatchObject({
      args: { historyRetention: DAY, dayRollupRetention: 3650 * DAY },
    });
  });

  it.each([
    [["--history-retention", "week"], '--history-retention: expected a duration like "7d" or "48h", got "week"'],
    [["--history-retention", "0d"], "--history-retention: must be more than 0"],
    [["--minute-rollup-retention", "0s"], "--minute-rollup-retention: must be more than 0"],
    [["--history-retention", "30m"], "--history-retention: must be at least 1h"],
    [["--minute-rollup-retention", "30s"], "--minute-rollup-retention: must be at least 1m"],
    [["--hour-rollup-retention", "30m", "--minute-rollup-retention", "10m"], "--hour-rollup-retention: must be at least 1h"],
    [["--day-rollup-retention", "12h", "--hour-rollup-retention", "2h", "--minute-rollup-retention", "1h"], "--day-rollup-retention: must be at least 1d"],
    [["--hour-rollup-retention", "24h"], "--hour-rollup-retention: must be at least --minute-rollup-retention"],
    [["--day-rollup-retention", "30d"], "--day-rollup-retention: must be at least --hour-rollup-retention"],
  ])("refuses %j naming the flag", (argv, message) => {
    const parsed = parseServerArgs(argv, {});
    expect(parsed.kind).toBe("error");
    expect(parsed.kind === "error" && parsed.message).toContain(message);
  });

  it("names the variable when a bad value came from the environment", () => {
    expect(parseServerArgs([], { MONITOR_HOUR_ROLLUP_RETENTION: "soon" })).toMatchObject({
      kind: "error",
      message: expect.stringContaining("(from MONITOR_HOUR_ROLLUP_RETENTION)"),
    });
  });

  it("--rollup-interval defaults to a minute and takes a duration", () => {
    expect(parseServerArgs([], {})).toMatchObject({ args: { rollupInterval: 60_000 } });
    expect(parseServerArgs(["--rollup-interval", "5s"], {})).toMatchObject({ args: { rollupInterval: 5000 } });
    expect(parseServerArgs([], { MONITOR_ROLLUP_INTERVAL: "0s" })).toMatchObject({ kind: "error", message: expect.stringContaining("--rollup-interval: must be more than 0") });
  });

  it("are in the usage text with their variables and defaults", () => {
    for (const text of ["--history-retention DURATION", "MONITOR_DAY_ROLLUP_RETENTION", "(default 730d)", "(default 48h)"]) expect(USAGE).toContain(text);
  });
});
