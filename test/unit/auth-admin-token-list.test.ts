import { describe, expect, it } from "vitest";
import { MIN_ADMIN_TOKEN_LENGTH, parseAdminTokensEnv, parseAdminTokensFile } from "../../server/auth/admin-token-list.js";

const A = "admin-token-aaaaaaaa";
const B = "admin-token-bbbbbbbb";

describe("parseAdminTokensFile", () => {
  it("takes one token a line, skipping blank lines and # comments, trimming spaces and CRs, dropping duplicates", () => {
    expect(parseAdminTokensFile(`# operators\n\n  ${A}  \r\n${B}\n${A}\n   # indented comment\n`)).toEqual({ ok: true, tokens: [A, B] });
  });

  it("accepts a file without tokens (nobody is admin)", () => {
    expect(parseAdminTokensFile("# none yet\n\n")).toEqual({ ok: true, tokens: [] });
  });

  it("refuses a token shorter than the minimum, naming the line and never the token", () => {
    const short = "x".repeat(MIN_ADMIN_TOKEN_LENGTH - 1);
    const result = parseAdminTokensFile(`${A}\n${short}\n`);
    expect(result).toEqual({
      ok: false,
      error: `the token on line 2 is ${MIN_ADMIN_TOKEN_LENGTH - 1} characters; admin tokens must be at least ${MIN_ADMIN_TOKEN_LENGTH}`,
    });
    expect(JSON.stringify(result)).not.toContain(short);
    expect(parseAdminTokensFile("x".repeat(MIN_ADMIN_TOKEN_LENGTH))).toEqual({ ok: true, tokens: ["x".repeat(MIN_ADMIN_TOKEN_LENGTH)] });
  });

  it("refuses a line with whitespace inside (two tokens on one line is a mistake, not a token)", () => {
    const result = parseAdminTokensFile(`${A} ${B}\n`);
    expect(result).toEqual({ ok: false, error: "the token on line 1 contains whitespace" });
    expect(JSON.stringify(result)).not.toContain(A);
  });
});

describe("parseAdminTokensEnv", () => {
  it("splits on commas, trims, ignores empty entries and duplicates", () => {
    expect(parseAdminTokensEnv(` ${A} ,,${B},${A}, `)).toEqual({ ok: true, tokens: [A, B] });
    expect(parseAdminTokensEnv("")).toEqual({ ok: true, tokens: [] });
  });

  it("refuses a short entry by its position", () => {
    expect(parseAdminTokensEnv(`${A},short`)).toEqual({
      ok: false,
      error: `the token at position 2 is 5 characters; admin tokens must be at least ${MIN_ADMIN_TOKEN_LENGTH}`,
    });
  });
});
