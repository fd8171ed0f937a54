import { describe, expect, it } from "vitest";
import { parseBearerToken } from "../../server/auth/bearer-token.js";

describe("parseBearerToken", () => {
  it("reads the token of a Bearer header, the scheme in any case, spaces around it allowed", () => {
    expect(parseBearerToken("Bearer abc.DEF-123_~+/=")).toEqual({ kind: "token", token: "abc.DEF-123_~+/=" });
    expect(parseBearerToken("bearer t0k")).toEqual({ kind: "token", token: "t0k" });
    expect(parseBearerToken("BEARER   t0k  ")).toEqual({ kind: "token", token: "t0k" });
  });

  it("tells a missing header from one that is not a bearer token", () => {
    for (const missing of [undefined, null, "", "   "]) expect(parseBearerToken(missing)).toEqual({ kind: "missing" });
    for (const other of ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer two words", "Bearertoken", "token-without-scheme"]) {
      expect(parseBearerToken(other), other).toEqual({ kind: "not_bearer" });
    }
  });
});
