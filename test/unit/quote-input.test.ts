import { describe, expect, it } from "vitest";
import { quoteInput } from "../../server/domain/quote-input.js";

describe("quoteInput", () => {
  it("quotes a short value as it is", () => {
    expect(quoteInput("svc_x")).toBe('"svc_x"');
    expect(quoteInput("")).toBe('""');
  });

  it("cuts a long value after 64 characters with … and its length", () => {
    const quoted = quoteInput("a".repeat(10 * 1024 * 1024));
    expect(quoted).toBe(`"${"a".repeat(64)}…" (10485760 characters)`);
    expect(quoteInput("a".repeat(65))).toBe(`"${"a".repeat(64)}…" (65 characters)`);
    expect(quoteInput("a".repeat(64))).toBe(`"${"a".repeat(64)}"`);
    expect(quoteInput("abcdef", 3)).toBe('"abc…" (6 characters)');
  });

  it("escapes quotes, backslashes, control, invisible and bidi characters", () => {
    expect(quoteInput('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(quoteInput("x\n{\"level\":50}\r\u0000")).toBe('"x\\n{\\"level\\":50}\\r\\u0000"');
    expect(quoteInput("\u001b[2J")).toBe('"\\u001b[2J"');
    expect(quoteInput("a\u007fb\u0085c\u200bd\u202ee\u2028f\ufeff")).toBe('"a\\u007fb\\u0085c\\u200bd\\u202ee\\u2028f\\ufeff"');
    expect(quoteInput("\ud800")).toBe('"\\ud800"');
  });

  it("keeps printable non-ASCII text readable", () => {
    expect(quoteInput("café 東京 🚀")).toBe('"café 東京 🚀"');
  });

  it("does not split a surrogate pair at the cut", () => {
    expect(quoteInput(`${"a".repeat(63)}🚀🚀`)).toBe(`"${"a".repeat(63)}…" (67 characters)`);
  });
});
