import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../../sdk/parse-duration.js";

describe("parseDuration", () => {
  it.each([
    [0, 0],
    [250, 250],
    ["500ms", 500],
    ["5s", 5_000],
    ["1.5s", 1_500],
    ["1.1s", 1_100],
    ["2m", 120_000],
    ["0.5m", 30_000],
    ["1h", 3_600_000],
    ["0s", 0],
  ])("reads %j as %d ms", (input, ms) => {
    expect(parseDuration(input)).toEqual({ ok: true, ms });
  });

  it.each([
    ["5x", 'expected a duration like "5s", got "5x"'],
    ["5", 'expected a duration like "5s", got "5"'],
    ["5 s", 'expected a duration like "5s", got "5 s"'],
    ["-5s", 'expected a duration like "5s", got "-5s"'],
    ["", 'expected a duration like "5s", got ""'],
    ["S", 'expected a duration like "5s", got "S"'],
    [null, 'expected a duration like "5s", got null'],
    [true, 'expected a duration like "5s", got true'],
    [[5], 'expected a duration like "5s", got an array'],
    [{ s: 5 }, 'expected a duration like "5s", got an object'],
    [undefined, 'expected a duration like "5s", got nothing'],
    [-3, 'expected a duration like "5s", got -3 (numbers are whole milliseconds, 0 or more)'],
    [1.5, 'expected a duration like "5s", got 1.5 (numbers are whole milliseconds, 0 or more)'],
    [Number.NaN, 'expected a duration like "5s", got NaN (numbers are whole milliseconds, 0 or more)'],
    ["0.5ms", '"0.5ms" is not a whole number of milliseconds'],
    ["99999999999999h", '"99999999999999h" is too long'],
  ])("rejects %j", (input, message) => {
    expect(parseDuration(input)).toEqual({ ok: false, message });
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [500, "500ms"],
    [1_000, "1s"],
    [1_500, "1.5s"],
    [60_000, "1m"],
    [90_000, "90s"],
    [7_200_000, "2h"],
  ])("writes %d ms as %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("round-trips through parseDuration", () => {
    for (const ms of [1, 999, 1_001, 61_000, 3_600_000]) {
      expect(parseDuration(formatDuration(ms))).toEqual({ ok: true, ms });
    }
  });
});
