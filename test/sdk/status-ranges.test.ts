import { describe, expect, it } from "vitest";
import { formatStatusRanges, parseStatusRanges } from "../../sdk/config/status-ranges.js";

describe("parseStatusRanges", () => {
  it("reads codes, ranges and classes, with spaces around the commas", () => {
    expect(parseStatusRanges("200-299, 304,4xx")).toEqual({
      ok: true,
      ranges: [
        { min: 200, max: 299 },
        { min: 304, max: 304 },
        { min: 400, max: 499 },
      ],
    });
  });

  it("refuses a range that ends before it starts, 0 included (the API's 'min alone' is not for text)", () => {
    expect(parseStatusRanges("200-0")).toEqual({ ok: false, message: '"200-0" ends before it starts' });
    expect(parseStatusRanges("299-200")).toMatchObject({ ok: false });
  });

  it("refuses what is not a code, a range or a class", () => {
    for (const text of ["", "200-2x9", "6xx", "2000", "200,,300", "ok"]) {
      expect(parseStatusRanges(text), text).toMatchObject({ ok: false });
    }
  });

  it("formats back what it read", () => {
    const read = parseStatusRanges("200-299,304");
    expect(read.ok && formatStatusRanges(read.ranges)).toBe("200-299,304");
    expect(formatStatusRanges([{ min: 204, max: 0 }])).toBe("204");
  });
});
